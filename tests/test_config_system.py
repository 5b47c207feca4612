"""One config system: train, search and the demo read files and key=value overrides the same way,
refuse unknown keys the same way, and expand ${NAME} data roots."""

import pytest

from lighttrack import config
from lighttrack.demo.settings import QUICK, demo_settings
from lighttrack.errors import ConfigError
from lighttrack.search.runner import load_search_config
from lighttrack.train.config import load_config

SEARCH = """
name: s
constraints: [{name: small, max_macs: 4.0e8}]
data:
  train: [{format: synthetic, options: {num_sequences: 2, length: 10}}]
  val: [{format: synthetic, options: {num_sequences: 2, length: 10}}]
"""


@pytest.fixture
def search_file(tmp_path):
    path = tmp_path / "search.yaml"
    path.write_text(SEARCH)
    return path


def test_search_takes_key_value_overrides_like_train(search_file, tmp_path):
    cfg = load_search_config(search_file, None, [f"output_dir={tmp_path / 'out'}", "fitness.max_frames=7", "seed=3"])
    assert cfg.output_dir == str(tmp_path / "out") and cfg.fitness.max_frames == 7 and cfg.seed == 3
    train = load_config(None, ["train.batch_size=4", "name=t"])
    assert train.train.batch_size == 4 and train.name == "t"


@pytest.mark.parametrize("load", [
    lambda path, kv: load_search_config(path, None, kv),
    lambda path, kv: load_config(None, kv),
    lambda path, kv: demo_settings(QUICK, kv),
])
def test_unknown_keys_and_wrong_types_fail_the_same_way(search_file, load):
    with pytest.raises(ConfigError, match=r"unknown config key 'nonsense'"):
        load(search_file, ["nonsense=1"])
    with pytest.raises(ConfigError, match=r"must be"):
        load(search_file, ["threads=abc"])  # every one has an integer 'threads'



def test_demo_settings_take_overrides(tmp_path):
    changed = demo_settings(QUICK, ["still_length=9", "baselines=[kcf]"])
    assert changed.still_length == 9 and changed.baselines == ("kcf",) and changed.video == QUICK.video
    assert demo_settings(QUICK) is QUICK


def test_data_roots_come_from_the_environment(tmp_path, monkeypatch):
    path = tmp_path / "train.yaml"
    path.write_text("data:\n  train: [{format: folder, root: '${LIGHTTRACK_DAVIS}', split: train}]\n")
    monkeypatch.delenv("LIGHTTRACK_DAVIS", raising=False)
    with pytest.raises(ConfigError, match="LIGHTTRACK_DAVIS"):
        load_config(path)
    monkeypatch.setenv("LIGHTTRACK_DAVIS", str(tmp_path))
    assert load_config(path).data.train[0].root == str(tmp_path)
    # an override can point a source elsewhere before the roots are read
    monkeypatch.delenv("LIGHTTRACK_DAVIS")
    assert load_config(path, [f"data.train.0.root={tmp_path}"]).data.train[0].root == str(tmp_path)


def test_the_override_syntax_is_one_function():
    tree = {"a": {"b": [1, 2]}}
    config.apply_override(tree, "a.b.1", 5)
    assert tree == {"a": {"b": [1, 5]}}
    with pytest.raises(ConfigError, match="out of range"):
        config.apply_override(tree, "a.b.9", 0)
    assert config.parse_override("x.y=[1, 2]") == ("x.y", [1, 2])
