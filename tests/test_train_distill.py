"""Distillation from an ONNX teacher (lighttrack.train.distill / teacher).

The teachers here are tiny NanoTrack-shaped graphs exported inside the tests (backbone ``input`` ->
``output`` at stride 16, declared for 255-px crops; head ``input1``/``input2`` -> ``output1`` two-class
logits and ``output2`` l,t,r,b), so the tests run on a fresh clone. The last tests use the real
NanoTrack graphs of ../shared/peers/nanotrack and skip when that folder is absent.
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from lighttrack.errors import CheckpointError, ConfigError
from lighttrack.space import SearchSpace
from lighttrack.train.config import load_config
from lighttrack.train.testing import FakePairs
from lighttrack.train.trainer import Trainer

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

SMALL = str(SearchSpace().smallest())
NANOTRACK = Path(__file__).resolve().parents[2] / "shared" / "peers" / "nanotrack"


# ---------------------------------------------------------------------- tiny teachers
class TinyBackbone(nn.Module):
    """255 -> 16, 127/128 -> 8 (four stride-2 3x3 convolutions), BGR 0-255 in."""

    def __init__(self, channels: int):
        super().__init__()
        c = channels
        self.body = nn.Sequential(
            nn.Conv2d(3, 8, 3, 2, 1), nn.ReLU(), nn.Conv2d(8, 8, 3, 2, 1), nn.ReLU(),
            nn.Conv2d(8, 8, 3, 2, 1), nn.ReLU(), nn.Conv2d(8, c, 3, 2, 1),
        )

    def forward(self, x):
        return self.body(x / 255.0)


class TinyHead(nn.Module):
    """Pixel-wise correlation (64 template positions), then 2 logits and 4 exp-distances per cell.
    ``shrink`` makes the maps one cell smaller than the search features (like NanoTrack v3's 15x15)."""

    def __init__(self, channels: int, shrink: bool = False):
        super().__init__()
        k = 2 if shrink else 1
        self.cls = nn.Conv2d(64, 2, k)
        self.loc = nn.Conv2d(64, 4, k)

    def forward(self, zf, xf):
        b, c, h, w = xf.shape
        corr = torch.matmul(zf.reshape(b, c, -1).transpose(1, 2), xf.reshape(b, c, -1)).reshape(b, 64, h, w)
        return self.cls(corr), torch.exp(self.loc(corr).clamp(max=4.0)) * 8.0


def export_teacher(folder: Path, channels: int = 6, shrink: bool = False, seed: int = 0) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    bb, head = TinyBackbone(channels).eval(), TinyHead(channels, shrink).eval()
    kw = dict(opset_version=14, do_constant_folding=True, dynamo=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notices
        torch.onnx.export(bb, (torch.zeros(1, 3, 255, 255),), str(folder / "tiny_backbone.onnx"),
                          input_names=["input"], output_names=["output"], **kw)
        torch.onnx.export(head, (torch.zeros(1, channels, 8, 8), torch.zeros(1, channels, 16, 16)),
                          str(folder / "tiny_head.onnx"), input_names=["input1", "input2"], output_names=["output1", "output2"], **kw)
    return folder


@pytest.fixture(scope="module")
def teachers(tmp_path_factory):
    root = tmp_path_factory.mktemp("teachers")
    with torch.random.fork_rng(devices=[]):
        return {
            "v2": export_teacher(root / "v2like", 6),
            "v2b": export_teacher(root / "v2like_other", 6, seed=1),
            "v3": export_teacher(root / "v3like", 6, shrink=True),
            "wide": export_teacher(root / "wide", 10),
        }


def cfg_of(tmp_path, *extra, search=256):
    return load_config(None, [
        "model.kind=tracker", f"model.arch={SMALL}", f"output_dir={tmp_path / 'run'}", "device=cpu", "threads=1",
        "train.batch_size=2", "train.steps_per_epoch=3", "train.epochs=2", "train.schedule_epochs=3",
        "train.warmup_epochs=1", "train.freeze_backbone_epochs=0", "checkpoint.every_steps=3", "checkpoint.keep=0",
        "log.progress=false", "log.tensorboard=false", f"data.search_size={search}",
        "data.train=[{format: synthetic, pairs: 6}]", f"distill.cache={tmp_path / 'cache'}", *extra,
    ])


def fake(search=256):
    return FakePairs(length=6, search_size=search, seed=1)


def batch_of(ds, n=2):
    return torch.utils.data.default_collate([ds[i] for i in range(n)])


def term_grads(trainer, batch):
    """Backward of the distillation terms alone; -> {parameter name: gradient is non-zero}."""
    from lighttrack.imaging import normalize_uint8

    model, d = trainer.model, trainer.distiller
    model.train()
    model.zero_grad(set_to_none=True)
    d.zero_grad(set_to_none=True)
    with d.watch(model) as seen:
        cls, reg = model(normalize_uint8(batch["template"]), normalize_uint8(batch["search"]))
    loss, terms = d.loss(batch, cls, reg, seen)
    loss.backward()
    named = [(f"model.{k}", p) for k, p in model.named_parameters()] + [(f"distill.{k}", p) for k, p in d.named_parameters()]
    return {k: p.grad is not None and bool(p.grad.abs().sum() > 0) for k, p in named}, terms


def reached(grads, prefix):
    return any(v for k, v in grads.items() if k.startswith(prefix))


# ---------------------------------------------------------------------- gradients
def test_feature_term_reaches_backbone_and_adapter_only(tmp_path, teachers):
    t = Trainer(cfg_of(tmp_path, f"distill.teacher={teachers['v2']}", "distill.feature_weight=1.0"), dataset=fake())
    # the adapter starts at zero: only it learns until it maps something
    grads, terms = term_grads(t, batch_of(fake()))
    assert set(terms) == {"teacher_feat"} and float(terms["teacher_feat"]) == pytest.approx(1.0)
    assert reached(grads, "distill.adapters.") and not reached(grads, "model.")
    with torch.no_grad():
        t.distiller.adapter.weight.normal_(0, 0.1, generator=torch.Generator().manual_seed(0))
    grads, terms = term_grads(t, batch_of(fake()))
    assert reached(grads, "model.backbone.") and reached(grads, "distill.adapters.")
    for part in ("model.cls_head.", "model.reg_head.", "model.fusion.", "model.neck."):
        assert not reached(grads, part), part
    # it trains at distill.adapter_lr_mult x the head's rate
    t._set_lr()
    (adapter_group,) = [g for g in t.optimizer.param_groups if g["params"][0] is t.distiller.adapter.weight]
    head_lr = [g["lr"] for g in t.optimizer.param_groups if not g["backbone"] and g is not adapter_group][0]
    assert adapter_group["lr"] == pytest.approx(10 * head_lr)


def test_cls_term_reaches_cls_head_and_backbone_not_reg_head_or_adapter(tmp_path, teachers):
    t = Trainer(cfg_of(tmp_path, f"distill.teacher={teachers['v2']}", "distill.cls_weight=1.0"), dataset=fake())
    grads, terms = term_grads(t, batch_of(fake()))
    assert set(terms) == {"teacher_cls"}
    assert reached(grads, "model.cls_head.") and reached(grads, "model.backbone.") and reached(grads, "model.fusion.")
    assert not reached(grads, "model.reg_head.") and not reached(grads, "distill.")


def test_box_term_reaches_reg_head_and_backbone_not_cls_head_or_adapter(tmp_path, teachers):
    # box_min_prob 0: every cell, weighted by the teacher's probability (a random teacher is unsure)
    t = Trainer(cfg_of(tmp_path, f"distill.teacher={teachers['v2']}", "distill.box_weight=1.0", "distill.box_min_prob=0"), dataset=fake())
    grads, terms = term_grads(t, batch_of(fake()))
    assert set(terms) == {"teacher_box"} and float(terms["teacher_box"]) > 0
    assert reached(grads, "model.reg_head.") and reached(grads, "model.backbone.")
    assert not reached(grads, "model.cls_head.") and not reached(grads, "distill.")


# ---------------------------------------------------------------------- training runs
def weights_of(trainer):
    return {k: v.clone() for k, v in trainer.model.state_dict().items()}


def test_zero_weights_train_exactly_as_without_teacher(tmp_path, teachers):
    plain = Trainer(cfg_of(tmp_path / "a"), dataset=fake())
    plain.fit()
    zero = Trainer(cfg_of(tmp_path / "b", f"distill.teacher={teachers['v2']}"), dataset=fake())
    zero.fit()
    a, b = weights_of(plain), weights_of(zero)
    assert all(torch.equal(a[k], b[k]) for k in a)
    # ... while a weight > 0 does change the result
    taught = Trainer(cfg_of(tmp_path / "c", f"distill.teacher={teachers['v2']}", "distill.feature_weight=1", "distill.cls_weight=1"),
                     dataset=fake())
    taught.fit()
    c = weights_of(taught)
    assert any(not torch.equal(a[k], c[k]) for k in a)


ALL_TERMS = ("distill.feature_weight=1.0", "distill.cls_weight=1.0", "distill.box_weight=1.0", "distill.box_min_prob=0")


@pytest.mark.parametrize("which,search", [("v2", 256), ("v3", 128)])
def test_teacher_run_resumes_exactly_and_reuses_its_cache(tmp_path, teachers, which, search):
    extra = (f"distill.teacher={teachers[which]}", *ALL_TERMS) + (("distill.grid=align",) if which == "v3" else ())
    straight = Trainer(cfg_of(tmp_path / "a", *extra, search=search), dataset=fake(search))
    straight.fit()
    assert straight.distiller.targets.misses == 12 and straight.distiller.targets.hits == 0  # 6 steps x 2 pairs, all new

    first = Trainer(cfg_of(tmp_path / "b", *extra, "train.max_steps=3", search=search), dataset=fake(search))
    first.fit()
    resumed = Trainer(cfg_of(tmp_path / "b", *extra, search=search), dataset=fake(search), resume="auto")
    assert resumed.step == 3
    resumed.fit()
    a, b = weights_of(straight), weights_of(resumed)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert all(torch.equal(x, y) for x, y in zip(straight.distiller.parameters(), resumed.distiller.parameters()))

    # a repeat run over the first run's cache reads every teacher output and trains the same weights
    again = Trainer(cfg_of(tmp_path / "a", *extra, "output_dir=" + str(tmp_path / "again"), search=search), dataset=fake(search))
    again.fit()
    assert again.distiller.targets.hits == 12 and again.distiller.targets.misses == 0
    c = weights_of(again)
    assert all(torch.equal(a[k], c[k]) for k in a)

    # the adapter is in last.pt, never in final.pt
    last = torch.load(tmp_path / "a" / "run" / "last.pt", weights_only=True)
    assert "adapter" in last["distill"] and last["distill"]["teacher"] == straight.distiller.targets.teacher.id
    final = torch.load(tmp_path / "a" / "run" / "final.pt", weights_only=True)
    blob = repr(sorted(final.keys())) + repr(sorted(final.get("state_dict", final.get("model", {})).keys()))
    assert "adapter" not in blob and "distill" not in str(sorted(final.get("state_dict", {}).keys()))


def test_time_budget_probe_leaves_the_adapter_untouched(tmp_path, teachers):
    t = Trainer(cfg_of(tmp_path, f"distill.teacher={teachers['v2']}", *ALL_TERMS, "train.budget_probe_steps=3",
                       "train.time_budget_s=1000"), dataset=fake())
    before = [p.detach().clone() for p in t.distiller.parameters()]
    import time

    t.plan_time_budget(time.perf_counter())
    assert all(torch.equal(x, y) for x, y in zip(before, t.distiller.parameters()))


# ---------------------------------------------------------------------- grids
def test_align_maps_cells_by_position(tmp_path, teachers):
    """Our 128-px crop centred in the 256-px canvas takes the teacher's central 8x8 cells; a 15x15
    teacher (v3-like) at 256 px leaves our first row and column out."""
    from lighttrack.train.distill import plan_geometry
    from lighttrack.train.teacher import OnnxTeacher

    t2, t3 = OnnxTeacher(teachers["v2"]), OnnxTeacher(teachers["v3"])
    g = plan_geometry(t2, 128, 128, "align")
    assert (g.grid, g.pad, g.offset) == (8, 64, 4)
    g3 = plan_geometry(t3, 128, 256, "align")
    assert (g3.grid, g3.out_grid, g3.offset) == (16, 15, -1)

    from lighttrack.train.distill import TeacherTargets

    ds = fake(128)
    item = ds[0]
    z, x = item["template"].numpy(), item["search"].numpy()
    targets = TeacherTargets(t2, g, tmp_path / "cache")
    rec = targets.batch(item["template"][None], item["search"][None])
    # by hand: the canvas of the crop's mean colour, BGR, the central cells
    canvas = np.empty((3, 256, 256), np.float32)
    canvas[:] = x.reshape(3, -1).astype(np.float64).mean(1).astype(np.float32)[:, None, None]
    canvas[:, 64:192, 64:192] = x
    zf, xf = t2.features(z[::-1].astype(np.float32)), t2.features(canvas[::-1])
    fg, loc = t2.head(zf, xf)
    f16 = lambda a: torch.from_numpy(np.asarray(a, np.float16).astype(np.float32))  # noqa: E731
    assert torch.equal(rec["prob"][0], f16(fg[4:12, 4:12]))
    assert torch.equal(rec["ltrb"][0], f16(loc[:, 4:12, 4:12]))
    assert torch.equal(rec["feat"][0], f16(xf[:, 4:12, 4:12]))

    t3targets = TeacherTargets(t3, g3, tmp_path / "cache")
    rec3 = t3targets.batch(fake(256)[0]["template"][None], fake(256)[0]["search"][None])
    prob = rec3["prob"][0]
    assert torch.isnan(prob[0]).all() and torch.isnan(prob[:, 0]).all() and torch.isfinite(prob[1:, 1:]).all()


# ---------------------------------------------------------------------- errors before training
def fails_before_training(tmp_path, error, match, *extra, search=256):
    with pytest.raises(error, match=match):
        Trainer(cfg_of(tmp_path, *extra, search=search), dataset=fake(search))
    assert not (tmp_path / "run" / "last.pt").exists()


def test_missing_teacher_folder_or_file(tmp_path, teachers):
    fails_before_training(tmp_path, ConfigError, "distill.teacher.*does-not-exist", f"distill.teacher={tmp_path / 'does-not-exist'}")
    half = tmp_path / "half"
    half.mkdir()
    shutil.copy(teachers["v2"] / "tiny_backbone.onnx", half)
    fails_before_training(tmp_path, CheckpointError, "one \\*backbone\\*.onnx and one \\*head\\*.onnx, found: tiny_backbone.onnx",
                          f"distill.teacher={half}")


def test_mismatched_or_broken_teacher_files(tmp_path, teachers):
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    shutil.copy(teachers["v2"] / "tiny_backbone.onnx", mixed)
    shutil.copy(teachers["wide"] / "tiny_head.onnx", mixed)
    fails_before_training(tmp_path, CheckpointError, "6 channels but the head takes 10", f"distill.teacher={mixed}")
    broken = tmp_path / "broken"
    broken.mkdir()
    shutil.copy(teachers["v2"] / "tiny_backbone.onnx", broken)
    (broken / "tiny_head.onnx").write_bytes(b"not a graph")
    fails_before_training(tmp_path, CheckpointError, "not a readable ONNX graph", f"distill.teacher={broken}")
    renamed = tmp_path / "renamed"
    renamed.mkdir()
    shutil.copy(teachers["v2"] / "tiny_backbone.onnx", renamed / "tiny_head.onnx")  # a backbone posing as the head
    shutil.copy(teachers["v2"] / "tiny_backbone.onnx", renamed)
    fails_before_training(tmp_path, CheckpointError, "has no tensor 'input1'", f"distill.teacher={renamed}")


def test_grid_mismatch_needs_align(tmp_path, teachers):
    fails_before_training(tmp_path, ConfigError, r"distill.grid.*16x16 grid for its 256-px.*ours is 8x8.*distill.grid=align",
                          f"distill.teacher={teachers['v2']}", "distill.feature_weight=1", search=128)
    fails_before_training(tmp_path, ConfigError, r"15x15.*ours is 16x16.*align is needed",
                          f"distill.teacher={teachers['v3']}", "distill.cls_weight=1")
    fails_before_training(tmp_path, ConfigError, r"data.search_size.*<= 256",
                          f"distill.teacher={teachers['v2']}", "distill.grid=align", search=288)
    fails_before_training(tmp_path, ConfigError, r"data.search_size.*multiple of 32",
                          f"distill.teacher={teachers['v2']}", "distill.grid=align", search=240)


def test_config_errors(tmp_path, teachers):
    with pytest.raises(ConfigError, match="distill.cls_weight.*needs distill.teacher"):
        cfg_of(tmp_path, "distill.cls_weight=1")
    with pytest.raises(ConfigError, match="distill.feature_weight.*>= 0"):
        cfg_of(tmp_path, f"distill.teacher={teachers['v2']}", "distill.feature_weight=-1")
    with pytest.raises(ConfigError, match="distill.teacher.*not a backbone"):
        cfg_of(tmp_path, f"distill.teacher={teachers['v2']}", "model.kind=backbone")
    with pytest.raises(ConfigError, match="distill.grid"):
        cfg_of(tmp_path, f"distill.teacher={teachers['v2']}", "distill.grid=resize")


def test_resume_refuses_another_teacher_or_none(tmp_path, teachers):
    swap = tmp_path / "swap"
    shutil.copytree(teachers["v2"], swap)
    taught = (f"distill.teacher={swap}", "distill.cls_weight=1")
    Trainer(cfg_of(tmp_path, *taught, "train.max_steps=3"), dataset=fake()).fit()
    with pytest.raises(CheckpointError, match=r"another config.*distill"):
        Trainer(cfg_of(tmp_path), dataset=fake(), resume="auto")  # without the teacher
    with pytest.raises(CheckpointError, match=r"distilled from teacher .* \(other graphs\)"):
        Trainer(cfg_of(tmp_path, f"distill.teacher={teachers['v2b']}", "distill.cls_weight=1"), dataset=fake(), resume="auto")
    # the same graphs in another folder resume
    moved = tmp_path / "moved"
    shutil.copytree(swap, moved)
    assert Trainer(cfg_of(tmp_path, f"distill.teacher={moved}", "distill.cls_weight=1"), dataset=fake(), resume="auto").step == 3
    # the same path with other graphs behind it: the teacher's content identity differs
    for f in swap.glob("*.onnx"):
        f.unlink()
    for f in teachers["v2b"].glob("*.onnx"):
        shutil.copy(f, swap)
    with pytest.raises(CheckpointError, match="distilled from teacher"):
        Trainer(cfg_of(tmp_path, *taught), dataset=fake(), resume="auto")
    # the cache may move between a run and its resumption
    for f in swap.glob("*.onnx"):
        f.unlink()
    for f in teachers["v2"].glob("*.onnx"):
        shutil.copy(f, swap)
    resumed = Trainer(cfg_of(tmp_path, *taught, f"distill.cache={tmp_path / 'elsewhere'}"), dataset=fake(), resume="auto")
    assert resumed.step == 3


def test_old_checkpoints_without_a_distill_section_still_resume():
    from lighttrack.train.config import TrainConfig, resume_conflicts

    current = TrainConfig().to_dict()
    saved = {k: v for k, v in current.items() if k != "distill"}
    assert resume_conflicts(saved, current) == []
    taught = TrainConfig().to_dict()
    taught["distill"].update(teacher="x", cls_weight=1.0)
    assert resume_conflicts(saved, taught) == ["distill.cls_weight"]  # the teacher's folder alone may move


# ---------------------------------------------------------------------- the real NanoTrack graphs
def davis_crops(template_size=128, search_size=256):
    from lighttrack.data.datasets import open_dataset
    from lighttrack.data.transforms import CropParams, warp_patch
    from lighttrack.geometry import context_size

    root = Path(__file__).resolve().parents[2] / "shared" / "data" / "davis2016"
    if not root.is_dir():
        pytest.skip(f"{root} is absent (the shared DAVIS-2016 data)")
    seq = open_dataset("folder", str(root), "train")[3]
    out = []
    for frame, shift in ((0, (0.0, 0.0)), (10, (40.0, -24.0))):
        img, box = seq.frame(frame), seq.boxes[frame]
        scale = template_size / context_size(box[2], box[3], 0.5)
        fill = tuple(float(v) for v in img.reshape(-1, 3).mean(0))
        z, _ = warp_patch(seq.frame(0), seq.boxes[0], CropParams(template_size, template_size / context_size(*seq.boxes[0][2:], 0.5)), fill)
        x, xyxy = warp_patch(img, box, CropParams(search_size, scale, shift), fill)
        out.append((torch.from_numpy(z.transpose(2, 0, 1).copy()), torch.from_numpy(x.transpose(2, 0, 1).copy()), xyxy))
    return out


@pytest.mark.skipif(not NANOTRACK.is_dir(), reason=f"{NANOTRACK} is absent (the shared NanoTrack peer graphs)")
@pytest.mark.parametrize("version,search", [("v2", 256), ("v2", 192), ("v3", 256), ("v3", 192)])
def test_nanotrack_peaks_on_the_target_in_our_grid(tmp_path, version, search):
    """Conventions checked on real crops: BGR, channel 1 = foreground, distances in crop pixels from
    our grid points. The teacher's most confident cell decodes to a box overlapping the truth."""
    from lighttrack.geometry import grid_points
    from lighttrack.train.distill import TeacherTargets, plan_geometry
    from lighttrack.train.teacher import OnnxTeacher

    teacher = OnnxTeacher(NANOTRACK / version)
    geom = plan_geometry(teacher, 128, search, "align")
    targets = TeacherTargets(teacher, geom, tmp_path)
    gx, gy = grid_points(search)
    for z, x, xyxy in davis_crops(128, search):
        rec = targets.batch(z[None], x[None])
        prob = torch.nan_to_num(rec["prob"][0], nan=-1.0)
        i, j = np.unravel_index(int(prob.argmax()), prob.shape)
        assert float(prob[i, j]) > 0.5
        l, t, r, b = rec["ltrb"][0][:, i, j].tolist()
        box = np.array([gx[i, j] - l, gy[i, j] - t, gx[i, j] + r, gy[i, j] + b])
        truth = np.asarray(xyxy, np.float64)
        iw = max(0.0, min(box[2], truth[2]) - max(box[0], truth[0]))
        ih = max(0.0, min(box[3], truth[3]) - max(box[1], truth[1]))
        inter = iw * ih
        iou = inter / ((box[2] - box[0]) * (box[3] - box[1]) + (truth[2] - truth[0]) * (truth[3] - truth[1]) - inter)
        assert iou > 0.4, (version, search, box, truth, iou)
