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
