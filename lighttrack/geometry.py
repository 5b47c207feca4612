"""Box and grid geometry shared by training labels and the tracker.

Pure functions on numbers and numpy arrays. Boxes are ``x, y, w, h`` (top-left corner, pixels)
unless a name says otherwise. The output grid is the single definition used both to build
training targets and to decode network outputs, so the two can never drift apart.
"""

from __future__ import annotations

import numpy as np

STRIDE = 16
"""Total stride of the tracker's backbone output (the stride-16 positions)."""


def score_size(search_size: int, stride: int = STRIDE) -> int:
    """Side of the score map for a square search patch (16 for 256, 18 for 288)."""
    return int(round(search_size / stride))


def grid_points(search_size: int, stride: int = STRIDE) -> tuple[np.ndarray, np.ndarray]:
    """Patch-pixel coordinates (gx, gy) of every score-map cell, each (S, S), float32.

    LightTrack places cell (i, j) at ``(j - S//2) * stride + search_size//2`` (and likewise for
    rows), which is the top-left corner of the cell rather than its centre. Training and tracking
    must agree on this, so both call this function.
    """
    size = score_size(search_size, stride)
    offsets = (np.arange(size, dtype=np.float32) - size // 2) * stride + search_size // 2
    gx, gy = np.meshgrid(offsets, offsets)
    return gx, gy


def ltrb_to_boxes(ltrb: np.ndarray, search_size: int, stride: int = STRIDE) -> np.ndarray:
    """Decode (4, S, S) left/top/right/bottom distances into (4, S, S) corner boxes x1,y1,x2,y2."""
    gx, gy = grid_points(search_size, stride)
    return np.stack([gx - ltrb[0], gy - ltrb[1], gx + ltrb[2], gy + ltrb[3]])


def xywh_to_xyxy(box) -> np.ndarray:
    b = np.asarray(box, dtype=np.float64)
    return np.concatenate([b[..., :2], b[..., :2] + b[..., 2:4]], axis=-1)


def xyxy_to_xywh(box) -> np.ndarray:
    b = np.asarray(box, dtype=np.float64)
    return np.concatenate([b[..., :2], b[..., 2:4] - b[..., :2]], axis=-1)


def xywh_to_cxcywh(box) -> np.ndarray:
    b = np.asarray(box, dtype=np.float64)
    return np.concatenate([b[..., :2] + b[..., 2:4] / 2, b[..., 2:4]], axis=-1)


def cxcywh_to_xywh(box) -> np.ndarray:
    b = np.asarray(box, dtype=np.float64)
    return np.concatenate([b[..., :2] - b[..., 2:4] / 2, b[..., 2:4]], axis=-1)


def context_size(w: float, h: float, context_amount: float = 0.5) -> float:
    """Side of the square crop around a w x h target with LightTrack's context margin."""
    pad = context_amount * (w + h)
    return float(np.sqrt((w + pad) * (h + pad)))


def is_valid_box(box) -> bool:
    """True for a finite box with positive width and height."""
    b = np.asarray(box, dtype=np.float64)
    return bool(b.shape[-1] == 4 and np.all(np.isfinite(b)) and b[2] > 0 and b[3] > 0)
