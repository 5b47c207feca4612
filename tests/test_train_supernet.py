"""Supernet training: path sampling strategies, the sandwich rule, products and pretraining init."""

import pytest
import torch

from lighttrack.space import SearchSpace
from lighttrack.train.checkpoint import load_supernet
from lighttrack.train.config import load_config
from lighttrack.train.pretrain import ImageFolder, make_image_folder
from lighttrack.train.sampling import PathSampler
from lighttrack.train.testing import FakePairs
from lighttrack.train.trainer import Trainer


def cfg_for(tmp_path, *extra):
    return load_config(
        None,
        [
            "model.kind=supernet",
            f"output_dir={tmp_path}",
            "device=cpu",
            "train.batch_size=1",
            "train.steps_per_epoch=2",
            "train.epochs=1",
            "train.schedule_epochs=2",
            "train.warmup_epochs=1",
            "train.freeze_backbone_epochs=0",
            "checkpoint.every_steps=1",
            "checkpoint.keep=0",
            "log.progress=false",
            "log.tensorboard=false",
            "data.search_size=128",
            "data.train=[{format: synthetic, pairs: 4}]",
            *extra,
        ],
    )


def fake():
    return FakePairs(length=4, search_size=128, seed=2)


def test_path_sampler_is_a_pure_function_of_seed_and_step():
    space = SearchSpace()
    a, b = PathSampler(space, "uniform", seed=5), PathSampler(space, "uniform", seed=5)
    assert [a.paths(s) for s in range(5)] == [b.paths(s) for s in (0, 1, 2, 3, 4)]
    assert a.paths(0) != a.paths(1) and a.paths(0) != PathSampler(space, "uniform", seed=6).paths(0)


def test_constrained_and_sandwich_sampling():
    space = SearchSpace()
    accept = lambda arch: arch.cls.channel == 0 and arch.out_stage == 2  # noqa: E731
    sampler = PathSampler(space, "constrained", seed=0, accept=accept)
    for step in range(20):
        (arch,) = sampler.paths(step).paths
        assert accept(arch)
    sandwich = PathSampler(space, "sandwich", seed=0, num_random=2).paths(3)
    assert sandwich.teacher and len(sandwich.paths) == 4
    assert sandwich.paths[0] == space.largest() and sandwich.paths[1] == space.smallest()


def test_sandwich_step_distils_and_writes_a_loadable_supernet(tmp_path):
    cfg = cfg_for(tmp_path, "sampling.strategy=sandwich", "sampling.num_random=1", "train.max_steps=1", "train.freeze_backbone_epochs=1")
    trainer = Trainer(cfg, dataset=fake())
    before = {k: v.clone() for k, v in trainer.model.state_dict().items()}
    summary = trainer.fit()
    assert summary["steps"] == 1 and summary["counters"]["skipped_steps"] == 0
    assert "loss/kd_cls" in summary["last"] and "loss/kd_reg" in summary["last"]
    after = trainer.model.state_dict()
    # backbone frozen in epoch 0 (BN statistics too); the largest path's head trained
    assert all(torch.equal(before[k], after[k]) for k in before if k.startswith("backbone."))
    assert any(not torch.equal(before[k], after[k]) for k in before if k.startswith("cls_head.towers.2"))
    net = load_supernet(tmp_path / "supernet.pt")
    assert net.space == trainer.model.space
    for key, value in net.state_dict().items():
        assert torch.equal(value, after[key])
    net2 = load_supernet(tmp_path / "last.pt")  # a training checkpoint loads too
    assert torch.equal(net2.state_dict()["cls_head.predictors.2.conv.weight"], after["cls_head.predictors.2.conv.weight"])


def test_supernet_resume_draws_the_same_paths(tmp_path):
    straight = Trainer(cfg_for(tmp_path / "a"), dataset=fake())
    straight.fit()
    Trainer(cfg_for(tmp_path / "b", "train.max_steps=1"), dataset=fake()).fit()
    resumed = Trainer(cfg_for(tmp_path / "b"), dataset=fake(), resume="auto")
    resumed.fit()
    a, b = straight.model.state_dict(), resumed.model.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_backbone_pretraining_on_an_image_folder_initialises_tracking(tmp_path):
    root = make_image_folder(tmp_path / "images", classes=3, per_class=3, size=48)
    assert len(ImageFolder(root, size=32)) == 9
    cfg = load_config(
        None,
        [
            "model.kind=backbone",
            f"output_dir={tmp_path / 'pre'}",
            "device=cpu",
            f"data.train=[{{format: imagefolder, root: {root}}}]",
            "data.image_size=64",
            "train.batch_size=3",
            "train.epochs=1",
            "train.schedule_epochs=2",
            "train.warmup_epochs=1",
            "train.max_steps=2",
            "log.progress=false",
            "log.tensorboard=false",
            "checkpoint.keep=0",
        ],
    )
    summary = Trainer(cfg).fit()
    assert summary["steps"] == 2 and "train/acc" in summary["last"]
    backbone_pt = tmp_path / "pre" / "backbone.pt"
    state = torch.load(backbone_pt, weights_only=True)["state_dict"]

    arch = SearchSpace().sample(3)
    tracker = Trainer(
        load_config(None, [f"output_dir={tmp_path / 't'}", "device=cpu", f"model.arch={arch}", f"model.backbone_init={backbone_pt}"]),
        dataset=fake(),
    )
    s, b, c = arch.used_blocks()[-1]
    mine = tracker.model.backbone.stages[s + 1][b].state_dict()
    for key, value in mine.items():
        assert torch.equal(value, state[f"stages.{s + 1}.{b}.{c}.{key}"]), key
    assert torch.equal(tracker.model.backbone.stem.conv.weight, state["stem.conv.weight"])

    sup = Trainer(cfg_for(tmp_path / "s", f"model.backbone_init={backbone_pt}"), dataset=fake())
    for key, value in sup.model.backbone.state_dict().items():
        assert torch.equal(value, state[key]), key

    with pytest.raises(Exception, match="image folder"):
        Trainer(load_config(None, ["model.kind=backbone", "data.train=[{format: imagefolder, root: /nonexistent/x}]"]))
