"""Tolerant parsers for the small text files tracking data sets ship with.

Every benchmark writes its boxes a little differently (commas, tabs, runs of spaces, ``NaN``
rows, 8-value polygons, a single comma-separated line of flags). These helpers read all of them
and report what they had to repair as ``Problem`` values rather than raising, so one bad file
cannot stop a training run.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from lighttrack.data.sequence import Problem

IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".bmp", ".JPEG", ".JPG", ".PNG")
_SPLIT = re.compile(r"[,;\s]+")
_NUMBER = re.compile(r"(\d+)")


def parse_rows(text: str) -> list[list[float] | None]:
    """Split text into rows of floats; a blank or unparsable line becomes None."""
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    rows: list[list[float] | None] = []
    for line in lines:
        parts = [p for p in _SPLIT.split(line.strip()) if p]
        try:
            rows.append([float(p) for p in parts] if parts else None)
        except ValueError:
            rows.append(None)
    return rows


def poly_to_box(values, mode: str = "minmax") -> np.ndarray:
    """Axis-aligned x,y,w,h of a polygon x1,y1,x2,y2,... .

    ``minmax`` is the tight enclosing box. ``area`` keeps the enclosing box's centre but shrinks it
    to the polygon's area (the convention of VOT-style trainers for rotated boxes).
    """
    pts = np.asarray(values, dtype=np.float64).reshape(-1, 2)
    x1, y1 = pts.min(axis=0)
    x2, y2 = pts.max(axis=0)
    w, h = x2 - x1, y2 - y1
    if mode == "area" and w > 0 and h > 0:
        x, y = pts[:, 0], pts[:, 1]
        area = 0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))
        s = np.sqrt(area / (w * h))
        cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
        w, h = w * s, h * s
        return np.array([cx - w / 2, cy - h / 2, w, h])
    if mode not in ("minmax", "area"):
        raise ValueError(f"unknown polygon mode {mode!r} (use 'minmax' or 'area')")
    return np.array([x1, y1, w, h])


def rows_to_boxes(rows: list[list[float] | None], poly_mode: str = "minmax") -> tuple[np.ndarray, list[int]]:
    """(N,4) x,y,w,h from parsed rows (4 values, or an even number >= 6 for polygons).

    Returns the boxes and the 1-based line numbers that could not be read (they become NaN).
    """
    boxes = np.full((len(rows), 4), np.nan)
    bad: list[int] = []
    for i, row in enumerate(rows):
        if row is None:
            bad.append(i + 1)
        elif len(row) == 4:
            boxes[i] = row
        elif len(row) >= 6 and len(row) % 2 == 0:
            boxes[i] = poly_to_box(row, poly_mode) if np.all(np.isfinite(row)) else np.nan
        else:
            bad.append(i + 1)
    return boxes, bad


def to_zero_based(boxes: np.ndarray, box_base: int = 0) -> np.ndarray:
    """Boxes whose x, y count pixels from ``box_base`` converted to lighttrack's 0-based pixels.

    lighttrack's boxes are 0-based: the top-left pixel of a frame is (0, 0). MATLAB-era
    benchmarks (OTB, UAV123, UAVDT, DTB70) count from 1, so their x, y are one more than ours;
    width and height do not change. This is the one place such a shift is made: every reader
    with a ``box_base`` option (``folder``, ``realvideo``) calls it. NaN rows stay NaN.
    """
    if box_base not in (0, 1):
        raise ValueError(f"box_base must be 0 or 1, not {box_base!r}")
    out = np.array(boxes, dtype=np.float64, copy=True).reshape(-1, 4)
    if box_base:
        out[:, :2] -= box_base
    return out


def read_boxes(path: str | Path, poly_mode: str = "minmax") -> tuple[np.ndarray, list[Problem]]:
    """Read a ground-truth file of x,y,w,h (or polygon) rows with any delimiter."""
    path = Path(path)
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return np.zeros((0, 4)), [Problem("empty_gt", f"cannot read {path.name}")]
    rows = parse_rows(text)
    if not rows:
        return np.zeros((0, 4)), [Problem("empty_gt", f"{path.name} is empty")]
    boxes, bad = rows_to_boxes(rows, poly_mode)
    problems = []
    if bad:
        problems.append(Problem("invalid_boxes", f"{path.name}: unreadable line(s) {_ranges(bad)}"))
    return boxes, problems


def read_flags(path: str | Path) -> np.ndarray | None:
    """Per-frame integers from a file with one per line or one comma-separated line (LaSOT)."""
    try:
        text = Path(path).read_text(errors="replace")
    except OSError:
        return None
    values = [p for p in _SPLIT.split(text.strip()) if p]
    try:
        return np.array([int(float(v)) for v in values], dtype=np.int64)
    except ValueError:
        return None


def read_key_values(path: str | Path) -> dict[str, str]:
    """``key: value`` or ``key=value`` lines, ignoring ``[section]`` headers (meta_info.ini, VOT's
    ``sequence`` file)."""
    out: dict[str, str] = {}
    try:
        text = Path(path).read_text(errors="replace")
    except OSError:
        return out
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("[", "#", ";")):
            continue
        m = re.match(r"([^:=]+)[:=](.*)", line)
        if m:
            out[m.group(1).strip()] = m.group(2).strip()
    return out


def frame_number(path: str | Path) -> int | None:
    """The last run of digits in a file's stem (``00000012.jpg`` -> 12), or None."""
    found = _NUMBER.findall(Path(path).stem)
    return int(found[-1]) if found else None


def natural_key(name: str):
    """Sort key that orders ``2.jpg`` before ``10.jpg`` (TrackingNet's unpadded names)."""
    return [int(t) if t.isdigit() else t.lower() for t in _NUMBER.split(name)]


def list_frames(folder: str | Path, exts: tuple[str, ...] = IMAGE_EXTS) -> list[Path]:
    """Image files in ``folder`` sorted by frame number (numerically, never lexicographically)."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    files = [p for p in folder.iterdir() if p.suffix in exts and not p.name.startswith(".")]
    return sorted(files, key=lambda p: natural_key(p.name))


def fill_gaps(frames: list[Path]) -> tuple[list[Path], list[int]]:
    """Insert the expected path of every missing number in a numbered frame list.

    A missing frame in the middle would otherwise shift every later box onto the wrong image.
    Returns the completed list and the missing frame numbers.
    """
    numbers = [frame_number(p) for p in frames]
    if len(frames) < 2 or any(n is None for n in numbers):
        return list(frames), []
    by_number = dict(zip(numbers, frames))
    first, last = min(numbers), max(numbers)
    if last - first + 1 == len(by_number):
        return [by_number[n] for n in range(first, last + 1)], []
    template = frames[0]
    digits = _NUMBER.findall(template.stem)[-1]
    width = len(digits) if digits.startswith("0") or len(digits) > 1 else 0
    prefix = template.stem[: template.stem.rfind(digits)]
    out, missing = [], []
    for n in range(first, last + 1):
        if n in by_number:
            out.append(by_number[n])
        else:
            missing.append(n)
            out.append(template.with_name(f"{prefix}{n:0{width}d}{template.suffix}"))
    return out, missing


def fit_to_frames(boxes: np.ndarray, num_frames: int, what: str = "groundtruth") -> tuple[np.ndarray, list[Problem]]:
    """Pad (with NaN) or trim boxes to the number of frames, reporting any mismatch."""
    n = len(boxes)
    if n == num_frames:
        return boxes, []
    if n == 0:
        return np.full((num_frames, 4), np.nan), []
    problem = Problem("gt_mismatch", f"{what} has {n} rows for {num_frames} frames")
    if n > num_frames:
        return boxes[:num_frames], [problem]
    pad = np.full((num_frames - n, 4), np.nan)
    return np.concatenate([boxes, pad]), [problem]


def fit_flags(flags: np.ndarray | None, num_frames: int, default: int) -> np.ndarray:
    """Per-frame flags padded with ``default`` or trimmed to ``num_frames``."""
    out = np.full(num_frames, default, dtype=np.int64)
    if flags is not None:
        k = min(len(flags), num_frames)
        out[:k] = flags[:k]
    return out


def missing_problem(missing: list[int]) -> list[Problem]:
    return [Problem("missing_frames", f"frame file(s) {_ranges(missing)} missing")] if missing else []


def _ranges(numbers: list[int]) -> str:
    """``[1,2,3,7]`` -> ``"1-3, 7"``; long lists are shortened."""
    if not numbers:
        return ""
    spans, start, prev = [], numbers[0], numbers[0]
    for n in list(numbers[1:]) + [None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        spans.append(f"{start}-{prev}" if prev != start else f"{start}")
        if n is not None:
            start = prev = n
    text = ", ".join(spans[:6])
    return text + (f", ... ({len(numbers)} in all)" if len(spans) > 6 else "")


def valid_box_mask(boxes: np.ndarray) -> np.ndarray:
    """True where a box is finite with positive width and height."""
    return np.all(np.isfinite(boxes), axis=1) & (boxes[:, 2] > 0) & (boxes[:, 3] > 0)
