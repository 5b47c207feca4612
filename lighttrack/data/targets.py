"""Training labels on the exact grid the tracker decodes (``lighttrack.geometry.grid_points``).

Rules of the LightTrack recipe (spec §7.2): the centre cell is ``S//2 + int(-shift/stride)`` per
axis, where ``shift`` is how far the target centre sits from the patch centre; a cell is positive
when its city-block distance to the centre cell is at most ``16/stride`` (a 5-cell diamond at
stride 16); there is no ignore band. Regression targets are the l,t,r,b distances from each grid
point to the box sides, weighted 1 where the grid point lies strictly inside the box. Negative
pairs get all-zero classification labels and zero regression weight.
"""

from __future__ import annotations

import numpy as np

from lighttrack.geometry import STRIDE, grid_points, score_size


def centre_cell(box_xyxy, search_size: int, stride: int = STRIDE) -> tuple[int, int]:
    """(row, col) of the centre cell: the target's shift from the patch centre, in whole cells
    (truncated toward zero, as the recipe does)."""
    x1, y1, x2, y2 = (float(v) for v in box_xyxy)
    size = score_size(search_size, stride)
    shift_x = search_size / 2 - (x1 + x2) / 2
    shift_y = search_size / 2 - (y1 + y2) / 2
    return size // 2 + int(-shift_y / stride), size // 2 + int(-shift_x / stride)


def make_targets(box_xyxy, search_size: int, stride: int = STRIDE, negative: bool = False) -> dict[str, np.ndarray]:
    """``cls_label`` (S,S), ``reg_target`` (4,S,S) and ``reg_weight`` (S,S), all float32.

    ``box_xyxy`` is the target's corners in search-patch pixels.
    """
    size = score_size(search_size, stride)
    gx, gy = grid_points(search_size, stride)
    x1, y1, x2, y2 = (np.float32(v) for v in box_xyxy)
    reg = np.stack([gx - x1, gy - y1, x2 - gx, y2 - gy]).astype(np.float32)
    if negative:
        zeros = np.zeros((size, size), np.float32)
        return {"cls_label": zeros, "reg_target": reg, "reg_weight": zeros.copy()}
    row, col = centre_cell(box_xyxy, search_size, stride)
    rows, cols = np.mgrid[0:size, 0:size]
    r_pos = 16 / stride
    cls = ((np.abs(rows - row) + np.abs(cols - col)) <= r_pos).astype(np.float32)
    weight = np.all(reg > 0, axis=0).astype(np.float32)
    return {"cls_label": cls, "reg_target": reg, "reg_weight": weight}
