"""Exact resume, atomic checkpoints, products, skipped steps and bad-input errors."""

import pytest
import torch

import lighttrack
from lighttrack.errors import CheckpointError, ConfigError, DataError
from lighttrack.space import SearchSpace
from lighttrack.train.config import load_config
from lighttrack.train.testing import FakePairs
from lighttrack.train.trainer import Trainer

SMALL = str(SearchSpace().smallest())


def tiny_cfg(tmp_path, *extra):
    overrides = [
        "model.kind=tracker",
        f"model.arch={SMALL}",
        f"output_dir={tmp_path}",
        "device=cpu",
        "train.batch_size=2",
        "train.steps_per_epoch=3",
        "train.epochs=2",
        "train.schedule_epochs=3",
        "train.warmup_epochs=1",
        "train.freeze_backbone_epochs=1",  # the backbone unfreezes at step 3, across the resume point
        "checkpoint.every_steps=3",
        "checkpoint.keep=1",
        "log.progress=false",
        "log.tensorboard=false",
        "data.search_size=128",
        "data.train=[{format: synthetic, pairs: 6}]",
        *extra,
    ]
    return load_config(None, overrides)


def fake():
    return FakePairs(length=6, search_size=128, seed=1)


def test_resume_gives_identical_weights(tmp_path):
    straight = Trainer(tiny_cfg(tmp_path / "a"), dataset=fake())
    straight.fit()

    first = Trainer(tiny_cfg(tmp_path / "b", "train.max_steps=3"), dataset=fake())
    first.fit()
    assert first.step == 3 and (tmp_path / "b" / "last.pt").is_file()
    resumed = Trainer(tiny_cfg(tmp_path / "b"), dataset=fake(), resume="auto")
    assert resumed.step == 3
    resumed.fit()

    a, b = straight.model.state_dict(), resumed.model.state_dict()
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key
    # the backbone did train after unfreezing, and the head trained all along
    init = Trainer(tiny_cfg(tmp_path / "c"), dataset=fake()).model.state_dict()
    assert not torch.equal(init["backbone.stem.conv.weight"], a["backbone.stem.conv.weight"])
    assert any(not torch.equal(init[k], a[k]) for k in a if k.startswith("cls_head"))

    # the product is a TrackerNet checkpoint that lighttrack.load reads
    net = lighttrack.load(tmp_path / "a" / "final.pt")
    from lighttrack.tracker import Tracker

    assert Tracker.from_weights(tmp_path / "a" / "final.pt").preset.template_size == net.template_size == 128
    for key, value in net.state_dict().items():
        assert torch.equal(value, a[key])
    assert sorted(p.name for p in (tmp_path / "a").glob("step_*.pt")) == ["step_00000006.pt"]


def test_resume_refuses_other_architecture_or_config(tmp_path):
    Trainer(tiny_cfg(tmp_path, "train.max_steps=1", "checkpoint.every_steps=1"), dataset=fake()).fit()
    other_arch = str(SearchSpace().largest())
    with pytest.raises(CheckpointError, match="architecture"):
        Trainer(tiny_cfg(tmp_path, f"model.arch={other_arch}"), dataset=fake(), resume="auto")
    with pytest.raises(CheckpointError, match=r"train\.lr"):
        Trainer(tiny_cfg(tmp_path, "train.lr=0.5"), dataset=fake(), resume="auto")
    with pytest.raises(CheckpointError, match="supernet"):
        Trainer(tiny_cfg(tmp_path, "model.kind=supernet"), dataset=fake(), resume="auto")
    with pytest.raises(CheckpointError, match="not a training checkpoint"):
        Trainer(tiny_cfg(tmp_path), dataset=fake(), resume=tmp_path / "final.pt")
    # nothing saved yet: --resume starts the run (as `search --resume` does) ...
    assert Trainer(tiny_cfg(tmp_path / "empty"), dataset=fake(), resume="auto").resume_path is None
    # ... but a finished run without last.pt is not overwritten
    finished = tmp_path / "finished"
    finished.mkdir()
    (finished / "final.pt").write_bytes(b"weights")
    with pytest.raises(CheckpointError, match="finished run"):
        Trainer(tiny_cfg(finished), dataset=fake(), resume="auto")


def test_final_weights_carry_the_configured_preset(tmp_path):
    from lighttrack.errors import ConfigError
    from lighttrack.tracker import Tracker

    Trainer(tiny_cfg(tmp_path, "train.max_steps=1", "model.preset=calibrated"), dataset=fake()).fit()
    preset = Tracker.from_weights(tmp_path / "final.pt").preset
    assert (preset.name, preset.calibration, preset.vote_radius, preset.template_size) == ("calibrated", 1.0, 1, 128)
    with pytest.raises(ConfigError, match="model.preset"):
        tiny_cfg(tmp_path / "x", "model.preset=no-such-preset")


def test_missing_data_root_fails_before_training(tmp_path):
    cfg = tiny_cfg(tmp_path, "data.train=[{format: folder, root: /nonexistent/lighttrack-data, pairs: 4}]")
    with pytest.raises(DataError, match="nonexistent"):
        Trainer(cfg)
    assert not (tmp_path / "last.pt").exists()


def test_cli_reports_config_errors_without_traceback(tmp_path, capsys):
    from lighttrack.cli import main

    path = tmp_path / "cfg.yaml"
    path.write_text("train:\n  batch_size: two\n")
    assert main(["train", str(path)]) == 2
    err = capsys.readouterr().err
    assert "train.batch_size" in err and "Traceback" not in err
    path.write_text("model:\n  kind: tracker\n")
    assert main(["train", str(path), "train.bogus=3"]) == 2
    assert "train.bogus" in capsys.readouterr().err


def test_cli_resume_followed_by_an_override_takes_it_as_an_override(tmp_path, capsys):
    from lighttrack.cli import main

    path = tmp_path / "cfg.yaml"
    path.write_text(f"model:\n  kind: tracker\n  arch: {SMALL}\noutput_dir: {tmp_path / 'run'}\n"
                    "data:\n  train: [{format: synthetic, pairs: 4}]\n")
    # argparse gives `train.batch_size=3` to --resume; it must still count as an override
    assert main(["train", str(path), "--print-config", "--resume", "train.batch_size=3"]) == 0
    assert "batch_size: 3" in capsys.readouterr().out


class NaNPairs(FakePairs):
    def __getitem__(self, index):
        item = super().__getitem__(index)
        if index < 2:
            item["reg_target"] = item["reg_target"] * float("nan")
        return item


def test_non_finite_loss_skips_the_step(tmp_path):
    cfg = tiny_cfg(tmp_path, "train.max_steps=2", "train.freeze_backbone_epochs=0")
    trainer = Trainer(cfg, dataset=NaNPairs(length=6, search_size=128, seed=1))
    before = {k: v.clone() for k, v in trainer.model.state_dict().items()}
    first = trainer.train_step(next(iter(trainer._loader(0, 0))))
    assert trainer.counters["skipped_steps"] == 1
    after = trainer.model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before if "running" not in k and "num_batches" not in k)
    assert first["skipped_steps"] == 1.0


def test_amp_on_cpu_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="train.amp"):
        Trainer(tiny_cfg(tmp_path, "train.amp=on"), dataset=fake())
    assert tiny_cfg(tmp_path, "train.amp=off").train.amp == "off"  # YAML's bare off is a boolean
    with pytest.raises(ConfigError, match="train.amp"):
        tiny_cfg(tmp_path, "train.amp=sometimes")


def test_interrupted_checkpoint_write_keeps_the_previous_one(tmp_path, monkeypatch):
    from lighttrack.train.checkpoint import read_training_checkpoint, save_training_checkpoint

    path = tmp_path / "last.pt"
    save_training_checkpoint(path, {"kind": "tracker", "step": 1, "model": {"w": torch.ones(2)}})

    def killed(obj, f):
        f.write(b"half a checkpoint")
        raise KeyboardInterrupt  # stands for the process dying mid-write

    monkeypatch.setattr(torch, "save", killed)
    with pytest.raises(KeyboardInterrupt):
        save_training_checkpoint(path, {"kind": "tracker", "step": 2, "model": {"w": torch.zeros(2)}})
    monkeypatch.undo()
    data = read_training_checkpoint(path)
    assert data["step"] == 1 and torch.equal(data["model"]["w"], torch.ones(2))
    assert [p.name for p in tmp_path.iterdir()] == ["last.pt"]


def _bn_state(model):
    return {k: v.clone() for k, v in model.state_dict().items() if "running_" in k}


def test_frozen_batchnorm_trains_weights_but_keeps_recalibrated_statistics(tmp_path):
    trainer = Trainer(tiny_cfg(tmp_path, "train.bn=frozen", "train.bn_recalibrate=2",
                               "train.freeze_backbone_epochs=0"), dataset=fake())
    before = _bn_state(trainer.model)
    trainer.recalibrate_bn()
    calibrated = _bn_state(trainer.model)
    assert any(not torch.equal(before[k], calibrated[k]) for k in before)  # statistics were recomputed
    weights = trainer.model.backbone.stem.conv.weight.detach().clone()
    trainer.fit()
    after = _bn_state(trainer.model)
    for k in calibrated:  # fit() recalibrates again at step 0 (same pairs), then never updates them
        assert torch.allclose(calibrated[k], after[k]), k
    assert not torch.equal(weights, trainer.model.backbone.stem.conv.weight)  # the weights did train
    assert all(not m.training for m in trainer.model.modules() if isinstance(m, torch.nn.BatchNorm2d))


def test_batchnorm_mode_is_checked(tmp_path):
    with pytest.raises(ConfigError, match="train.bn"):
        tiny_cfg(tmp_path, "train.bn=sometimes")
    with pytest.raises(ConfigError, match="train.bn_recalibrate"):
        tiny_cfg(tmp_path, "model.kind=supernet", "train.bn_recalibrate=2")


class _FakeClock:
    """A perf_counter that moves only when a training step runs (dt seconds per step)."""

    def __init__(self, dt: float):
        self.t, self.dt = 0.0, dt

    def perf_counter(self) -> float:
        return self.t


def _clocked(monkeypatch, clock):
    import lighttrack.train.trainer as trainer_module

    real_step = Trainer.train_step

    def step(self, batch):
        clock.t += clock.dt
        return real_step(self, batch)

    monkeypatch.setattr(trainer_module, "time", clock)
    monkeypatch.setattr(Trainer, "train_step", step)


def test_time_budget_probe_is_undone_when_everything_fits(tmp_path, monkeypatch):
    straight = Trainer(tiny_cfg(tmp_path / "a"), dataset=fake())
    straight.fit()
    _clocked(monkeypatch, _FakeClock(dt=1.0))
    budgeted = Trainer(tiny_cfg(tmp_path / "b", "train.time_budget_s=100"), dataset=fake())
    summary = budgeted.fit()
    assert summary["budget"]["probe_steps"] == 3 and summary["budget"]["scale"] == 1.0
    assert budgeted.step == 6
    a, b = straight.model.state_dict(), budgeted.model.state_dict()
    for key in a:  # the probe's three steps left no trace
        assert torch.equal(a[key], b[key]), key


def test_time_budget_shrinks_the_schedule_and_stops_a_slow_run(tmp_path, monkeypatch):
    clock = _FakeClock(dt=1.0)
    _clocked(monkeypatch, clock)
    trainer = Trainer(tiny_cfg(tmp_path, "train.time_budget_s=8"), dataset=fake())
    real_plan = trainer.plan_time_budget

    def plan_then_slow_down(started):
        report = real_plan(started)  # 3 probe steps at 1 s: 5 s left -> 4 of 6 steps
        clock.dt = 3.0  # the real run turns out slower than the probe: the budget stops it
        return report

    trainer.plan_time_budget = plan_then_slow_down
    summary = trainer.fit()
    assert trainer.plan == {"total_steps": 4, "scale": 4 / 6}
    assert trainer.schedule.total_epochs == pytest.approx(3 * 4 / 6)
    assert trainer.freeze_epochs == pytest.approx(4 / 6)
    assert summary["stopped_by_budget"] and trainer.step == 2  # 3 + 3 + 3 s > 8 s
    assert torch.load(tmp_path / "last.pt", weights_only=False)["plan"] == trainer.plan

    monkeypatch.undo()
    resumed = Trainer(tiny_cfg(tmp_path), dataset=fake(), resume="auto")  # no budget: finishes the plan
    assert resumed.total_steps == 4 and resumed.schedule.total_epochs == pytest.approx(2.0)
    resumed.fit()
    assert resumed.step == 4


def test_time_budget_is_checked(tmp_path):
    with pytest.raises(ConfigError, match="train.time_budget_s"):
        tiny_cfg(tmp_path, "train.time_budget_s=0")
