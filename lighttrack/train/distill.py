"""Distillation from a pretrained teacher tracker (config section ``distill``).

The teacher (``lighttrack.train.teacher.OnnxTeacher``, e.g. NanoTrack v2/v3) sees the very crops
the student trains on — converted from our RGB uint8 to its BGR 0-255 — and three terms, each
with its own weight, pull the student towards it:

- **feature** (``distill.feature_weight``): the student's stride-16 backbone features of the
  search crop, through a learned 1x1 convolution (the *adapter*, student channels -> teacher
  channels), against the teacher's backbone features at the same cells. Normalised squared error:
  ``mean((adapter(f) - t)^2) / mean(t^2)`` over the batch, so 1.0 is as far as predicting zeros.
  It reaches the backbone and the adapter only. It needs no labels.
- **classification map** (``distill.cls_weight``): BCE of the student's (0.1-scaled) logits
  against the teacher's foreground probability (softmax of its two logits), over every cell
  where both grids have a point.
- **box distances** (``distill.box_weight``): the recipe's IoU loss between the student's l, t,
  r, b and the teacher's, on the cells where the teacher's foreground probability is at least
  ``distill.box_min_prob``, weighted by that probability (label-free, like the two above).

Grids. Both networks put cell j of an S-cell map at ``(j - S // 2) * 16`` pixels from the crop
centre (the teacher's own decoding convention, see ``teacher.py``). For ``data.search_size``
equal to the teacher's native crop (256 px for a 16x16 head) and a teacher head with our grid
(NanoTrack v2) the maps match cell for cell (``distill.grid: exact``, the default). Anything else
needs ``distill.grid: align``: our crop is centred in a canvas of the teacher's native size filled
with the crop's mean colour (what trackers of this family pad with), the teacher runs on that, and
cells are matched by grid-point position; our cells without a teacher point (one row and column
for NanoTrack v3's 15x15 map) are left out of the response terms. A smaller crop (192 px, 12x12)
thus takes the teacher's central 12x12 cells. Without ``align`` such a teacher is a ConfigError
before training starts.

Cache. Teacher outputs are a pure function of (teacher graphs, crop pixels, geometry): each pair's
are stored once as float16 under ``distill.cache/<teacher id>-<geometry>/<hash of the crops>.npy``
and read back by every later step, rerun or resume that meets the same crops (pairs are a pure
function of (seed, epoch, index)). Fresh values are rounded to float16 exactly as stored, so a run
whose cache was filled by an earlier run computes bit for bit what it would have computed alone.

The adapter starts at zero (so the feature term moves the backbone only once the adapter maps
something), trains at ``distill.adapter_lr_mult`` x the head's learning rate, is clipped by
``train.grad_clip`` on its own, saved in the training checkpoint (``last.pt``: ``distill``) and
never in ``final.pt``.

The trainer and its tracking actor reach all of this through :func:`build_distiller` and the
:class:`Distiller` methods ``parameters`` / ``watch`` / ``loss`` / ``finish_grads`` / ``scalars`` /
``checkpoint_state`` / ``load_checkpoint_state`` — nothing else of the trainer knows about teachers.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from lighttrack.errors import CheckpointError, ConfigError
from lighttrack.io import atomic_write
from lighttrack.train import distributed as D
from lighttrack.train.losses import iou_loss
from lighttrack.train.teacher import STRIDE, OnnxTeacher

ADAPTER_INITS = ("zero", "identity")

CACHE_VERSION = 1
DEFAULT_CACHE = "runs/teacher_cache"


@dataclass(frozen=True)
class Geometry:
    """How our crops and cells map onto the teacher's."""

    template_size: int
    search_size: int  # ours
    canvas: int  # the teacher's native search crop (ours is centred in it)
    out_grid: int  # the teacher head's map side
    channels: int  # the teacher's feature channels

    @property
    def grid(self) -> int:
        return self.search_size // STRIDE

    @property
    def pad(self) -> int:
        return (self.canvas - self.search_size) // 2

    @property
    def offset(self) -> int:
        """Teacher cell k = our cell j + offset (same grid-point position)."""
        return self.out_grid // 2 - self.grid // 2

    @property
    def exact(self) -> bool:
        return self.pad == 0 and self.out_grid == self.grid

    @property
    def tag(self) -> str:
        return f"z{self.template_size}-x{self.search_size}-c{self.canvas}-g{self.out_grid}-v{CACHE_VERSION}"

    @property
    def size(self) -> int:
        """float16 values stored per pair: features, foreground probability, l/t/r/b."""
        g = self.grid
        return self.channels * g * g + g * g + 4 * g * g


def plan_geometry(teacher: OnnxTeacher, template_size: int, search_size: int, grid_mode: str) -> Geometry:
    """Check that the teacher's cells can be matched to ours; one clear error if not."""
    s = teacher.shapes
    geom = Geometry(template_size, search_size, s.native_search, s.out_grid, s.channels)
    ours = f"ours is {geom.grid}x{geom.grid} for data.search_size={search_size}"
    theirs = f"the teacher answers on a {s.out_grid}x{s.out_grid} grid for its {s.native_search}-px search crops"
    if search_size > s.native_search:
        raise ConfigError(
            f"config key 'data.search_size': {theirs} (its head takes {s.search_grid}x{s.search_grid} features), "
            f"{ours}: use data.search_size <= {s.native_search}"
        )
    if (s.native_search - search_size) % (2 * STRIDE):
        raise ConfigError(
            f"config key 'data.search_size': {ours}; centred in the teacher's {s.native_search}-px crop its cells would fall "
            f"between the teacher's: use {s.native_search} minus a multiple of {2 * STRIDE}"
        )
    if not geom.exact and grid_mode != "align":
        raise ConfigError(
            f"config key 'distill.grid': {theirs}, {ours}; set distill.grid=align (our crop centred in a "
            f"{s.native_search}-px canvas of its mean colour, cells matched by position) or data.search_size={s.native_search}"
            + (" (this teacher's grid differs from ours at any size: align is needed)" if s.out_grid != s.search_grid else "")
        )
    j = np.arange(geom.grid) + geom.offset
    if not ((j >= 0) & (j < s.out_grid)).any():
        raise ConfigError(f"config key 'distill.grid': {theirs}, {ours}: no cell of ours has a teacher cell")
    return geom


class TeacherTargets:
    """The teacher's outputs for a batch of crops, on our grid, cached on disk per pair."""

    def __init__(self, teacher: OnnxTeacher, geom: Geometry, cache_dir: str | Path):
        self.teacher, self.geom = teacher, geom
        self.dir = Path(cache_dir) / f"{teacher.id}-{geom.tag}"
        self.hits = 0
        self.misses = 0
        g = geom.grid
        j = np.arange(g) + geom.offset
        self._ours = np.nonzero((j >= 0) & (j < geom.out_grid))[0]  # our cells with a teacher point
        self._theirs = j[self._ours]

    def key(self, template: np.ndarray, search: np.ndarray) -> str:
        h = hashlib.sha256()
        h.update(f"{self.teacher.id}|{self.geom.tag}|{template.shape}|{search.shape}|".encode())
        h.update(np.ascontiguousarray(template).tobytes())
        h.update(np.ascontiguousarray(search).tobytes())
        return h.hexdigest()[:40]

    def compute(self, template: np.ndarray, search: np.ndarray) -> np.ndarray:
        """(3,T,T), (3,S,S) uint8 RGB -> the flat float16 record of one pair."""
        geom, t = self.geom, self.teacher
        zf = t.features(template[::-1].astype(np.float32))  # RGB -> BGR, 0-255
        if geom.pad:
            fill = search.reshape(3, -1).astype(np.float64).mean(1).astype(np.float32)
            canvas = np.empty((3, geom.canvas, geom.canvas), np.float32)
            canvas[:] = fill[:, None, None]
            p = geom.pad
            canvas[:, p : p + geom.search_size, p : p + geom.search_size] = search
        else:
            canvas = search.astype(np.float32)
        xf = t.features(canvas[::-1])
        fg, loc = t.head(zf, xf)
        g, o = geom.grid, geom.pad // STRIDE
        feat = xf[:, o : o + g, o : o + g]
        prob = np.full((g, g), np.nan, np.float32)
        ltrb = np.full((4, g, g), np.nan, np.float32)
        ours, theirs = np.ix_(self._ours, self._ours), np.ix_(self._theirs, self._theirs)
        prob[ours] = fg[theirs]
        ltrb[(slice(None),) + ours] = loc[(slice(None),) + theirs]
        return np.concatenate([feat.ravel(), prob.ravel(), ltrb.ravel()]).astype(np.float16)

    def pair(self, template: np.ndarray, search: np.ndarray) -> np.ndarray:
        path = self.dir / (k := self.key(template, search))[:2] / f"{k}.npy"
        if path.is_file():
            try:
                record = np.load(path, allow_pickle=False)
                if record.dtype == np.float16 and record.shape == (self.geom.size,):
                    self.hits += 1
                    return record
            except (OSError, ValueError):
                pass
            warnings.warn(f"teacher cache entry {str(path)!r} is unreadable or of another layout: recomputing it", RuntimeWarning)
        record = self.compute(template, search)
        buf = io.BytesIO()
        np.save(buf, record, allow_pickle=False)
        atomic_write(path, lambda f: f.write(buf.getvalue()))
        self.misses += 1
        return record

    def batch(self, template: torch.Tensor, search: torch.Tensor) -> dict[str, torch.Tensor]:
        """(B,3,T,T), (B,3,S,S) uint8 -> float32 tensors feat (B,C,g,g), prob (B,g,g), ltrb (B,4,g,g)."""
        zs = template.detach().cpu().numpy()
        xs = search.detach().cpu().numpy()
        if zs.dtype != np.uint8 or xs.dtype != np.uint8:
            raise ConfigError("distill: the teacher needs the uint8 crops of the pair data set (template/search)")
        records = np.stack([self.pair(z, x) for z, x in zip(zs, xs)]).astype(np.float32)
        b, g, c = len(records), self.geom.grid, self.geom.channels
        n_feat = c * g * g
        return {
            "feat": torch.from_numpy(records[:, :n_feat].reshape(b, c, g, g).copy()),
            "prob": torch.from_numpy(records[:, n_feat : n_feat + g * g].reshape(b, g, g).copy()),
            "ltrb": torch.from_numpy(records[:, n_feat + g * g :].reshape(b, 4, g, g).copy()),
        }


class Distiller(nn.Module):
    """The distillation terms and the adapter; what the trainer holds when ``distill.teacher`` is set."""

    def __init__(self, targets: TeacherTargets, student_channels: int | tuple[int, ...], feature_weight: float, cls_weight: float,
                 box_weight: float, box_min_prob: float, adapter_lr_mult: float = 1.0, adapter_init: str = "zero"):
        super().__init__()
        self.targets = targets
        self.feature_weight, self.cls_weight, self.box_weight = float(feature_weight), float(cls_weight), float(box_weight)
        self.box_min_prob = float(box_min_prob)
        self.adapter_lr_mult = float(adapter_lr_mult)
        # Building the adapter must not move the global torch RNG (a run with every weight 0 is
        # then the run without a teacher, bit for bit). It starts at zero: the feature term then
        # sends the backbone no gradient until the adapter has learnt a map worth following.
        # ``identity`` (a teacher of our own space: its features and a same-width student's are the
        # same quantity) starts a same-width adapter as the identity instead. A supernet has one
        # adapter per output width of its paths (``adapters``, keyed by channels); ``adapter`` is
        # the first.
        widths = (student_channels,) if isinstance(student_channels, int) else tuple(student_channels)
        t = targets.geom.channels
        with torch.random.fork_rng(devices=[]):
            self.adapters = nn.ModuleDict({str(c): nn.Conv2d(c, t, 1) for c in widths})
        with torch.no_grad():
            for c, conv in self.adapters.items():
                conv.weight.zero_()
                conv.bias.zero_()
                if adapter_init == "identity" and int(c) == t:
                    conv.weight.copy_(torch.eye(t).view(t, t, 1, 1))
        self._hits = self._misses = 0

    @property
    def adapter(self) -> nn.Conv2d:
        """The (first) adapter: the only one of a fixed tracker."""
        return next(iter(self.adapters.values()))

    @property
    def active(self) -> bool:
        return (self.feature_weight, self.cls_weight, self.box_weight) != (0.0, 0.0, 0.0)

    # ------------------------------------------------------------------ trainer interface
    @contextlib.contextmanager
    def watch(self, model: nn.Module):
        """Record the student's backbone outputs during the forward pass (the last is the search crop's)."""
        seen: list[torch.Tensor] = []
        if self.feature_weight == 0.0:
            yield seen
            return
        handle = model.backbone.register_forward_hook(lambda _m, _i, out: seen.append(out))
        try:
            yield seen
        finally:
            handle.remove()

    def loss(self, batch: dict, cls: torch.Tensor, ltrb: torch.Tensor, seen: list) -> tuple[torch.Tensor | None, dict]:
        """The weighted sum of the active terms (None when every weight is 0) and each term's value."""
        if not self.active:
            return None, {}
        t = self.targets.batch(batch["template"], batch["search"])
        dev = cls.device
        t = {k: v.to(dev) for k, v in t.items()}
        total, terms = None, {}

        def add(name: str, weight: float, value: torch.Tensor) -> None:
            nonlocal total
            terms[name] = value.detach()
            total = weight * value if total is None else total + weight * value

        if self.feature_weight:
            if not seen:
                raise RuntimeError("distill: the student's backbone was not seen in the forward pass")
            f = seen[-1].float()
            if tuple(f.shape[-2:]) != tuple(t["feat"].shape[-2:]):
                raise RuntimeError(f"distill: student search features {tuple(f.shape)} vs teacher {tuple(t['feat'].shape)}")
            adapter = self.adapters[str(f.shape[1])] if str(f.shape[1]) in self.adapters else None
            if adapter is None:
                raise RuntimeError(f"distill: no adapter for {f.shape[1]}-channel student features (have {', '.join(self.adapters)})")
            diff = adapter(f) - t["feat"]
            add("teacher_feat", self.feature_weight, diff.pow(2).mean() / t["feat"].pow(2).mean().clamp_min(1e-6))
        prob = t["prob"]
        mask = torch.isfinite(prob)
        if self.cls_weight:
            logits = cls.float().squeeze(1)
            bce = F.binary_cross_entropy_with_logits(logits, torch.nan_to_num(prob), reduction="none")
            add("teacher_cls", self.cls_weight, (bce * mask).sum() / mask.sum().clamp_min(1))
        if self.box_weight:
            p = torch.nan_to_num(prob)
            weight = torch.where(mask & (p >= self.box_min_prob), p, torch.zeros_like(p))
            add("teacher_box", self.box_weight, iou_loss(ltrb.float(), torch.nan_to_num(t["ltrb"]).clamp_min(0), weight))
        return total, terms

    def finish_grads(self, info: Any, grad_clip: float | None) -> None:
        """After backward: average the adapter's gradients across ranks and clip them (on their own)."""
        params = [p for p in self.adapters.parameters() if p.grad is not None]
        if not params:
            return
        if info.enabled:
            D.allreduce_grads(params, info)
        if grad_clip is not None:
            torch.nn.utils.clip_grad_norm_(params, grad_clip)

    def scalars(self) -> dict[str, float]:
        """Cache hits and misses since the last call (pairs), for the metrics log."""
        hits, misses = self.targets.hits - self._hits, self.targets.misses - self._misses
        self._hits, self._misses = self.targets.hits, self.targets.misses
        return {"teacher/cache_hits": float(hits), "teacher/cache_misses": float(misses)}

    def checkpoint_state(self) -> dict[str, Any]:
        state = self.adapter.state_dict() if len(self.adapters) == 1 else self.adapters.state_dict()
        return {"teacher": self.targets.teacher.id, "geometry": self.targets.geom.tag, "adapter": state}

    def load_checkpoint_state(self, state: dict[str, Any] | None, source: str) -> None:
        if not state:
            raise CheckpointError(f"cannot resume from {source!r}: it was trained without a teacher (no 'distill' state)")
        if state.get("teacher") != self.targets.teacher.id:
            raise CheckpointError(
                f"cannot resume from {source!r}: it was distilled from teacher {state.get('teacher')}, "
                f"distill.teacher now holds {self.targets.teacher.id} (other graphs)"
            )
        try:
            (self.adapter if len(self.adapters) == 1 else self.adapters).load_state_dict(state["adapter"])
        except (RuntimeError, KeyError) as err:
            raise CheckpointError(f"cannot resume from {source!r}: its distillation adapter does not fit ({err})") from None


def open_teacher(spec: str, threads: int = 1):
    """``distill.teacher``: a folder of ONNX graphs (:class:`OnnxTeacher`, e.g. NanoTrack) or one of
    our TrackerNets — a checkpoint file or a shipped model's name (:class:`NetTeacher`, e.g.
    ``lighttrack-mobile-official``)."""
    path = Path(spec)
    if path.is_dir():
        return OnnxTeacher(spec, threads=threads)
    from lighttrack.models import default_weights  # the registry: a name, not a path

    if path.is_file() or default_weights(str(spec)) is not None:
        from lighttrack.train.net_teacher import NetTeacher  # torch-side teacher, only when named

        return NetTeacher(str(spec), threads=threads)
    raise ConfigError(
        f"config key 'distill.teacher': {str(spec)!r} is neither a folder of ONNX graphs (*backbone*.onnx + *head*.onnx) "
        "nor a TrackerNet checkpoint file nor a shipped model's name (e.g. lighttrack-mobile-official)"
    )


def student_widths(cfg, model: nn.Module) -> tuple[int, ...]:
    """The output channels the student's paths can have (one for a tracker); stride 16 checked."""
    if cfg.model.kind == "supernet":
        space = model.space
        strides = sorted({space.stride_of(s) for s, _ in space.output_positions})
        if strides != [STRIDE]:
            raise ConfigError(
                f"config key 'distill.teacher': the teacher's maps are at stride {STRIDE}; this supernet's space has "
                f"output positions at stride {', '.join(map(str, strides))}: use model.output_positions=paper"
            )
        from lighttrack.arch import STAGE_CHANNELS

        return tuple(sorted({int(STAGE_CHANNELS[s]) for s, _ in space.output_positions}))
    stride = getattr(model, "stride", None)
    if stride != STRIDE:
        raise ConfigError(f"config key 'distill.teacher': the teacher works at stride {STRIDE}, this network at stride {stride}")
    return (int(model.arch.out_channels),)


def check_teacher(cfg):
    """Open the teacher and match its grid to the config's crops (every check, no training data read):
    returns (teacher, geometry). The trainer calls it before building data or model."""
    d = cfg.distill
    teacher = open_teacher(d.teacher, threads=d.threads)
    geom = plan_geometry(teacher, cfg.data.template_size, cfg.data.search_size, d.grid)
    teacher.check(cfg.data.template_size, geom.canvas)
    return teacher, geom


def build_distiller(cfg, model: nn.Module, device: torch.device, checked=None) -> Distiller | None:
    """The Distiller of a config (None without ``distill.teacher``); every check runs here, before training."""
    d = cfg.distill
    if not d.teacher:
        return None
    if cfg.model.kind not in ("tracker", "supernet"):
        raise ConfigError(f"config key 'distill.teacher': distillation from a teacher trains a tracker or a supernet, not a {cfg.model.kind}")
    widths = student_widths(cfg, model)
    teacher, geom = checked or check_teacher(cfg)
    targets = TeacherTargets(teacher, geom, d.cache or DEFAULT_CACHE)
    distiller = Distiller(targets, widths, d.feature_weight, d.cls_weight, d.box_weight, d.box_min_prob, d.adapter_lr_mult,
                          d.adapter_init)
    return distiller.to(device)
