"""Warm-starting the supernet from a trained child (lighttrack.nn.inherit) and the trainer hook."""

import pytest
import torch

from lighttrack.arch import Arch, HeadArch
from lighttrack.errors import CheckpointError
from lighttrack.models import resolve_arch
from lighttrack.nn.checkpoint import save_trackernet
from lighttrack.nn.inherit import inherit_from_child
from lighttrack.nn.net import SuperNet, TrackerNet, extract
from lighttrack.train.testing import FakePairs
from lighttrack.train.trainer import Trainer

MOBILE = resolve_arch("lighttrack-mobile")


def trained_like(arch: Arch, seed: int = 0) -> TrackerNet:
    """A TrackerNet whose BN statistics, BN affines and biases are not the init values (like a trained one)."""
    torch.manual_seed(seed)
    net = TrackerNet(arch)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0.0, 0.1)
                m.running_mean.normal_(0.0, 0.1)
                m.running_var.uniform_(0.5, 2.0)
                m.num_batches_tracked.fill_(7)
            elif isinstance(m, torch.nn.Conv2d) and m.bias is not None:
                m.bias.normal_(0.0, 0.1)
    return net.eval()


def inherited(child: TrackerNet, seed: int = 1) -> tuple[SuperNet, dict]:
    torch.manual_seed(seed)
    supernet = SuperNet().eval()
    return supernet, inherit_from_child(supernet, child)


def images(seed: int = 0, dtype=torch.float32):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(1, 3, 128, 128, generator=g, dtype=dtype), torch.randn(1, 3, 256, 256, generator=g, dtype=dtype)


def test_extracted_child_path_is_the_child_and_report_counts():
    child = trained_like(MOBILE)
    supernet, report = inherited(child)
    z, x = images()
    with torch.no_grad():
        want = child(z, x)
        got = extract(supernet, MOBILE).eval()(z, x)
    for a, b in zip(got, want):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=0)
    # Mobile in the paper space: 14 block positions x 6 choices; stage 3 block 3 is after ops_32
    bb = report["backbone"]
    assert bb["exact"] == 2 + 13 and bb["random"] == 6 and bb["widened"] + bb["narrowed"] == 13 * 5
    assert report["neck_fusion"] == {"exact": 2, "widened": 0, "narrowed": 0, "identity": 0, "random": 1}
    # cls (width 256, slots 6-7 skip): 3 widths x 2 skip slots x 2 ops are identity layers
    assert report["cls_head"]["identity"] == 12 and report["reg_head"]["identity"] == 0
    assert sum(report["total"].values()) == 86 + 3 + 2 * (3 * 8 * 2 + 3)


@pytest.mark.parametrize("stage, block", [(1, 0), (2, 1)])  # child k3e4: a stride-2 block and a residual one
def test_wider_larger_kernel_candidate_is_function_preserving(stage, block):
    child = trained_like(MOBILE).double()
    supernet, _ = inherited(child)
    supernet.double()
    assert MOBILE.backbone[stage][block] == 0
    source = child.backbone.stages[stage + 1][block]
    x = torch.randn(2, source.conv_pw.in_channels, 32, 32, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        want = source(x)
        for choice in range(1, 6):  # k3e6, k5e4, k5e6, k7e4, k7e6
            torch.testing.assert_close(supernet.backbone.stages[stage + 1][block][choice](x), want, atol=1e-10, rtol=0)


def test_narrower_candidate_runs():
    child = trained_like(MOBILE)
    supernet, _ = inherited(child)
    assert MOBILE.backbone[0][1] == 5  # k7e6
    source = child.backbone.stages[1][1]
    x = torch.randn(1, 24, 32, 32)
    with torch.no_grad():
        want = source(x)
        for choice in range(5):
            got = supernet.backbone.stages[1][1][choice](x)
            assert got.shape == want.shape and torch.isfinite(got).all()
        # and a whole narrower path (k3e4 everywhere) runs end to end
        narrow = Arch(tuple((0,) * len(s) for s in MOBILE.backbone), HeadArch(0, MOBILE.cls.ops), HeadArch(0, MOBILE.reg.ops), 3, 2)
        cls, reg = extract(supernet, narrow).eval()(*images())
    assert torch.isfinite(cls).all() and torch.isfinite(reg).all()


def test_wider_heads_with_larger_kernels_and_skips_turned_on_are_function_preserving():
    narrow_heads = Arch(MOBILE.backbone, HeadArch(0, (0, 1, 0, 2, 0, 0, 2, 2)), HeadArch(1, (0, 0, 0, 0, 0, 1, 1, 2)), 3, 2)
    child = trained_like(narrow_heads).double()
    supernet, report = inherited(child)
    supernet.double()
    to_5x5 = lambda ops: tuple(1 if op == 0 else op for op in ops)  # noqa: E731
    wider = Arch(MOBILE.backbone, HeadArch(2, to_5x5(narrow_heads.cls.ops)), HeadArch(2, to_5x5(narrow_heads.reg.ops)), 3, 2)
    # the child's skip slots made DSConv layers (identity-initialised), width 192 and 256
    unskipped = Arch(MOBILE.backbone, HeadArch(1, (0, 1, 0, 1, 0, 0, 0, 1)), HeadArch(2, (0, 0, 0, 0, 0, 1, 1, 0)), 3, 2)
    z, x = images(dtype=torch.float64)
    with torch.no_grad():
        want = child(z, x)
        # identity BN weight sqrt(1 + eps) was rounded to float32 before .double(): ~1e-8 relative
        for arch, rtol in ((wider, 0.0), (unskipped, 1e-6)):
            got = extract(supernet, arch).double().eval()(z, x)
            for a, b in zip(got, want):
                torch.testing.assert_close(a, b, atol=1e-8, rtol=rtol)
    assert report["cls_head"]["identity"] == 3 * 3 * 2 and report["reg_head"]["identity"] == 3 * 1 * 2


def test_child_outside_the_space_is_refused():
    child = TrackerNet(Arch(MOBILE.backbone, MOBILE.cls, MOBILE.reg, 1, 0))  # ops_10: not in the paper space
    with pytest.raises(ValueError, match="output position"):
        inherit_from_child(SuperNet(), child)


def supernet_cfg(tmp_path, *extra):
    from test_train_supernet import cfg_for  # the same tiny supernet run, 2-pair data

    return cfg_for(tmp_path, "checkpoint.every_steps=2", "data.train=[{format: synthetic, pairs: 2}]", *extra)


def test_trainer_warm_starts_a_supernet_from_a_tracker_checkpoint(tmp_path, capsys):
    child = trained_like(MOBILE)
    final = save_trackernet(child, tmp_path / "tracker" / "final.pt")
    trainer = Trainer(supernet_cfg(tmp_path / "sn", f"model.init={final}"), dataset=FakePairs(length=2, search_size=128, seed=0))
    assert trainer.init_report["backbone"]["random"] == 6
    assert "warm-started from tracker" in capsys.readouterr().err
    for key, value in extract(trainer.model, MOBILE).state_dict().items():
        assert torch.equal(value, child.state_dict()[key]), key
    summary = trainer.fit()
    assert summary["steps"] == 2 and summary["counters"]["skipped_steps"] == 0
    assert summary["init_report"] == trainer.init_report

    # a supernet checkpoint still loads as before
    again = Trainer(supernet_cfg(tmp_path / "sn2", f"model.init={tmp_path / 'sn' / 'supernet.pt'}"), dataset=FakePairs(length=2, search_size=128))
    assert again.init_report is None
    for key, value in again.model.state_dict().items():
        assert torch.equal(value, trainer.model.state_dict()[key]), key

    # a tracker whose output position is not in the supernet's space
    with pytest.raises(CheckpointError, match="not in this search space"):
        Trainer(supernet_cfg(tmp_path / "sn3", f"model.init={final}", "model.output_positions=ops_20,ops_30"), dataset=FakePairs(length=2, search_size=128))


def tracker_cfg(tmp_path, arch, init):
    from lighttrack.train.config import from_dict

    return from_dict({
        "name": "inherit_tracker", "output_dir": str(tmp_path), "seed": 5, "device": "cpu", "threads": 1,
        "model": {"kind": "tracker", "arch": str(arch), "init": str(init), "unfold_batches": 1},
        "data": {"train": [{"format": "synthetic", "pairs": 2}], "template_size": 128, "search_size": 128, "workers": 0},
        "train": {"epochs": 1, "schedule_epochs": 1, "max_steps": 1, "batch_size": 2, "warmup_epochs": 0,
                  "freeze_backbone_epochs": 0, "backbone_lr_mult": 1.0, "lr": 0.001},
        "checkpoint": {"every_steps": 1000}, "log": {"tensorboard": False, "progress": False, "every_steps": 1},
    })


def test_a_tracker_of_another_path_inherits_as_its_supernet_path_would(tmp_path, capsys):
    child = trained_like(MOBILE)
    final = save_trackernet(child, tmp_path / "mobile" / "final.pt")
    other = Arch.parse("back_04502514044000000000+cls_111200022+reg_200000111_ops_31")  # fewer blocks, other heads
    trainer = Trainer(tracker_cfg(tmp_path / "t", other, final), dataset=FakePairs(length=2, search_size=128, seed=0))
    assert f"{other} inherits from tracker {MOBILE}" in capsys.readouterr().err
    supernet, _ = inherited(child, seed=5)  # the trainer's seed makes the same fresh blocks
    expected = extract(supernet, other).state_dict()
    for key, value in trainer.model.state_dict().items():
        assert torch.equal(value, expected[key]), key
    # what both paths share is Mobile's own (the stem, the first stage's block)
    for key in ("backbone.stem.conv.weight", "backbone.stem.bn.running_var", "backbone.stages.0.0.conv_dw.weight"):
        assert torch.equal(trainer.model.state_dict()[key], child.state_dict()[key]), key
    # a source from the 600M space (other depths) cannot be inherited from
    deep = Arch.parse("back_0" + "1" * 20 + "0+cls_211000022+reg_100000111_ops_32")
    deep_final = save_trackernet(TrackerNet(deep), tmp_path / "deep" / "final.pt")
    with pytest.raises(CheckpointError, match="cannot inherit from it"):
        Trainer(tracker_cfg(tmp_path / "t2", other, deep_final), dataset=FakePairs(length=2, search_size=128, seed=0))
