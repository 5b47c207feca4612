"""configs/ holds recipes: no machine's path in them, data roots from the documented environment
variables, every starting checkpoint made by another recipe or shipped. experiments/ holds the
records of past runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from lighttrack.models import default_weights, shipped_names
import yaml

from lighttrack.errors import ConfigError
from lighttrack.settings import DATA_ROOTS, expand_data_roots, referenced_data_roots

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / "configs"
EXPERIMENTS = ROOT / "experiments"
RECIPES = sorted(CONFIGS.glob("*.yaml"))


def _raw(path: Path) -> dict:
    return yaml.safe_load(path.read_text()) or {}


def _sources(raw: dict) -> list[dict]:
    data = raw.get("data") or {}
    return [*(data.get("train") or []), *(data.get("val") or [])]


def _relative_inside(text: str) -> bool:
    path = Path(text)
    return not path.is_absolute() and not text.startswith("~") and ".." not in path.parts


def test_there_are_recipes_of_each_kind():
    names = {p.name for p in RECIPES}
    assert {"tiny_synthetic.yaml", "supernet_tiny.yaml", "search_tiny.yaml"} <= names  # tiny
    assert {"supernet_paper.yaml", "retrain_mobile_paper.yaml", "search_mobile.yaml"} <= names  # paper scale
    assert {"davis_mobile.yaml", "gpu_mobile.yaml", "retrain_300m_b.yaml"} <= names  # the shipped weights


@pytest.mark.parametrize("path", RECIPES, ids=lambda p: p.name)
def test_data_roots_are_variables_or_relative_paths(path):
    for i, src in enumerate(_sources(_raw(path))):
        root = src.get("root")
        if root is None:
            assert src.get("format") == "synthetic", f"{path.name}: source {i} has no root"
            continue
        root = str(root)
        if "${" in root:
            assert root.startswith("${"), f"{path.name}: {root!r}: a variable starts the root"
            assert set(referenced_data_roots(root)) <= set(DATA_ROOTS), f"{path.name}: {root!r}"
        else:  # shipped with the package, or made by a command the recipe's header gives
            assert _relative_inside(root) and root.startswith(("lighttrack/", "runs/")), f"{path.name}: {root!r}"
            if root.startswith("lighttrack/"):
                assert (ROOT / root).is_dir(), f"{path.name}: {root} is not in the repository"


@pytest.mark.parametrize("path", RECIPES, ids=lambda p: p.name)
def test_a_recipe_without_its_data_names_the_variable(path, tmp_path):
    raw = _raw(path)
    used = referenced_data_roots(raw)
    for name in used:
        assert f"${name}" in path.read_text().split("\nname:")[0], f"{path.name}: the header does not say it needs {name}"
    if used:
        with pytest.raises(ConfigError, match=f"data.*{used[0]} is not set: point it at"):
            expand_data_roots(raw, source=path.name, environ={})
    expanded = expand_data_roots(raw, source=path.name, environ={name: str(tmp_path) for name in DATA_ROOTS})
    assert not referenced_data_roots(expanded)


def test_every_starting_checkpoint_is_shipped_or_made_by_a_recipe():
    made = {f"runs/{_raw(p)['name']}" for p in RECIPES if "model" in _raw(p)}  # train output_dir: runs/<name>
    checked = 0
    for path in RECIPES:
        model = _raw(path).get("model") or {}
        for key in ("init", "backbone_init"):
            value = model.get(key)
            if value is None:
                continue
            checked += 1
            value = str(value)
            assert _relative_inside(value), f"{path.name}: model.{key} {value!r}"
            if value.startswith("lighttrack/"):
                assert (ROOT / value).is_file(), f"{path.name}: model.{key} {value} is not in the repository"
            elif value in shipped_names():  # a shipped model by name (its file is in the package)
                assert default_weights(value) is not None, f"{path.name}: model.{key} {value} ships no weights"
            else:
                assert str(Path(value).parent) in made, f"{path.name}: model.{key} {value} is made by no recipe in configs/"
    assert checked >= 7


def test_search_recipes_name_existing_files():
    for path in RECIPES:
        raw = _raw(path)
        base = (raw.get("retrain") or {}).get("base")
        if base:
            assert (ROOT / base).is_file(), f"{path.name}: retrain.base {base}"
        for runtime, table in (raw.get("latency_tables") or {}).items():
            assert _relative_inside(table) and (table.startswith("runs/") or (ROOT / table).is_file()), f"{path.name}: {table}"


def test_records_are_apart_and_described():
    readme = (EXPERIMENTS / "README.md").read_text()
    records = sorted((EXPERIMENTS / "configs").glob("*.yaml"))
    assert records
    for path in records:
        assert path.name in readme, f"experiments/README.md does not say what {path.name} was"
        assert not (CONFIGS / path.name).exists()
