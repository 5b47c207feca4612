"""LightTrack's own step: one frame's network outputs to a target's new state, as pure functions
on numpy arrays (spec §6).

:func:`lighttrack_step` = :func:`choose_cell` (penalties and cosine window) then :func:`move`
(jump the centre, smooth the size, clamp). What lighttrack adds around it (box voting,
first-frame calibration, template alignment) lives in :mod:`lighttrack.tracker.refiners` and is
composed by the Tracker between and after these two halves; nothing here knows of it.

Numerics follow the official tracker so the golden boxes come out bit for bit: the probability
and the distances stay float32 as the network returns them, everything else is float64, and the
operations run in the official order (see the fixture README, steps 6-13).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

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
    """float32 sigmoid. Where torch is loaded (the torch backend, training, the tests) torch computes
    it, because its rounding is what the official tracker's scores carry (the golden boxes come out
    bit for bit); a plain install has no torch and computes it in numpy, which differs from torch
    by at most one float32 step (1.2e-7) in about one value of six."""
    logits = np.ascontiguousarray(logits, dtype=np.float32)
    torch = sys.modules.get("torch")
    if torch is not None:
        return torch.sigmoid(torch.from_numpy(logits)).numpy()
    with np.errstate(over="ignore"):  # exp(88+) is inf, and 1/(1+inf) the right 0
        return np.float32(1) / (np.float32(1) + np.exp(-logits))


@dataclass(frozen=True)
class StepRates:
    """LightTrack's own tracking hyperparameters (spec §6): the cosine-window and scale/ratio
    penalty that pick the cell, the size learning rate and the official quirks."""

    penalty_k: float
    window_influence: float
    lr: float
    double_smoothing: bool = True
    min_size: float = 10.0

    @classmethod
    def of(cls, preset) -> "StepRates":
        return cls(preset.penalty_k, preset.window_influence, preset.lr, preset.double_smoothing, preset.min_size)


@dataclass(frozen=True)
class StepInputs:
    """One target's network outputs in one frame and the state they were searched from.

    prob: (S, S) float32 sigmoid scores; ltrb: (4, S, S) float32 distances in search-patch
    pixels; center / size: the state before this frame (image pixels); scale_z: image -> patch
    scale of this frame's crop; image_wh: the frame's width and height (for the clamps).
    """

    prob: np.ndarray
    ltrb: np.ndarray
    center: np.ndarray
    size: np.ndarray
    scale_z: float
    search_size: int
    image_wh: tuple[int, int]


@dataclass(frozen=True)
class CellChoice:
    """The scored maps and the cell LightTrack chose: final scores (penalty x probability, then
    the cosine window), the penalty, each cell's box in patch pixels (x1, y1, x2, y2 maps), and
    how decisive the choice was (best minus second-best score). ``valid`` is False when the
    network gave no finite score."""

    row: int
    col: int
    margin: float
    pscore: np.ndarray
    penalty: np.ndarray
    boxes: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
    valid: bool = True


@dataclass(frozen=True)
class Reading:
    """The box a step moves towards: its centre's offset from the previous centre (dx, dy) and
    its width and height, in image pixels."""

    dx: float
    dy: float
    w: float
    h: float

    def box(self, center: np.ndarray) -> np.ndarray:
        """As x, y, w, h in image pixels, given the centre the frame was searched from."""
        return np.array([center[0] + self.dx - self.w / 2, center[1] + self.dy - self.h / 2, self.w, self.h])


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
    measured: np.ndarray | None = None  # the reading the state moved towards, as x, y, w, h (image pixels)


def _change(r: np.ndarray) -> np.ndarray:
    return np.maximum(r, 1.0 / r)


def _sz(w, h):
    pad = (w + h) * 0.5
    return np.sqrt((w + pad) * (h + pad))


def choose_cell(inputs: StepInputs, rates: StepRates) -> CellChoice:
    """Score every cell (scale and ratio change penalty x probability, blended with the cosine
    window) and pick the best: the first half of LightTrack's step."""
    maps = score_maps(inputs.search_size)
    prob = inputs.prob
    with np.errstate(all="ignore"):
        ltrb = inputs.ltrb.astype(np.float64)
        x1 = maps.gx - ltrb[0]
        y1 = maps.gy - ltrb[1]
        x2 = maps.gx + ltrb[2]
        y2 = maps.gy + ltrb[3]
        target = inputs.size * inputs.scale_z  # target size in patch pixels
        w_pred = x2 - x1
        h_pred = y2 - y1
        s_c = _change(_sz(w_pred, h_pred) / _sz(target[0], target[1]))
        r_c = _change((target[0] / target[1]) / (w_pred / h_pred))
        penalty = np.exp(-(r_c * s_c - 1) * rates.penalty_k)
        pscore = penalty * prob
        pscore = pscore * (1 - rates.window_influence) + maps.window * rates.window_influence
        flat = pscore.ravel()
        if not np.isfinite(flat).all():
            flat = np.where(np.isfinite(flat), flat, -np.inf)
        best = int(np.argmax(flat))
        row, col = divmod(best, maps.size)
        if not np.isfinite(flat[best]):
            return CellChoice(row, col, 0.0, pscore, penalty, (x1, y1, x2, y2), valid=False)
        margin = float(flat[best] - np.partition(flat, -2)[-2]) if flat.size > 1 else 0.0
    return CellChoice(row, col, margin, pscore, penalty, (x1, y1, x2, y2))


def reading_of_patch_box(x1, y1, x2, y2, inputs: StepInputs) -> Reading:
    """A box in search-patch pixels as a :class:`Reading` in image pixels."""
    half = inputs.search_size // 2
    with np.errstate(all="ignore"):
        return Reading(((x1 + x2) / 2 - half) / inputs.scale_z, ((y1 + y2) / 2 - half) / inputs.scale_z,
                       (x2 - x1) / inputs.scale_z, (y2 - y1) / inputs.scale_z)


def cell_reading(choice: CellChoice, inputs: StepInputs) -> Reading:
    """The chosen cell's own box: what LightTrack moves towards."""
    r, c = choice.row, choice.col
    return reading_of_patch_box(*(b[r, c] for b in choice.boxes), inputs)


def move(inputs: StepInputs, rates: StepRates, choice: CellChoice, reading: Reading | None) -> Step:
    """The second half of LightTrack's step: the centre jumps to the reading, the size moves by
    lr_eff = penalty x probability x lr at the chosen cell (lr_eff² with ``double_smoothing``,
    the official behaviour), then both are clamped to the frame. An invalid choice keeps the
    state (``reading`` may then be None)."""
    center, prob = inputs.center, inputs.prob
    row, col = choice.row, choice.col
    if not choice.valid or reading is None:
        return Step(center.copy(), inputs.size.copy(), 0.0, row, col, 0.0, 0.0, valid=False)
    with np.errstate(all="ignore"):
        old = inputs.size * inputs.scale_z / inputs.scale_z
        rate = choice.penalty[row, col] * prob[row, col] * rates.lr
        new_center = np.array([center[0] + reading.dx, center[1] + reading.dy])
        blend = np.array([reading.w * rate + (1 - rate) * old[0], reading.h * rate + (1 - rate) * old[1]])
        new_size = old * (1 - rate) + rate * blend if rates.double_smoothing else blend
    new_center, new_size = clamp_state(new_center, new_size, inputs.image_wh, rates.min_size)
    if not (np.isfinite(new_center).all() and np.isfinite(new_size).all()):
        return Step(center.copy(), inputs.size.copy(), 0.0, row, col, 0.0, 0.0, valid=False)
    return Step(new_center, new_size, float(prob[row, col]), row, col, choice.margin, float(rate), measured=reading.box(center))


def lighttrack_step(inputs: StepInputs, rates: StepRates) -> Step:
    """LightTrack's own step for one target in one frame: choose the cell, move to its box."""
    choice = choose_cell(inputs, rates)
    return move(inputs, rates, choice, cell_reading(choice, inputs) if choice.valid else None)


def clamp_state(center: np.ndarray, size: np.ndarray, image_wh: tuple[int, int], min_size: float) -> tuple[np.ndarray, np.ndarray]:
    """A target's centre kept inside the frame and its size between ``min_size`` and the frame's
    (in place, as the official tracker does after every step)."""
    width, height = image_wh
    center[0] = max(0.0, min(float(width), center[0]))
    center[1] = max(0.0, min(float(height), center[1]))
    size[0] = max(min_size, min(float(width), size[0]))
    size[1] = max(min_size, min(float(height), size[1]))
    return center, size


def result_box(center: np.ndarray, size: np.ndarray, clamp_xy: bool = True) -> np.ndarray:
    """x, y, w, h from the state; the official result files clamp x and y at 0 (w, h untouched)."""
    x = center[0] - size[0] / 2
    y = center[1] - size[1] / 2
    if clamp_xy:
        x, y = max(0.0, x), max(0.0, y)
    return np.array([x, y, size[0], size[1]], dtype=np.float64)
