"""Shared test configuration: keep torch deterministic and small on a 2-core CI box."""

from pathlib import Path

import pytest
import torch

torch.set_num_threads(1)

FIXTURE = Path(__file__).parent / "fixtures" / "official_lighttrack_mobile"
SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture
def official_fixture() -> Path:
    return FIXTURE


@pytest.fixture(autouse=True, scope="session")
def _onnx_cache_in_tmp(tmp_path_factory):
    """Trackers built from weights export ONNX graphs into a cache: keep it out of the user's."""
    import os

    saved = os.environ.get("LIGHTTRACK_CACHE_DIR")
    os.environ["LIGHTTRACK_CACHE_DIR"] = str(tmp_path_factory.mktemp("lighttrack-cache"))
    yield
    if saved is None:
        os.environ.pop("LIGHTTRACK_CACHE_DIR", None)
    else:
        os.environ["LIGHTTRACK_CACHE_DIR"] = saved


@pytest.fixture
def data_roots(tmp_path, monkeypatch):
    """Every data-root variable a recipe may name (lighttrack.settings.DATA_ROOTS), pointed at an
    empty folder: recipes load and validate without the data being here."""
    from lighttrack.settings import DATA_ROOTS

    for name in DATA_ROOTS:
        folder = tmp_path / "data" / name
        folder.mkdir(parents=True)
        monkeypatch.setenv(name, str(folder))
    return tmp_path / "data"
