"""A supernet distilled from the official LightTrack-Mobile (a TrackerNet teacher; issue 26 part 2)."""

import json

import pytest
import torch

from lighttrack.arch import Arch
from lighttrack.errors import ConfigError
from lighttrack.models import resolve_arch
from lighttrack.nn.checkpoint import save_trackernet
from lighttrack.nn.net import TrackerNet
from lighttrack.train.testing import FakePairs
from lighttrack.train.trainer import Trainer

MOBILE = resolve_arch("lighttrack-mobile-official")
TAUGHT = ("distill.teacher=lighttrack-mobile-official", "distill.feature_weight=0.5", "distill.cls_weight=1",
          "distill.box_weight=1", "distill.adapter_init=identity")


def cfg_for(tmp_path, *extra):
    from test_train_supernet import cfg_for as base  # the tiny supernet run of the supernet tests

    return base(tmp_path, "data.search_size=256", "model.unfold_batches=1", f"distill.cache={tmp_path / 'cache'}",
                "log.every_steps=1", *extra)


def fake():
    return FakePairs(length=4, search_size=256, seed=0)


def test_supernet_inherits_and_distils_from_the_official_mobile(tmp_path):
    trainer = Trainer(cfg_for(tmp_path, "model.init=lighttrack-mobile-official", *TAUGHT), dataset=fake())
    d = trainer.distiller
    assert sorted(d.adapters) == ["80", "96"] and d.targets.geom.exact and d.targets.geom.grid == 16
    assert torch.equal(d.adapters["96"].weight.flatten(1), torch.eye(96))  # same width as the teacher: identity
    assert not d.adapters["80"].weight.any()
    summary = trainer.fit()
    assert summary["steps"] == 2 and summary["counters"]["skipped_steps"] == 0
    rows = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    terms = {k for row in rows for k in row}
    assert {"loss/teacher_feat", "loss/teacher_cls", "loss/teacher_box"} <= terms
    assert all(torch.isfinite(torch.tensor(row["loss/teacher_cls"])) for row in rows if "loss/teacher_cls" in row)
    # the teacher's outputs were cached per pair
    assert any((tmp_path / "cache").rglob("*.npy"))


def test_teacher_on_another_grid_is_refused_before_work(tmp_path):
    stride8 = Arch(MOBILE.backbone, MOBILE.cls, MOBILE.reg, 1, 3)  # ops_13: 40 channels at stride 8
    path = save_trackernet(TrackerNet(stride8), tmp_path / "stride8.pt")
    with pytest.raises(ConfigError, match=r"distill.teacher.*32x32 grid.*stride 8"):
        Trainer(cfg_for(tmp_path, f"distill.teacher={path}", "distill.cls_weight=1"), dataset=fake())
    with pytest.raises(ConfigError, match=r"data.template_size.*teacher 'lighttrack-mobile-official'"):
        Trainer(cfg_for(tmp_path, "distill.teacher=lighttrack-mobile-official", "distill.cls_weight=1",
                        "data.template_size=160"), dataset=fake())
    with pytest.raises(ConfigError, match=r"stride 8.*model.output_positions=paper"):
        Trainer(cfg_for(tmp_path, "distill.teacher=lighttrack-mobile-official", "distill.cls_weight=1",
                        "model.output_positions=official_code"), dataset=fake())
    with pytest.raises(ConfigError, match="neither a folder of ONNX graphs"):
        Trainer(cfg_for(tmp_path, "distill.teacher=no-such-teacher", "distill.cls_weight=1"), dataset=fake())


def test_the_recipe_runs_a_few_steps_on_tiny_data(tmp_path):
    from pathlib import Path

    from lighttrack.train.config import load_config

    recipe = Path(__file__).resolve().parents[1] / "configs" / "supernet_official.yaml"
    cfg = load_config(recipe, [f"output_dir={tmp_path}", "device=cpu", "data.train=[{format: synthetic, pairs: 4}]",
                               "data.pairs_per_epoch=null", "train.batch_size=1", "train.max_steps=2", "model.unfold_batches=1",
                               f"distill.cache={tmp_path / 'cache'}", "checkpoint.every_steps=1"])
    assert cfg.model.init == cfg.distill.teacher == "lighttrack-mobile-official" and cfg.data.search_size == 256
    summary = Trainer(cfg, dataset=fake()).fit()
    assert summary["steps"] == 2 and summary["counters"]["skipped_steps"] == 0
    assert (tmp_path / "supernet.pt").is_file()
