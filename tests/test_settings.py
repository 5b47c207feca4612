"""lighttrack.settings: data roots from environment variables, one documented place."""

from pathlib import Path

import pytest

from lighttrack.errors import ConfigError
from lighttrack.settings import DATA_ROOTS, data_root, expand_data_roots, referenced_data_roots

DOCS = Path(__file__).resolve().parents[1] / "docs" / "data.md"


def test_references_are_replaced_everywhere_and_the_input_is_kept(tmp_path):
    davis, stills = tmp_path / "davis", tmp_path / "stills"
    davis.mkdir()
    stills.mkdir()
    env = {"LIGHTTRACK_DAVIS": str(davis), "LIGHTTRACK_STILLS": str(stills)}
    raw = {"name": "x", "seed": 3, "model": {"init": "runs/a/final.pt"},
           "data": {"train": [{"format": "folder", "root": "${LIGHTTRACK_DAVIS}", "split": "train"},
                              {"format": "stills", "root": "${LIGHTTRACK_STILLS}/aquarium", "options": {"seed": 1}}],
                    "val": ({"root": "${LIGHTTRACK_DAVIS}"},)}}
    out = expand_data_roots(raw, source="configs/x.yaml", environ=env)
    assert out["data"]["train"][0]["root"] == str(davis)
    assert out["data"]["train"][1]["root"] == f"{stills}/aquarium"
    assert out["data"]["val"] == ({"root": str(davis)},)
    assert out["model"] == {"init": "runs/a/final.pt"} and out["seed"] == 3 and out["name"] == "x"
    assert raw["data"]["train"][0]["root"] == "${LIGHTTRACK_DAVIS}"  # not changed in place
    assert expand_data_roots("${LIGHTTRACK_DAVIS}/val", environ=env) == f"{davis}/val"
    assert expand_data_roots("$LIGHTTRACK_DAVIS and /data", environ={}) == "$LIGHTTRACK_DAVIS and /data"
    assert expand_data_roots(None) is None and expand_data_roots(1.5) == 1.5


def test_unset_variable_names_itself_the_key_and_the_data(tmp_path):
    raw = {"data": {"train": [{"format": "synthetic"}, {"format": "folder", "root": "${LIGHTTRACK_DAVIS}"}]}}
    with pytest.raises(ConfigError) as err:
        expand_data_roots(raw, source="configs/davis_mobile.yaml", environ={})
    message = str(err.value)
    assert message.startswith("configs/davis_mobile.yaml: data.train.1.root: LIGHTTRACK_DAVIS is not set")
    assert "DAVIS-2016 in the folder layout" in message and "docs/data.md" in message
    with pytest.raises(ConfigError, match="LIGHTTRACK_DAVIS is not set"):
        expand_data_roots(raw, environ={"LIGHTTRACK_DAVIS": ""})  # empty counts as unset


def test_a_variable_that_names_no_folder_is_an_error(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(ConfigError, match=r"config: LIGHTTRACK_GOT10K=.*nowhere is not a folder \(expected GOT-10k"):
        expand_data_roots("${LIGHTTRACK_GOT10K}", environ={"LIGHTTRACK_GOT10K": str(missing)})
    (tmp_path / "file").write_text("")
    with pytest.raises(ConfigError, match="is not a folder"):
        data_root("LIGHTTRACK_COCO", {"LIGHTTRACK_COCO": str(tmp_path / "file")})


def test_unknown_names_are_errors_not_paths():
    with pytest.raises(ConfigError, match=r"\$\{LIGHTTRACK_DAVIES\} is not a data-root variable; use one of LIGHTTRACK_DAVIS"):
        expand_data_roots({"root": "${LIGHTTRACK_DAVIES}"}, environ={})
    with pytest.raises(ConfigError, match=r"\$\{HOME\} is not a data-root variable"):
        expand_data_roots("${HOME}/data", environ={"HOME": "/"})


def test_os_environ_by_default_and_user_folders(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "coco").mkdir()
    monkeypatch.setenv("LIGHTTRACK_COCO", "~/coco")
    assert data_root("LIGHTTRACK_COCO") == tmp_path / "coco"
    assert expand_data_roots("${LIGHTTRACK_COCO}") == str(tmp_path / "coco")


def test_referenced_names_in_order():
    raw = {"a": ["${LIGHTTRACK_DAVIS}", {"b": "${LIGHTTRACK_STILLS}/x ${LIGHTTRACK_DAVIS}"}], "c": 1}
    assert referenced_data_roots(raw) == ["LIGHTTRACK_DAVIS", "LIGHTTRACK_STILLS"]
    assert referenced_data_roots("plain") == []


def test_every_variable_is_documented_in_data_md():
    text = DOCS.read_text()
    for name in DATA_ROOTS:
        assert f"`{name}`" in text, f"{name} is not in docs/data.md"
