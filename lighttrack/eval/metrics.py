"""Tracking metrics as pure functions on arrays, one family per benchmark protocol.

Every function takes plain numpy arrays (boxes are ``x, y, w, h``, top-left corner, pixels) and
returns plain numbers, arrays or dicts. Each protocol follows the definition its official
toolkit uses (see ``docs/evaluation.md`` for the sources and the few places where the official
tools disagree with each other):

* **OPE** (one-pass evaluation; OTB, UAV123, LaSOT, generic folders): success curve over 21 IoU
  thresholds 0, 0.05, ..., 1 with a strict ``IoU > t``, AUC = mean of the 21 values; precision =
  fraction of frames with centre error ``<= d`` for d = 0..50 px, reported at 20 px; normalised
  precision at 0.20 (LaSOT). Curves are computed per sequence and then averaged over sequences.
* **TrackingNet** (the evaluation server's devkit): coordinates rounded, centres at
  ``x + (w + 1) / 2``, success / precision / normalised precision reported as trapezoidal areas.
* **GOT-10k**: first frame excluded, boxes bounded to the image, frames with ``cover == 0``
  dropped, IoUs of all sequences (and repetitions) pooled before averaging: AO, SR0.5, SR0.75.
* **VOT supervised** (2016-2019 "baseline"): overlaps of polygons bounded to the image,
  accuracy with a 10-frame burn-in after every (re)initialisation, failures, reliability
  ``exp(-30 F / L)``, and EAO over the yearly length intervals.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np

# --------------------------------------------------------------------------------------------
# Thresholds

SUCCESS_THRESHOLDS = np.linspace(0.0, 1.0, 21)
"""IoU thresholds of the OPE success curve (0:0.05:1)."""

PRECISION_THRESHOLDS = np.arange(0, 51, dtype=np.float64)
"""Centre-error thresholds in pixels (0..50); the reported precision is at 20 px."""

NORM_PRECISION_THRESHOLDS = np.linspace(0.0, 0.5, 51)
"""Normalised centre-error thresholds (0:0.01:0.5, LaSOT); the reported value is at 0.20."""

TRACKINGNET_NORM_THRESHOLDS = np.linspace(0.0, 0.5, 21)
"""TrackingNet devkit: 21 normalised thresholds in [0, 0.5], reported as a trapezoidal area."""

GOT10K_THRESHOLDS = np.linspace(0.0, 1.0, 101)
"""GOT-10k success curve (101 bins on [0, 1])."""

PRECISION_AT = 20
NORM_PRECISION_AT = 20  # index of 0.20 in NORM_PRECISION_THRESHOLDS

EAO_INTERVALS = {
    "vot2016": (108, 371),
    "vot2017": (100, 356),
    "vot2018": (100, 356),
    "vot2019": (46, 291),
}
"""Inclusive sequence-length intervals over which the EAO curve is averaged (stack YAMLs)."""

VOT_SKIP_INITIALIZE = 5
VOT_BURNIN = 10
VOT_SENSITIVITY = 30.0

# --------------------------------------------------------------------------------------------
# Boxes


def as_boxes(boxes) -> np.ndarray:
    """``(N, 4)`` float64 copy of ``boxes`` (a single box becomes one row)."""
    b = np.array(boxes, dtype=np.float64, copy=True)
    if b.ndim == 1:
        b = b[None, :]
    if b.ndim != 2 or b.shape[1] != 4:
        raise ValueError(f"boxes must have shape (N, 4), got {b.shape}")
    return b


def valid_boxes(boxes: np.ndarray) -> np.ndarray:
    """``(N,)`` bool: finite and with positive width and height."""
    b = np.asarray(boxes, dtype=np.float64)
    return np.all(np.isfinite(b), axis=1) & (b[:, 2] > 0) & (b[:, 3] > 0)


def iou(pred, gt) -> np.ndarray:
    """Per-row IoU of two ``(N, 4)`` xywh arrays (continuous coordinates, no ``+1``).

    Rows where either box is not finite or has no area give 0.
    """
    a, b = as_boxes(pred), as_boxes(gt)
    if a.shape != b.shape:
        raise ValueError(f"shape mismatch: {a.shape} vs {b.shape}")
    with np.errstate(invalid="ignore"):
        iw = np.minimum(a[:, 0] + a[:, 2], b[:, 0] + b[:, 2]) - np.maximum(a[:, 0], b[:, 0])
        ih = np.minimum(a[:, 1] + a[:, 3], b[:, 1] + b[:, 3]) - np.maximum(a[:, 1], b[:, 1])
        inter = np.clip(iw, 0, None) * np.clip(ih, 0, None)
        union = a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - inter
        out = np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)
    ok = valid_boxes(a) & valid_boxes(b)
    out = np.where(ok, out, 0.0)
    return np.clip(out, 0.0, 1.0)


def bound_boxes(boxes, width: float, height: float) -> np.ndarray:
    """Bound xywh boxes to a ``width x height`` image as the GOT-10k toolkit does.

    The top-left corner is clamped into the image first; then width and height are capped so
    the box ends inside the image. A box hanging over the left or top edge therefore keeps its
    full width (it is shifted, not cut) - the official behaviour, reproduced on purpose.
    """
    b = as_boxes(boxes)
    b[:, 0] = np.clip(b[:, 0], 0, width)
    b[:, 1] = np.clip(b[:, 1], 0, height)
    b[:, 2] = np.clip(b[:, 2], 0, width - b[:, 0])
    b[:, 3] = np.clip(b[:, 3], 0, height - b[:, 1])
    return b


def centers(boxes, convention: str = "otb") -> np.ndarray:
    """Box centres. ``otb``: ``x + (w - 1) / 2`` (OTB, LaSOT, got10k, pysot, pytracking);
    ``trackingnet``: coordinates rounded to integers, then ``x + (w + 1) / 2`` (devkit)."""
    b = as_boxes(boxes)
    if convention == "otb":
        return b[:, :2] + (b[:, 2:] - 1.0) / 2.0
    if convention == "trackingnet":
        b = np.round(b)
        return b[:, :2] + (b[:, 2:] + 1.0) / 2.0
    raise ValueError(f"unknown centre convention {convention!r}")


def center_error(pred, gt, convention: str = "otb") -> np.ndarray:
    """Euclidean distance between centres in pixels."""
    d = centers(pred, convention) - centers(gt, convention)
    return np.sqrt(np.sum(d * d, axis=1))


def normalized_center_error(pred, gt, convention: str = "otb") -> np.ndarray:
    """Centre distance after dividing the x and y offsets by the ground-truth width and height."""
    g = as_boxes(gt)
    if convention == "trackingnet":
        g = np.round(g)
    d = centers(pred, convention) - centers(gt, convention)
    with np.errstate(divide="ignore", invalid="ignore"):
        d = d / g[:, 2:]
    return np.sqrt(np.sum(d * d, axis=1))


def fill_invalid_predictions(pred) -> tuple[np.ndarray, int]:
    """Replace predictions that are NaN or have ``w <= 0`` / ``h <= 0`` by the previous frame's
    box (OTB/LaSOT MATLAB and pytracking rule). Returns the new array and how many were replaced.

    A leading invalid box with no predecessor stays as it is (and scores as a failure).
    """
    p = as_boxes(pred)
    ok = valid_boxes(p)
    n = 0
    for i in range(1, len(p)):
        if not ok[i]:
            p[i] = p[i - 1]
            ok[i] = ok[i - 1]
            n += 1
    return p, n


# --------------------------------------------------------------------------------------------
# One-pass evaluation (OTB, UAV123, LaSOT, TrackingNet, generic)

OPE_RULES = ("otb", "lasot", "exclude", "trackingnet")


@dataclass
class SequenceScore:
    """Per-sequence OPE result: the three curves plus bookkeeping."""

    success_curve: np.ndarray
    precision_curve: np.ndarray
    norm_precision_curve: np.ndarray
    frames: int
    counted_frames: int
    invalid_gt_frames: int = 0
    absent_frames: int = 0
    replaced_predictions: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def auc(self) -> float:
        return float(np.mean(self.success_curve))

    @property
    def precision(self) -> float:
        return float(self.precision_curve[PRECISION_AT])

    @property
    def norm_precision(self) -> float:
        return float(self.norm_precision_curve[NORM_PRECISION_AT])

    def to_json(self) -> dict:
        return {
            "auc": self.auc,
            "precision": self.precision,
            "norm_precision": self.norm_precision,
            "frames": self.frames,
            "counted_frames": self.counted_frames,
            "invalid_gt_frames": self.invalid_gt_frames,
            "absent_frames": self.absent_frames,
            "replaced_predictions": self.replaced_predictions,
        }


def ope_sequence(pred, gt, visible=None, rule: str = "otb") -> SequenceScore:
    """Score one sequence under one-pass evaluation.

    ``rule`` decides what happens to frames whose ground truth is unusable:

    * ``otb`` (OTB and UAV123, the MATLAB toolkits): ground truth with any coordinate ``<= 0``
      or NaN gets overlap -1 (always a failure for success) and centre error -1 (always a
      success for precision); the denominator is every frame.
    * ``lasot`` (LaSOT toolkit): frames where the target is absent (``visible`` false, i.e. full
      occlusion or out of view) or the ground truth is NaN count as failures for success,
      precision and normalised precision; the denominator is every frame.
    * ``exclude`` (generic folders, DAVIS, VID, synthetic; also got10k-toolkit style): frames
      with absent or NaN ground truth are left out of numerator and denominator.
    * ``trackingnet``: as ``exclude`` (the devkit assumes every frame is annotated).

    In every rule the first prediction is replaced by the ground truth (the initialisation) and
    invalid predictions (NaN, ``w <= 0`` or ``h <= 0``) are replaced by the previous frame's box.
    """
    if rule not in OPE_RULES:
        raise ValueError(f"unknown OPE rule {rule!r}; expected one of {OPE_RULES}")
    g = as_boxes(gt)
    p = as_boxes(pred)
    if p.shape != g.shape:
        raise ValueError(f"{len(p)} predicted boxes for {len(g)} ground-truth frames")
    n = len(g)
    if visible is None:
        vis = np.ones(n, dtype=bool)
    else:
        vis = np.asarray(visible, dtype=bool).reshape(-1)
        if len(vis) != n:
            raise ValueError(f"visible has {len(vis)} entries for {n} frames")
    if n and valid_boxes(g[:1])[0]:
        p[0] = g[0]
    p, replaced = fill_invalid_predictions(p)

    convention = "trackingnet" if rule == "trackingnet" else "otb"
    ious = iou(p, g)
    errs = center_error(p, g, convention)
    nerrs = normalized_center_error(p, g, convention)
    finite_gt = np.all(np.isfinite(g), axis=1)
    notes: list[str] = []
    invalid_gt = 0
    absent = int(np.sum(~vis))

    if rule == "otb":
        bad = ~(finite_gt & np.all(g > 0, axis=1))
        invalid_gt = int(bad.sum())
        ious = np.where(bad, -1.0, ious)
        errs = np.where(bad, -1.0, errs)
        nerrs = np.where(bad, -1.0, nerrs)
        counted = np.ones(n, dtype=bool)
        if invalid_gt:
            notes.append(f"{invalid_gt} frame(s) with invalid ground truth scored as the OTB "
                         "toolkit does: failure for success, success for precision")
    elif rule == "lasot":
        bad = ~vis | ~valid_boxes(g)
        invalid_gt = int(np.sum(~valid_boxes(g) & vis))
        ious = np.where(bad, -1.0, ious)
        errs = np.where(bad, np.inf, errs)
        nerrs = np.where(bad, np.inf, nerrs)
        counted = np.ones(n, dtype=bool)
        if bad.any():
            notes.append(f"{int(bad.sum())} absent frame(s) counted as failures (LaSOT rule)")
    else:
        counted = vis & valid_boxes(g)
        invalid_gt = int(np.sum(~valid_boxes(g)))
        if (~counted).any():
            notes.append(f"{int((~counted).sum())} frame(s) without ground truth left out")
    if replaced:
        notes.append(f"{replaced} invalid predicted box(es) replaced by the previous frame's box")

    with np.errstate(invalid="ignore"):
        ious_c = ious[counted][:, None]
        errs_c = errs[counted][:, None]
        nerrs_c = np.nan_to_num(nerrs[counted], nan=np.inf)[:, None]
    norm_thr = TRACKINGNET_NORM_THRESHOLDS if rule == "trackingnet" else NORM_PRECISION_THRESHOLDS
    if counted.sum() == 0:
        succ = np.zeros(len(SUCCESS_THRESHOLDS))
        prec = np.zeros(len(PRECISION_THRESHOLDS))
        nprec = np.zeros(len(norm_thr))
        notes.append("no frame with ground truth: scored 0")
    else:
        succ = np.mean(ious_c > SUCCESS_THRESHOLDS[None, :], axis=0)
        prec = np.mean(errs_c <= PRECISION_THRESHOLDS[None, :], axis=0)
        nprec = np.mean(nerrs_c <= norm_thr[None, :], axis=0)
    return SequenceScore(succ, prec, nprec, frames=n, counted_frames=int(counted.sum()),
                         invalid_gt_frames=invalid_gt, absent_frames=absent,
                         replaced_predictions=replaced, notes=notes)


def _trapz_unit(curve: np.ndarray) -> float:
    """Trapezoidal area of a curve sampled evenly on an axis rescaled to [0, 1]."""
    c = np.asarray(curve, dtype=np.float64)
    if len(c) < 2:
        return float(c.mean()) if len(c) else 0.0
    return float((c[:-1] + c[1:]).sum() / 2.0 / (len(c) - 1))


def ope_summary(scores: Sequence[SequenceScore], rule: str = "otb") -> dict:
    """Average per-sequence curves over sequences and report the protocol's headline numbers.

    OTB/UAV/generic: ``auc`` (mean of the 21-point success curve), ``precision`` (at 20 px),
    ``norm_precision`` (at 0.20). LaSOT: the same three (normalised precision as in the LaSOT
    toolkit). TrackingNet: ``auc``, ``precision`` and ``norm_precision`` are trapezoidal areas
    under the success (21 points), precision (0..50 px) and normalised precision (21 points in
    [0, 0.5]) curves, as the server's devkit reports them; ``precision_at_20`` is also given.
    """
    if not scores:
        raise ValueError("no sequences to summarise")
    succ = np.mean([s.success_curve for s in scores], axis=0)
    prec = np.mean([s.precision_curve for s in scores], axis=0)
    nprec = np.mean([s.norm_precision_curve for s in scores], axis=0)
    out = {
        "success_curve": succ.tolist(),
        "precision_curve": prec.tolist(),
        "norm_precision_curve": nprec.tolist(),
        "success_thresholds": SUCCESS_THRESHOLDS.tolist(),
        "precision_thresholds": PRECISION_THRESHOLDS.tolist(),
        "sequences": len(scores),
        "frames": int(sum(s.frames for s in scores)),
    }
    if rule == "trackingnet":
        out["norm_precision_thresholds"] = TRACKINGNET_NORM_THRESHOLDS.tolist()
        out.update(auc=float(np.mean([_trapz_unit(s.success_curve) for s in scores])),
                   precision=float(np.mean([_trapz_unit(s.precision_curve) for s in scores])),
                   norm_precision=float(np.mean([_trapz_unit(s.norm_precision_curve)
                                                 for s in scores])),
                   precision_at_20=float(prec[PRECISION_AT]),
                   success_mean=float(np.mean(succ)))
    else:
        out["norm_precision_thresholds"] = NORM_PRECISION_THRESHOLDS.tolist()
        out.update(auc=float(np.mean(succ)), precision=float(prec[PRECISION_AT]),
                   norm_precision=float(nprec[NORM_PRECISION_AT]),
                   success_rate_50=float(succ[10]))
    return out


def success_curve(ious) -> np.ndarray:
    """Fraction of values strictly above each of the 21 thresholds."""
    v = np.asarray(ious, dtype=np.float64)[:, None]
    return np.mean(v > SUCCESS_THRESHOLDS[None, :], axis=0)


def precision_curve(errors) -> np.ndarray:
    """Fraction of values at most each of the 0..50 px thresholds."""
    v = np.asarray(errors, dtype=np.float64)[:, None]
    return np.mean(v <= PRECISION_THRESHOLDS[None, :], axis=0)


# --------------------------------------------------------------------------------------------
# GOT-10k


def got10k_sequence_ious(runs: Iterable, gt, cover=None, resolution=None) -> tuple[np.ndarray, int]:
    """Pooled IoUs of one sequence over all repetitions, GOT-10k protocol.

    Frames ``1..N-1`` only (the first is the initialisation); both boxes bounded to the image
    (``resolution = (W, H)``, skipped when None); only frames with ``cover > 0`` kept (when
    ``cover`` is None every frame with finite ground truth is kept). Predicted boxes that are NaN
    score IoU 0 (the official toolkit would propagate NaN into AO); the number of such boxes is
    returned as the second value.
    """
    g = as_boxes(gt)[1:]
    keep = np.all(np.isfinite(g), axis=1) if cover is None else np.asarray(cover)[1:] > 0
    if resolution is not None:
        g = bound_boxes(g, *resolution)
    pooled, nan_boxes = [], 0
    for run in runs:
        p = as_boxes(run)
        if len(p) != len(g) + 1:
            raise ValueError(f"{len(p)} predicted boxes for {len(g) + 1} frames")
        p = p[1:]
        nan_rows = ~np.all(np.isfinite(p), axis=1)
        nan_boxes += int(np.sum(nan_rows & keep))
        if resolution is not None:
            p = bound_boxes(p, *resolution)
        v = iou(p, g)
        pooled.append(v[keep])
    if not pooled:
        raise ValueError("no repetitions")
    return np.concatenate(pooled), nan_boxes


def got10k_summary(seq_ious: dict, seq_times: dict | None = None) -> dict:
    """AO, SR0.5, SR0.75, the 101-bin success curve and speed from pooled per-sequence IoUs.

    AO is the mean over *all frames of all sequences* (frame-weighted), as the GOT-10k toolkit
    computes it; speed is the mean of ``1 / t`` over frames with ``t > 0``.
    """
    if not seq_ious:
        raise ValueError("no sequences to summarise")
    allv = np.concatenate([np.asarray(v, dtype=np.float64) for v in seq_ious.values()])
    if len(allv) == 0:
        raise ValueError("no frame with a visible target")
    out = {
        "ao": float(np.mean(allv)),
        "sr50": float(np.mean(allv > 0.5)),
        "sr75": float(np.mean(allv > 0.75)),
        "success_curve": np.mean(allv[:, None] > GOT10K_THRESHOLDS[None, :], axis=0).tolist(),
        "success_thresholds": GOT10K_THRESHOLDS.tolist(),
        "sequences": len(seq_ious),
        "frames": int(len(allv)),
        "per_sequence": {k: {"ao": float(np.mean(v)) if len(v) else float("nan"),
                             "sr50": float(np.mean(np.asarray(v) > 0.5)) if len(v) else float("nan")}
                         for k, v in seq_ious.items()},
    }
    if seq_times:
        t = np.concatenate([np.asarray(v, dtype=np.float64).reshape(-1) for v in seq_times.values()])
        t = t[np.isfinite(t) & (t > 0)]
        out["speed_fps"] = float(np.mean(1.0 / t)) if len(t) else -1.0
    return out


# --------------------------------------------------------------------------------------------
# Polygons (VOT)


def region_to_polygon(region) -> np.ndarray:
    """``(K, 2)`` vertices of a region: 4 values are an xywh rectangle, 2K >= 6 values a polygon.
    Returns an empty ``(0, 2)`` array for an empty or non-finite region."""
    r = np.asarray(region, dtype=np.float64).reshape(-1)
    if len(r) == 0 or not np.all(np.isfinite(r)):
        return np.zeros((0, 2))
    if len(r) == 4:
        x, y, w, h = r
        if w <= 0 or h <= 0:
            return np.zeros((0, 2))
        return np.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]])
    if len(r) >= 6 and len(r) % 2 == 0:
        return r.reshape(-1, 2)
    raise ValueError(f"a region needs 4 values (x,y,w,h) or an even number >= 6, got {len(r)}")


def polygon_area(poly: np.ndarray) -> float:
    """Unsigned shoelace area."""
    if len(poly) < 3:
        return 0.0
    x, y = poly[:, 0], poly[:, 1]
    return float(abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2.0)


def _orientation(poly: np.ndarray) -> float:
    x, y = poly[:, 0], poly[:, 1]
    return float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def _is_convex(poly: np.ndarray) -> bool:
    if len(poly) < 3:
        return False
    d1 = np.roll(poly, -1, axis=0) - poly
    d2 = np.roll(d1, -1, axis=0)
    cross = d1[:, 0] * d2[:, 1] - d1[:, 1] * d2[:, 0]
    cross = cross[np.abs(cross) > 1e-12]
    return bool(len(cross) == 0 or np.all(cross > 0) or np.all(cross < 0))


def _convex_hull(points: np.ndarray) -> np.ndarray:
    """Andrew's monotone chain; counter-clockwise hull."""
    pts = sorted(set(map(tuple, np.asarray(points, dtype=np.float64))))
    if len(pts) < 3:
        return np.array(pts, dtype=np.float64).reshape(-1, 2)

    def cross(o, a, b):
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list = []
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return np.array(lower[:-1] + upper[:-1], dtype=np.float64)


def clip_polygon(subject: np.ndarray, clip: np.ndarray) -> np.ndarray:
    """Part of ``subject`` (any simple polygon) inside the *convex* polygon ``clip``
    (Sutherland-Hodgman, clipping against one edge of ``clip`` at a time)."""
    if len(subject) < 3 or len(clip) < 3:
        return np.zeros((0, 2))
    if _orientation(clip) < 0:
        clip = clip[::-1]
    out = [tuple(p) for p in subject]
    for i in range(len(clip)):
        a, b = clip[i], clip[(i + 1) % len(clip)]
        ex, ey = b[0] - a[0], b[1] - a[1]

        def side(p):
            return ex * (p[1] - a[1]) - ey * (p[0] - a[0])

        src, out = out, []
        if not src:
            break
        prev = src[-1]
        sp = side(prev)
        for cur in src:
            sc = side(cur)
            if sc >= 0:
                if sp < 0:
                    t = sp / (sp - sc)
                    out.append((prev[0] + t * (cur[0] - prev[0]), prev[1] + t * (cur[1] - prev[1])))
                out.append(cur)
            elif sp >= 0:
                t = sp / (sp - sc)
                out.append((prev[0] + t * (cur[0] - prev[0]), prev[1] + t * (cur[1] - prev[1])))
            prev, sp = cur, sc
    return np.array(out, dtype=np.float64).reshape(-1, 2)


def region_overlap(a, b, bounds: tuple[float, float] | None = None) -> float:
    """Overlap (intersection over union) of two regions, each bounded to the image first.

    ``bounds = (W, H)``: both regions are clipped to ``[0, W] x [0, H]`` before measuring, as VOT
    does for its supervised experiments. Regions are xywh rectangles or polygons; the
    intersection is exact geometry (the vot-toolkit rasterises, which differs by a fraction of a
    pixel on polygon edges). If neither polygon is convex, the second is replaced by its convex
    hull. An empty region overlaps nothing (0).
    """
    pa, pb = region_to_polygon(a), region_to_polygon(b)
    if bounds is not None:
        w, h = bounds
        rect = np.array([[0.0, 0.0], [w, 0.0], [w, h], [0.0, h]])
        pa, pb = clip_polygon(pa, rect), clip_polygon(pb, rect)
    area_a, area_b = polygon_area(pa), polygon_area(pb)
    if area_a <= 0 or area_b <= 0:
        return 0.0
    if _is_convex(pb):
        inter = polygon_area(clip_polygon(pa, pb))
    elif _is_convex(pa):
        inter = polygon_area(clip_polygon(pb, pa))
    else:
        inter = polygon_area(clip_polygon(pa, _convex_hull(pb)))
    union = area_a + area_b - inter
    return float(min(max(inter / union, 0.0), 1.0)) if union > 0 else 0.0


def polygon_bbox(region) -> np.ndarray:
    """Axis-aligned xywh box around a region (used to initialise box trackers on VOT)."""
    p = region_to_polygon(region)
    if len(p) == 0:
        return np.full(4, np.nan)
    x0, y0 = p.min(axis=0)
    x1, y1 = p.max(axis=0)
    return np.array([x0, y0, x1 - x0, y1 - y0])


# --------------------------------------------------------------------------------------------
# VOT supervised ("baseline") experiment

INIT, FAILURE, SKIPPED = 1, 2, 0
"""Special codes in a VOT trajectory (and in its result file, one per line)."""


def is_special(entry) -> bool:
    return isinstance(entry, (int, np.integer))


def vot_supervised_run(n_frames: int, gt_regions, init, update, bounds=None,
                       skip_initialize: int = VOT_SKIP_INITIALIZE,
                       failure_overlap: float = 0.0, timer=None) -> tuple[list, list]:
    """Simulate the VOT supervised protocol for one sequence.

    ``init(i, box_xywh)`` initialises the tracker on frame ``i``; ``update(i)`` returns its region
    for frame ``i``. A frame whose overlap with the ground truth (bounded to the image) is
    ``<= failure_overlap`` is a failure (code 2); the tracker is re-initialised
    ``skip_initialize`` frames later (code 1) and the frames in between are skipped (code 0).
    A re-initialisation frame without usable ground truth moves to the next one that has it.
    Returns ``(trajectory, times)``: a list of codes or regions and per-frame seconds (0 for
    skipped frames). ``timer`` defaults to ``time.perf_counter``.
    """
    timer = timer or time.perf_counter
    traj: list = [SKIPPED] * n_frames
    times = [0.0] * n_frames
    frame = 0
    while frame < n_frames:
        box = polygon_bbox(gt_regions[frame])
        if not (np.all(np.isfinite(box)) and box[2] > 0 and box[3] > 0):
            frame += 1
            continue
        t0 = timer()
        init(frame, box)
        times[frame] = timer() - t0
        traj[frame] = INIT
        frame += 1
        while frame < n_frames:
            t0 = timer()
            region = update(frame)
            times[frame] = timer() - t0
            gt_poly = region_to_polygon(gt_regions[frame])
            if len(gt_poly) and region_overlap(region, gt_regions[frame], bounds) <= failure_overlap:
                traj[frame] = FAILURE
                frame += skip_initialize
                break
            traj[frame] = np.asarray(region, dtype=np.float64)
            frame += 1
    return traj, times


def vot_overlaps(trajectory, gt_regions, bounds=None) -> np.ndarray:
    """Per-frame overlap of a trajectory with the ground truth; 0 for special entries."""
    out = np.zeros(len(trajectory))
    for i, entry in enumerate(trajectory):
        if not is_special(entry):
            out[i] = region_overlap(entry, gt_regions[i], bounds)
    return out


def vot_accuracy(trajectory, gt_regions, bounds=None, burnin: int = VOT_BURNIN) -> tuple[float, int]:
    """Mean overlap of one run, leaving out the ``burnin`` frames that start at every
    (re)initialisation, failure and skipped frames, and frames whose ground truth is empty.
    Returns ``(accuracy, frames used)``; ``(0, 0)`` when no frame is usable."""
    n = len(trajectory)
    mask = np.ones(n, dtype=bool)
    for i, entry in enumerate(trajectory):
        if is_special(entry):
            if entry == INIT:
                mask[i:min(n, i + burnin)] = False
            mask[i] = False
        elif len(region_to_polygon(gt_regions[i])) == 0:
            mask[i] = False
    if not mask.any():
        return 0.0, 0
    ov = vot_overlaps(trajectory, gt_regions, bounds)
    return float(np.mean(ov[mask])), int(mask.sum())


def count_failures(trajectory) -> int:
    return sum(1 for e in trajectory if is_special(e) and e == FAILURE)


def vot_ar(sequences: dict, burnin: int = VOT_BURNIN, sensitivity: float = VOT_SENSITIVITY) -> dict:
    """Accuracy and robustness over a data set, vot-toolkit style.

    ``sequences`` maps a name to ``{"runs": [trajectory, ...], "gt": regions, "bounds": (W, H)}``.
    Per sequence: accuracy and failures averaged over repetitions. Overall: both weighted by
    sequence length; reliability ``exp(-S * F / L)`` with F the length-weighted mean failures
    and L the mean length (S = 30). Also the pysot-style numbers: ``lost`` (failures summed over
    sequences, mean over repetitions) and ``robustness_per100`` (failures per 100 frames).
    """
    per_seq = {}
    acc_w = fail_w = total_len = 0.0
    for name, item in sequences.items():
        runs, gt, bounds = item["runs"], item["gt"], item.get("bounds")
        if not runs:
            raise ValueError(f"no runs for sequence {name}")
        length = len(gt)
        accs = [vot_accuracy(t, gt, bounds, burnin)[0] for t in runs]
        fails = [count_failures(t) for t in runs]
        a, f = float(np.mean(accs)), float(np.mean(fails))
        per_seq[name] = {"accuracy": a, "failures": f, "length": length,
                         "reliability": math.exp(-sensitivity * f / length) if length else 1.0}
        acc_w += a * length
        fail_w += f * length
        total_len += length
    if total_len == 0:
        raise ValueError("no frames")
    failures = fail_w / total_len
    mean_len = total_len / len(per_seq)
    lost = float(sum(s["failures"] for s in per_seq.values()))
    return {
        "accuracy": acc_w / total_len,
        "failures": failures,
        "reliability": math.exp(-sensitivity * failures / mean_len),
        "lost": lost,
        "robustness_per100": 100.0 * lost / total_len,
        "frames": int(total_len),
        "per_sequence": per_seq,
    }


def vot_eao_curve(sequences: dict) -> np.ndarray:
    """Expected-average-overlap curve, index ``n`` = number of frames after the initialisation.

    Each run is cut into fragments, one per (re)initialisation. A fragment that ends in a
    failure is padded with zeros to the length of the longest fragment; one that reaches the end
    of the sequence is used only up to its own length. The value at ``n`` is the mean, over the
    fragments defined at ``n``, of the fragment's average overlap over frames ``1..n`` (the
    initialisation frame is excluded). Every fragment has weight 1 (vot-toolkit).
    """
    frags: list[tuple[np.ndarray, bool]] = []
    for item in sequences.values():
        gt, bounds = item["gt"], item.get("bounds")
        for traj in item["runs"]:
            ov = vot_overlaps(traj, gt, bounds)
            inits = [i for i, e in enumerate(traj) if is_special(e) and e == INIT]
            fails = [i for i, e in enumerate(traj) if is_special(e) and e == FAILURE]
            for k, s in enumerate(inits):
                nxt = [f for f in fails if f > s]
                if nxt:
                    frags.append((ov[s:nxt[0]], True))
                else:
                    frags.append((ov[s:], False))
    if not frags:
        return np.zeros(0)
    max_len = max(len(f) for f, _ in frags)
    values = np.zeros((len(frags), max_len))
    mask = np.zeros((len(frags), max_len), dtype=bool)
    for i, (f, failed) in enumerate(frags):
        values[i, :len(f)] = f
        mask[i, :] = True if failed else False
        if not failed:
            mask[i, :len(f)] = True
    running = np.zeros_like(values)
    csum = np.cumsum(values[:, 1:], axis=1)
    running[:, 1:] = csum / np.arange(1, max_len)[None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        curve = (running * mask).sum(axis=0) / mask.sum(axis=0)
    return curve


def vot_eao(sequences: dict, interval: tuple[int, int] | str = "vot2018") -> float:
    """EAO: mean of the EAO curve over an inclusive length interval (or a year's name).

    NaN when the curve does not reach the interval (all sequences shorter and no failures)."""
    return eao_from_curve(vot_eao_curve(sequences), interval)


def eao_from_curve(curve: np.ndarray, interval: tuple[int, int] | str = "vot2018") -> float:
    """Mean of an EAO curve over an inclusive interval; NaN when the curve does not reach it."""
    low, high = EAO_INTERVALS[interval] if isinstance(interval, str) else interval
    part = np.asarray(curve, dtype=np.float64)[low:high + 1]
    part = part[np.isfinite(part)]
    return float(np.mean(part)) if len(part) else float("nan")


def vot_summary(sequences: dict, burnin: int = VOT_BURNIN) -> dict:
    """A/R plus EAO for every year's interval, plus the EAO curve itself."""
    out = vot_ar(sequences, burnin=burnin)
    curve = vot_eao_curve(sequences)
    out["eao"] = {year: eao_from_curve(curve, year) for year in EAO_INTERVALS}
    out["eao_curve"] = [float(v) if np.isfinite(v) else None for v in curve]
    return out
