"""Region overlap as the VOT toolkit (0.9) computes it for its multi-start analyses.

Both regions become pixel sets: a rectangle x, y, w, h covers columns round(x) .. round(x) +
round(w) - 1 (each value rounded half to even first) and rows likewise; a mask covers its set
pixels at its offset; a code ('no region') covers nothing. The overlap is intersection over union
of the two pixel sets inside the window spanned by both regions' extents clipped to the image,
with the toolkit's two rules for degenerate windows: when the extents' union is not at least two
pixels wide and tall, the overlap is 1 (two empty regions agree); when the clipped window is not,
it is 0. An empty region's extent is the point (0, 0), so it widens the window towards the
image's corner, which changes nothing but the window. Bounding by the image (``bounds``) is the
toolkit's default. A pure function of its arguments.
"""

from __future__ import annotations

import numpy as np

from lighttrack.data.vot_regions import EMPTY, MASK, RECT, Region, mask_extent

Window = tuple[int, int, int, int]  # left, top, right, bottom, inclusive


def _rect(region: Region) -> tuple[int, int, int, int]:
    x, y, w, h = (int(v) for v in np.round(np.asarray(region.values, dtype=np.float64)))
    return x, y, w, h


def region_extent(region: Region) -> Window:
    """The extent the toolkit gives a region (inclusive corners)."""
    if region.kind == RECT:
        x, y, w, h = _rect(region)
        return (x, y, x + w - 1, y + h - 1)
    if region.kind == MASK:
        left, top, right, bottom = mask_extent(region.mask)
        ox, oy = region.offset
        return (left + ox, top + oy, right + ox, bottom + oy)
    return (0, 0, 0, 0)


def rasterize(region: Region, window: Window) -> np.ndarray:
    """The region's pixels inside ``window`` as a boolean array of the window's size."""
    left, top, right, bottom = window
    out = np.zeros((bottom - top + 1, right - left + 1), dtype=bool)
    if region.kind == RECT:
        x, y, w, h = _rect(region)
        if x > right or x + w - 1 < left or y > bottom or y + h - 1 < top:
            return out
        out[max(y, top) - top:min(y + h - 1, bottom) - top + 1, max(x, left) - left:min(x + w - 1, right) - left + 1] = True
    elif region.kind == MASK and region.mask is not None and region.mask.size:
        ox, oy = region.offset
        mh, mw = region.mask.shape
        x1, y1 = max(ox, left), max(oy, top)
        x2, y2 = min(ox + mw - 1, right), min(oy + mh - 1, bottom)
        if x1 <= x2 and y1 <= y2:
            out[y1 - top:y2 - top + 1, x1 - left:x2 - left + 1] = region.mask[y1 - oy:y2 - oy + 1, x1 - ox:x2 - ox + 1] > 0
    elif region.kind not in (EMPTY, MASK):
        raise ValueError(f"the multi-start overlap reads rectangles and masks, not a {region.kind}")
    return out


def vot_overlap(a: Region, b: Region, bounds: tuple[int, int] | None) -> float:
    """Overlap of two regions in an image of ``bounds`` = (width, height) (None: unbounded)."""
    ea, eb = region_extent(a), region_extent(b)
    union = (min(ea[0], eb[0]), min(ea[1], eb[1]), max(ea[2], eb[2]), max(ea[3], eb[3]))
    if union[0] >= union[2] or union[1] >= union[3]:
        return 1.0
    if bounds is not None:
        window = (max(0, union[0]), max(0, union[1]), min(bounds[0] - 1, union[2]), min(bounds[1] - 1, union[3]))
    else:
        window = union
    if window[0] >= window[2] or window[1] >= window[3]:
        return 0.0
    ma, mb = rasterize(a, window), rasterize(b, window)
    union_px = int(np.count_nonzero(ma | mb))
    return float(np.count_nonzero(ma & mb)) / union_px if union_px else 0.0
