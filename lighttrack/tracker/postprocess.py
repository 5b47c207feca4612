"""Post-processing of one frame's network outputs: pure functions on numpy arrays (spec §6).

Numerics follow the official tracker so the golden boxes come out bit for bit: the probability
and the distances stay float32 as the network returns them, everything else is float64, and the
operations run in the official order (see the fixture README, steps 6-13).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch

from lighttrack.geometry import grid_points, score_size


@dataclass(frozen=True)
class ScoreMaps:
    """Per-search-size constants: the Hann window and the grid points, float64 (S, S)."""

    search_size: int
    size: int
    window: np.ndarray
    gx: np.ndarray
    gy: np.ndarray


@lru_cache(maxsize=8)
def score_maps(search_size: int) -> ScoreMaps:
    size = score_size(search_size)
    hann = np.hanning(size)
    window = np.outer(hann, hann)
    gx, gy = grid_points(search_size)
    maps = ScoreMaps(search_size, size, window, gx.astype(np.float64), gy.astype(np.float64))
    for array in (maps.window, maps.gx, maps.gy):
        array.setflags(write=False)
    return maps


def sigmoid(logits: np.ndarray) -> np.ndarray:
    """float32 sigmoid computed by torch, whose rounding the official tracker's scores carry."""
    return torch.sigmoid(torch.from_numpy(np.ascontiguousarray(logits, dtype=np.float32))).numpy()


@dataclass(frozen=True)
class Step:
    """The outcome of one frame for one target."""

    center: np.ndarray  # (2,) float64 cx, cy in image pixels (clamped to the frame)
    size: np.ndarray  # (2,) float64 w, h in image pixels (clamped)
    score: float  # probability at the chosen cell, before penalty and window
    row: int
    col: int
    margin: float  # best minus second-best final score (how decisive the choice was)
    lr: float  # effective size learning rate at the chosen cell (penalty * prob * lr)
    valid: bool = True  # False when the network gave no finite score (state kept)
    measured: np.ndarray | None = None  # the chosen cell's own x, y, w, h (image pixels), before correction and smoothing


def _change(r: np.ndarray) -> np.ndarray:
    return np.maximum(r, 1.0 / r)


def _sz(w, h):
    pad = (w + h) * 0.5
    return np.sqrt((w + pad) * (h + pad))


def track_step(
    prob: np.ndarray,
    ltrb: np.ndarray,
    center: np.ndarray,
    size: np.ndarray,
    scale_z: float,
    search_size: int,
    image_wh: tuple[int, int],
    penalty_k: float,
    window_influence: float,
    lr: float,
    double_smoothing: bool = True,
    min_size: float = 10.0,
    correction: np.ndarray | None = None,
    vote_radius: int = 0,
) -> Step:
    """Pick the best cell and update the target state.

    prob: (S, S) float32 sigmoid scores; ltrb: (4, S, S) float32 distances in search-patch
    pixels; center/size: the state before this frame (image pixels); scale_z: image -> patch
    scale of this frame's crop. The centre moves without smoothing; the size moves by lr_eff
    (lr_eff² when ``double_smoothing``, the official behaviour). ``correction``: the network's
    bias on this target (:func:`box_bias`), taken off the chosen box before it is used.
    ``vote_radius`` r > 0: the box is the mean of the (2r+1)² cells around the chosen one,
    weighted by their final scores, rather than the chosen cell's alone.
    """
    maps = score_maps(search_size)
    with np.errstate(all="ignore"):
        ltrb = ltrb.astype(np.float64)
        x1 = maps.gx - ltrb[0]
        y1 = maps.gy - ltrb[1]
        x2 = maps.gx + ltrb[2]
        y2 = maps.gy + ltrb[3]
        target = size * scale_z  # target size in patch pixels
        w_pred = x2 - x1
        h_pred = y2 - y1
        s_c = _change(_sz(w_pred, h_pred) / _sz(target[0], target[1]))
        r_c = _change((target[0] / target[1]) / (w_pred / h_pred))
        penalty = np.exp(-(r_c * s_c - 1) * penalty_k)
        pscore = penalty * prob
        pscore = pscore * (1 - window_influence) + maps.window * window_influence
        flat = pscore.ravel()
        if not np.isfinite(flat).all():
            flat = np.where(np.isfinite(flat), flat, -np.inf)
        best = int(np.argmax(flat))
        row, col = divmod(best, maps.size)
        if not np.isfinite(flat[best]):
            return Step(center.copy(), size.copy(), 0.0, row, col, 0.0, 0.0, valid=False)
        margin = float(flat[best] - np.partition(flat, -2)[-2]) if flat.size > 1 else 0.0

        bx1, by1, bx2, by2 = x1[row, col], y1[row, col], x2[row, col], y2[row, col]
        if vote_radius > 0:
            rows = slice(max(0, row - vote_radius), row + vote_radius + 1)
            cols = slice(max(0, col - vote_radius), col + vote_radius + 1)
            near = [a[rows, cols] for a in (x1, y1, x2, y2)]
            usable = np.isfinite(pscore[rows, cols]) & np.logical_and.reduce([np.isfinite(a) for a in near])
            weight = np.where(usable, np.maximum(pscore[rows, cols], 0.0), 0.0)
            if weight.sum() > 0:
                weight = weight / weight.sum()
                bx1, by1, bx2, by2 = (float(np.where(usable, a, 0.0).ravel() @ weight.ravel()) for a in near)
        dx = ((bx1 + bx2) / 2 - search_size // 2) / scale_z
        dy = ((by1 + by2) / 2 - search_size // 2) / scale_z
        pred_w = (bx2 - bx1) / scale_z
        pred_h = (by2 - by1) / scale_z
        measured = np.array([center[0] + dx - pred_w / 2, center[1] + dy - pred_h / 2, pred_w, pred_h])
        if correction is not None:
            dx -= correction[0] * pred_w
            dy -= correction[1] * pred_h
            pred_w *= np.exp(-correction[2])
            pred_h *= np.exp(-correction[3])
        old = target / scale_z
        rate = penalty[row, col] * prob[row, col] * lr

        new_center = np.array([center[0] + dx, center[1] + dy])
        blend = np.array([pred_w * rate + (1 - rate) * old[0], pred_h * rate + (1 - rate) * old[1]])
        new_size = old * (1 - rate) + rate * blend if double_smoothing else blend

    new_center, new_size = clamp_state(new_center, new_size, image_wh, min_size)
    if not (np.isfinite(new_center).all() and np.isfinite(new_size).all()):
        return Step(center.copy(), size.copy(), 0.0, row, col, 0.0, 0.0, valid=False)
    return Step(new_center, new_size, float(prob[row, col]), row, col, margin, float(rate), measured=measured)


def clamp_state(center: np.ndarray, size: np.ndarray, image_wh: tuple[int, int], min_size: float) -> tuple[np.ndarray, np.ndarray]:
    """A target's centre kept inside the frame and its size between ``min_size`` and the frame's
    (in place, as the official tracker does after every step)."""
    width, height = image_wh
    center[0] = max(0.0, min(float(width), center[0]))
    center[1] = max(0.0, min(float(height), center[1]))
    size[0] = max(min_size, min(float(width), size[0]))
    size[1] = max(min_size, min(float(height), size[1]))
    return center, size


def box_bias(predicted: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """How a predicted x, y, w, h box misses the true one, in the predicted box's own units:
    centre offsets over its width and height, then log size ratios (the form ``track_step``'s
    ``correction`` takes off)."""
    p = np.asarray(predicted, np.float64)
    t = np.asarray(truth, np.float64)
    return np.array([
        (p[0] + p[2] / 2 - t[0] - t[2] / 2) / p[2],
        (p[1] + p[3] / 2 - t[1] - t[3] / 2) / p[3],
        np.log(p[2] / t[2]),
        np.log(p[3] / t[3]),
    ])


def result_box(center: np.ndarray, size: np.ndarray, clamp_xy: bool = True) -> np.ndarray:
    """x, y, w, h from the state; the official result files clamp x and y at 0 (w, h untouched)."""
    x = center[0] - size[0] / 2
    y = center[1] - size[1] / 2
    if clamp_xy:
        x, y = max(0.0, x), max(0.0, y)
    return np.array([x, y, size[0], size[1]], dtype=np.float64)
