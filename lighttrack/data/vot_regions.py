"""VOT regions as the VOT toolkit stores them: text lines and the binary ``.bin`` trajectory format.

VOT2020+ ground truth is a segmentation mask per frame, run-length encoded either as a text line
``m<x0>,<y0>,<w>,<h>,<runs…>`` (runs alternate 0s and 1s, row-major, starting with 0s) or in the
toolkit's binary format (little-endian: ``int16`` version 1, ``uint32`` count, then per region a
``uint8`` type: 0 special ``uint32`` code, 1 rectangle 4 ``float32``, 2 polygon ``uint16`` n + 2n
``float32``, 3 mask ``int16`` x0, y0, ``uint16`` w, h, n + n ``uint16`` runs, 4 point 2 ``float32``).
Trackers' results use the same forms, a bare number being a code (1 = initialisation).

These are the facts the toolkit relies on, written here so that the VOT reader (boxes for box
trackers) and the multi-start evaluation (overlaps with the masks themselves) read one thing.
A text mask is cropped to its pixels on reading, as the toolkit does, including its rule that a
mask whose pixels all lie in its first column reads as empty.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

EMPTY, RECT, POLYGON, MASK, POINT = "empty", "rect", "polygon", "mask", "point"


class RegionError(ValueError):
    """A region that cannot be read; the message says why (the caller adds file and line)."""


@dataclass(frozen=True, eq=False)
class Region:
    """One VOT region. ``rect``: ``values`` = x, y, w, h; ``polygon``: x1, y1, x2, y2, …;
    ``mask``: ``mask`` (uint8 HxW) placed at ``offset`` (x, y); ``empty``: a code or nothing."""

    kind: str
    values: tuple[float, ...] = ()
    mask: np.ndarray | None = field(default=None, repr=False)
    offset: tuple[int, int] = (0, 0)
    code: int | None = None


def mask_extent(mask: np.ndarray) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of a mask's pixels, inclusive; (0, 0, 0, 0) when it has none."""
    if mask is None or mask.size == 0:
        return (0, 0, 0, 0)
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if not len(rows):
        return (0, 0, 0, 0)
    return (int(cols[0]), int(rows[0]), int(cols[-1]), int(rows[-1]))


def decode_rle(runs, width: int, height: int) -> np.ndarray:
    """A ``height`` x ``width`` uint8 mask from alternating runs of 0s and 1s (row-major)."""
    if width < 0 or height < 0:
        raise RegionError(f"negative mask size {width}x{height}")
    runs = [int(r) for r in runs]
    if any(r < 0 for r in runs):
        raise RegionError("a negative run length")
    if sum(runs) > width * height:
        raise RegionError(f"runs cover {sum(runs)} pixels, more than the {width}x{height} mask holds")
    flat = np.zeros(width * height, dtype=np.uint8)
    pos = 0
    for k, run in enumerate(runs):
        if k % 2:
            flat[pos:pos + run] = 1
        pos += run
    return flat.reshape(height, width)


def cropped_mask(mask: np.ndarray, offset: tuple[int, int]) -> Region:
    """A text mask as the toolkit keeps it: cropped to its pixels (empty when its extent's right
    column is column 0, the toolkit's test for 'no pixels')."""
    left, top, right, bottom = mask_extent(mask)
    if right == 0:
        return Region(MASK, mask=np.zeros((0, 0), np.uint8), offset=(0, 0))
    return Region(MASK, mask=np.ascontiguousarray(mask[top:bottom + 1, left:right + 1]),
                  offset=(offset[0] + left, offset[1] + top))


def parse_region(text: str) -> Region:
    """One text line of a VOT ground-truth or result file; RegionError says why it cannot be read."""
    text = text.strip()
    if not text:
        raise RegionError("an empty line")
    if text[0] == "m":
        try:
            values = [int(v) for v in text[1:].split(",")]
        except ValueError:
            raise RegionError("a mask line must hold integers m<x0>,<y0>,<w>,<h>,<runs…>") from None
        if len(values) < 4:
            raise RegionError("a mask line needs x0, y0, width, height and runs")
        x0, y0, w, h = values[:4]
        return cropped_mask(decode_rle(values[4:], w, h), (x0, y0))
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise RegionError(f"cannot read numbers from {text[:60]!r}") from None
    if len(values) == 1:
        return Region(EMPTY, code=int(values[0]))
    shape = len(values) in (2, 4) or (len(values) > 4 and len(values) % 2 == 0)
    if shape and any(math.isnan(v) for v in values):
        return Region(EMPTY, code=0)  # the toolkit reads a region with a NaN as 'no region'
    if len(values) == 2:
        return Region(POINT, tuple(values))
    if len(values) == 4:
        return Region(RECT, tuple(values))
    if len(values) > 4 and len(values) % 2 == 0:
        return Region(POLYGON, tuple(values))
    raise RegionError(f"{len(values)} numbers: a region is 1 (a code), 4 (x,y,w,h) or an even number > 4")


def is_binary_regions(data: bytes) -> bool:
    """The toolkit's test: a file whose first int16 is 1 is binary."""
    return len(data) >= 2 and struct.unpack("<h", data[:2])[0] == 1


def parse_binary_regions(data: bytes) -> list[Region]:
    """Every region of a binary trajectory; RegionError names the region (0-based frame) that fails."""
    pos = 0

    def take(fmt: str, k: int):
        nonlocal pos
        size = struct.calcsize(fmt)
        if pos + size > len(data):
            raise RegionError(f"region {k}: the file ends inside it (truncated)")
        out = struct.unpack_from(fmt, data, pos)
        pos += size
        return out

    _, count = take("<hI", -1)
    regions = []
    for k in range(count):
        (kind,) = take("<B", k)
        if kind == 0:
            regions.append(Region(EMPTY, code=take("<I", k)[0]))
        elif kind == 1:
            regions.append(Region(RECT, tuple(float(v) for v in take("<ffff", k))))
        elif kind == 2:
            (n,) = take("<H", k)
            regions.append(Region(POLYGON, tuple(float(v) for v in take(f"<{2 * n}f", k))))
        elif kind == 3:
            x0, y0, w, h, n = take("<hhHHH", k)
            try:
                mask = decode_rle(take(f"<{n}H", k), w, h)
            except RegionError as err:
                raise RegionError(f"region {k}: mask does not decode: {err}") from None
            regions.append(Region(MASK, mask=mask, offset=(x0, y0)))  # binary masks are kept as stored
        elif kind == 4:
            regions.append(Region(POINT, tuple(float(v) for v in take("<ff", k))))
        else:
            raise RegionError(f"region {k}: unknown region type {kind}")
    return regions


def read_regions(path: str | Path) -> list[Region]:
    """All regions of a VOT region file (text or binary); RegionError names ``path`` and the line
    (text) or the region's 0-based index (binary). Trailing blank lines are ignored."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise RegionError(f"cannot read {path}: {err.strerror or err}") from None
    if is_binary_regions(data):
        try:
            return parse_binary_regions(data)
        except RegionError as err:
            raise RegionError(f"{path}: {err}") from None
    lines = data.decode("utf-8", errors="replace").splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    out = []
    for i, line in enumerate(lines, 1):
        try:
            out.append(parse_region(line))
        except RegionError as err:
            raise RegionError(f"{path}:{i}: {err}") from None
    return out


def region_box(region: Region) -> np.ndarray:
    """Axis-aligned x, y, w, h covering a region (what a box tracker is given); NaN when empty."""
    if region.kind == RECT:
        return np.asarray(region.values, dtype=np.float64)
    if region.kind == POLYGON:
        pts = np.asarray(region.values, dtype=np.float64).reshape(-1, 2)
        (x1, y1), (x2, y2) = pts.min(axis=0), pts.max(axis=0)
        return np.array([x1, y1, x2 - x1, y2 - y1])
    if region.kind == MASK and region.mask is not None and region.mask.any():
        left, top, right, bottom = mask_extent(region.mask)
        return np.array([region.offset[0] + left, region.offset[1] + top, right - left + 1, bottom - top + 1], float)
    return np.full(4, np.nan)


def region_is_empty(region: Region) -> bool:
    """The toolkit's emptiness: codes; rectangles without positive size; masks whose pixel extent
    ends in column 0 or row 0 (its test, kept for agreement)."""
    if region.kind == RECT:
        return not (region.values[2] > 0 and region.values[3] > 0)
    if region.kind == MASK:
        _, _, right, bottom = mask_extent(region.mask)
        return right == 0 or bottom == 0
    if region.kind == POLYGON:
        pts = np.asarray(region.values).reshape(-1, 2)
        return bool(np.ptp(pts[:, 0]) <= 0 or np.ptp(pts[:, 1]) <= 0)
    return region.kind == EMPTY
