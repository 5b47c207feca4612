"""Config loading, overrides and errors; the LR schedule."""

from pathlib import Path

import pytest

from lighttrack.errors import ConfigError
from lighttrack.train.config import load_config, resume_conflicts
from lighttrack.train.schedule import WarmupLogSchedule

CONFIGS = Path(__file__).resolve().parents[1] / "configs"
TRAINING_CONFIGS = [
    "tiny_synthetic.yaml",
    "davis_mobile.yaml",
    "supernet_tiny.yaml",
    "pretrain_tiny.yaml",
    "pretrain_imagenet.yaml",
    "supernet_paper.yaml",
    "retrain_mobile_paper.yaml",
]


@pytest.mark.parametrize("name", TRAINING_CONFIGS)
def test_every_shipped_training_config_loads(name, data_roots):
    cfg = load_config(CONFIGS / name)
    assert cfg.name


def test_overrides_with_dotted_keys_and_list_indices():
    cfg = load_config(
        CONFIGS / "tiny_synthetic.yaml",
        ["train.batch_size=4", "data.train.0.pairs=10", "model.backbone_init=null", "train.grad_clip=null", "seed=3", "train.lr=1"],
    )
    assert cfg.train.batch_size == 4 and cfg.data.train[0].pairs == 10
    assert cfg.model.backbone_init is None and cfg.train.grad_clip is None and cfg.seed == 3
    assert cfg.train.lr == 1.0 and isinstance(cfg.train.lr, float)


@pytest.mark.parametrize(
    "override, key",
    [
        ("train.bogus=1", "train.bogus"),
        ("bogus=1", "bogus"),
        ("train.batch_size=abc", "train.batch_size"),
        ("train.batch_size=2.5", "train.batch_size"),
        ("train.nesterov=3", "train.nesterov"),
        ("model.kind=detector", "model.kind"),
        ("data.train.0.colour=red", "data.train.0.colour"),
        ("data.train.5.pairs=1", "data.train.5.pairs"),
        ("train.batch_size.x=1", "train.batch_size.x"),
    ],
)
def test_bad_overrides_name_the_key(override, key):
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        load_config(CONFIGS / "tiny_synthetic.yaml", [override])


def test_unknown_key_in_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("train:\n  batch_size: 2\n  learning_rate: 0.1\n")
    with pytest.raises(ConfigError, match="train.learning_rate"):
        load_config(path)
    path.write_text("train:\n  batch_size: [2]\n")
    with pytest.raises(ConfigError, match="train.batch_size"):
        load_config(path)
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "missing.yaml")


def test_resume_conflicts_ignore_run_length_and_logging():
    a = load_config(CONFIGS / "tiny_synthetic.yaml").to_dict()
    b = load_config(CONFIGS / "tiny_synthetic.yaml", ["train.epochs=99", "log.every_steps=1", "checkpoint.every_steps=7"]).to_dict()
    assert resume_conflicts(a, b) == []
    c = load_config(CONFIGS / "tiny_synthetic.yaml", ["train.lr=0.5"]).to_dict()
    assert resume_conflicts(a, c) == ["train.lr"]


def test_schedule_matches_official_per_epoch_values():
    sched = WarmupLogSchedule(base=0.03, end=1e-4, warmup_start=0.01, warmup_epochs=5, total_epochs=50, per_step=False)
    warm = [round(sched.lr_at(e), 4) for e in range(5)]
    assert warm == [0.0100, 0.0125, 0.0155, 0.0193, 0.0241]
    assert sched.lr_at(5) == pytest.approx(0.03)
    assert sched.lr_at(49) == pytest.approx(1e-4)
    assert sched.lr_at(5.9) == sched.lr_at(5)  # held within an epoch


def test_per_step_schedule_is_continuous_and_agrees_at_epoch_boundaries():
    sched = WarmupLogSchedule(base=0.03, end=1e-4, warmup_start=0.01, warmup_epochs=5, total_epochs=50)
    assert sched.lr_at(0) == pytest.approx(0.01)
    assert sched.lr_at(2) == pytest.approx(0.01 * 3 ** 0.4)
    assert sched.lr_at(5) == pytest.approx(0.03)
    assert sched.lr_at(50) == pytest.approx(1e-4)
    steps = [sched.lr_at_step(s, 10) for s in range(0, 500)]
    assert max(steps) == pytest.approx(0.03, rel=1e-3)
    assert all(b <= a for a, b in zip(steps[50:], steps[51:]))


def test_supernet_search_space_from_config():
    from lighttrack.space import SearchSpace
    from lighttrack.train.config import from_dict

    base = {"name": "s", "model": {"kind": "supernet"}}
    assert from_dict(base).model.search_space() == SearchSpace()
    base["model"]["output_positions"] = "official_code"
    assert from_dict(base).model.search_space() == SearchSpace.official_code()
    base["model"].update(depths=[1, 1, 1, 1, 1], head_layers=2, output_positions="ops_20,ops_30")
    tiny = from_dict(base).model.search_space()
    assert tiny == SearchSpace(depths=(1, 1, 1, 1, 1), output_positions=((2, 0), (3, 0)), head_layers=2)
    base["model"]["output_positions"] = "ops_21"
    with pytest.raises(ConfigError, match="ops_21 is not a block"):
        from_dict(base)
    base["model"]["output_positions"] = "everything"
    with pytest.raises(ConfigError, match="model.output_positions"):
        from_dict(base)


def test_the_config_names_every_actor_and_only_actors():
    """train.config checks model.kind before any actor is built (and cannot import the actors,
    which import it): its list must stay the actors' registry."""
    from lighttrack.train.actors import ACTORS
    from lighttrack.train.config import MODEL_KINDS

    assert sorted(MODEL_KINDS) == sorted(ACTORS)
