"""Crop geometry and the two crop implementations (official and single-warp).

The geometry follows the official tracker exactly, because one pixel of difference in a crop
corner changes the template and therefore every later box:

- the template side is ``round(sqrt(wc*hc))`` with Python 3 rounding (half to even);
- the search side is ``s_z * search/template`` rounded half *away* from zero;
- the top-left corner is ``round(c - (side+1)/2)`` with half-to-even rounding, and the crop
  covers ``side`` whole pixels from there;
- pixels outside the image take the first frame's mean colour, truncated to uint8.

``official_crop`` copies those pixels (padding where needed) and resizes with ``cv2.resize``
INTER_LINEAR on uint8, bit-exact with the official tracker. ``warp_crop`` produces the same
geometry with one ``cv2.warpAffine`` (no intermediate copy); OpenCV's warp uses a coarser
sub-pixel table than its resize, so a few pixels differ by about one grey level.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from lighttrack.geometry import context_size
from lighttrack.imaging import IMAGENET_MEAN, IMAGENET_STD


def round_half_away(value: float) -> float:
    """Round half away from zero (Python 2 ``round``), as the official search side uses."""
    return math.copysign(math.floor(abs(value) + 0.5), value)


def template_side(w: float, h: float, context_amount: float = 0.5) -> int:
    """Side in image pixels of the template crop (half-to-even rounding, as the official init)."""
    return int(round(context_size(w, h, context_amount)))


@dataclass(frozen=True)
class SearchGeometry:
    """Where the search crop of one frame comes from and how it maps to the patch."""

    scale_z: float  # template_size / s_z: image pixels -> template-patch pixels
    side: int  # s_x, the search crop side in image pixels (rounded)


def search_geometry(
    w: float, h: float, template_size: int, search_size: int, context_amount: float = 0.5
) -> SearchGeometry:
    """The official per-frame computation: unrounded s_z, scale_z and the rounded s_x."""
    s_z = context_size(w, h, context_amount)
    scale_z = template_size / s_z
    pad = ((search_size - template_size) / 2) / scale_z
    s_x = s_z + 2 * pad
    return SearchGeometry(scale_z=scale_z, side=max(1, int(round_half_away(s_x))))


def crop_corner(cx: float, cy: float, side: int) -> tuple[int, int]:
    """Top-left pixel of a ``side``-pixel crop centred on (cx, cy), half-to-even rounding."""
    c = (side + 1) / 2
    return int(round(cx - c)), int(round(cy - c))


def fill_colour(avg_chans: np.ndarray) -> np.ndarray:
    """The padding colour: the mean colour *truncated* to uint8, as the official uint8 buffer does."""
    return np.clip(np.asarray(avg_chans, dtype=np.float64), 0, 255).astype(np.uint8)


class Cropper:
    """Crops square patches into reusable buffers (no per-frame allocation in steady state)."""

    def __init__(self, mode: str = "official") -> None:
        if mode not in ("official", "warp"):
            raise ValueError(f"unknown crop mode {mode!r}")
        self.mode = mode
        self._pad = np.empty((0, 0, 3), np.uint8)

    def crop(
        self,
        frame: np.ndarray,
        cx: float,
        cy: float,
        side: int,
        out_size: int,
        fill: np.ndarray,
        out: np.ndarray | None = None,
    ) -> np.ndarray:
        """An ``out_size`` x ``out_size`` x 3 uint8 patch of ``frame`` (HxWx3 uint8)."""
        if out is None:
            out = np.empty((out_size, out_size, 3), np.uint8)
        x0, y0 = crop_corner(cx, cy, side)
        if self.mode == "warp":
            return warp_crop(frame, x0, y0, side, out_size, fill, out)
        return self._official(frame, x0, y0, side, out_size, fill, out)

    def _official(self, frame, x0, y0, side, out_size, fill, out):
        height, width = frame.shape[:2]
        x1, y1 = x0 + side, y0 + side  # exclusive
        if x0 >= 0 and y0 >= 0 and x1 <= width and y1 <= height:
            patch = frame[y0:y1, x0:x1]
        else:
            if self._pad.shape[0] < side:
                self._pad = np.empty((side, side, 3), np.uint8)
            patch = self._pad[:side, :side]
            patch[...] = fill
            ix0, iy0 = max(x0, 0), max(y0, 0)
            ix1, iy1 = min(x1, width), min(y1, height)
            if ix0 < ix1 and iy0 < iy1:
                patch[iy0 - y0 : iy1 - y0, ix0 - x0 : ix1 - x0] = frame[iy0:iy1, ix0:ix1]
        if side == out_size:
            out[...] = patch
            return out
        return cv2.resize(patch, (out_size, out_size), dst=out, interpolation=cv2.INTER_LINEAR)


def warp_crop(frame, x0: int, y0: int, side: int, out_size: int, fill, out: np.ndarray) -> np.ndarray:
    """The official crop geometry in one ``cv2.warpAffine`` (pixel-centre aligned like cv2.resize)."""
    a = side / out_size
    matrix = np.array([[a, 0.0, x0 + 0.5 * a - 0.5], [0.0, a, y0 + 0.5 * a - 0.5]])
    colour = tuple(float(v) for v in fill)
    return cv2.warpAffine(
        frame,
        matrix,
        (out_size, out_size),
        dst=out,
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=colour,
    )


_MEAN = np.asarray(IMAGENET_MEAN, np.float32).reshape(3, 1, 1)
_STD = np.asarray(IMAGENET_STD, np.float32).reshape(3, 1, 1)
_255 = np.float32(255.0)


def normalize_into(patch_hwc: np.ndarray, out_chw: np.ndarray) -> np.ndarray:
    """uint8 HxWx3 RGB -> float32 3xHxW, /255, -mean, /std in float32 in that order.

    The same IEEE operations as :func:`lighttrack.imaging.normalize_uint8` (bit-exact), written
    into a preallocated buffer.
    """
    np.copyto(out_chw, patch_hwc.transpose(2, 0, 1), casting="unsafe")
    np.divide(out_chw, _255, out=out_chw)
    np.subtract(out_chw, _MEAN, out=out_chw)
    np.divide(out_chw, _STD, out=out_chw)
    return out_chw
