"""VOT short-term sets as unzipped: ``<root>/<seq>/{color/00000001.jpg, groundtruth.txt, *.tag}``.

Ground truth may be 4-value rectangles (VOT2013, VOT2022-STb), 8-value rotated polygons
(VOT2014-2019), or RLE masks ``m<x0>,<y0>,<w>,<h>,<runs…>`` (VOT2020+); all become axis-aligned
x,y,w,h (polygons: tight box by default, ``poly_mode="area"`` for the area-preserving convention).
Legacy layouts (VOT2013-2016) keep frames directly in ``<seq>/``. Per-frame ``*.tag``/``*.label``
attribute files and the ``sequence`` metadata file go into ``meta``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lighttrack.data.annotations import (list_frames, parse_rows, read_flags, read_key_values,
                                         rows_to_boxes, _ranges)
from lighttrack.data.datasets.base import Dataset
from lighttrack.data.datasets.common import child_dirs, read_list, video_sequence
from lighttrack.data.sequence import Problem, Sequence
from lighttrack.errors import DataError


def rle_mask_box(line: str) -> np.ndarray:
    """Axis-aligned box of a VOT RLE mask line (runs alternate 0s and 1s, row-major, from 0s)."""
    values = [int(v) for v in line.strip()[1:].split(",") if v.strip()]
    x0, y0, w, h, runs = values[0], values[1], values[2], values[3], values[4:]
    if w <= 0 or h <= 0:
        return np.full(4, np.nan)
    flat = np.zeros(w * h, dtype=bool)
    pos, value = 0, False
    for run in runs:
        if value:
            flat[pos:pos + run] = True
        pos += run
        value = not value
    mask = flat.reshape(h, w)
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if not len(rows):
        return np.full(4, np.nan)
    return np.array([x0 + cols[0], y0 + rows[0], cols[-1] - cols[0] + 1, rows[-1] - rows[0] + 1], float)


def read_vot_groundtruth(path: Path, poly_mode: str = "minmax") -> tuple[np.ndarray, list[Problem]]:
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return np.zeros((0, 4)), [Problem("empty_gt", f"cannot read {path.name}")]
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        return np.zeros((0, 4)), [Problem("empty_gt", f"{path.name} is empty")]
    boxes = np.full((len(lines), 4), np.nan)
    bad: list[int] = []
    plain_idx, plain_lines = [], []
    for i, line in enumerate(lines):
        if line.lstrip().startswith("m"):
            try:
                boxes[i] = rle_mask_box(line)
            except (ValueError, IndexError):
                bad.append(i + 1)
        else:
            plain_idx.append(i)
            plain_lines.append(line)
    if plain_lines:
        rows = parse_rows("\n".join(plain_lines))
        rows += [None] * (len(plain_lines) - len(rows))
        got, bad_plain = rows_to_boxes(rows, poly_mode)
        boxes[plain_idx] = got
        bad += [plain_idx[k - 1] + 1 for k in bad_plain]
    problems = [Problem("invalid_boxes", f"{path.name}: unreadable line(s) {_ranges(sorted(bad))}")] if bad else []
    return boxes, problems


class VotDataset(Dataset):
    format = "vot"
    layout = "VOT20xx/[list.txt] <seq>/{color/00000001.jpg | 00000001.jpg, groundtruth.txt}"

    def __init__(self, root, split: str | None = None, poly_mode: str = "minmax") -> None:
        super().__init__(root, split)
        self._require_dir(self.root)
        self.poly_mode = poly_mode

    def _list_names(self) -> list[str]:
        listed = read_list(self.root / "list.txt")
        names = listed if listed is not None else [
            p.name for p in child_dirs(self.root) if (p / "groundtruth.txt").is_file()
        ]
        if not names:
            raise DataError(f"vot: no sequences under {self.root}; expected: {self.layout}")
        return names

    def _frame_dir(self, seq_dir: Path, info: dict[str, str]) -> Path:
        pattern = info.get("channels.color")
        if pattern:
            return seq_dir / Path(pattern).parent
        return seq_dir / "color" if (seq_dir / "color").is_dir() else seq_dir

    def _load(self, name: str) -> Sequence:
        seq_dir = self.root / name
        if not seq_dir.is_dir():
            return Sequence(name, [], np.zeros((0, 4)), np.zeros(0, bool), {"dir": str(seq_dir)},
                            (Problem("missing_frames", f"sequence folder {seq_dir} is missing"),))
        info = read_key_values(seq_dir / "sequence")
        boxes, problems = read_vot_groundtruth(seq_dir / "groundtruth.txt", self.poly_mode)
        tags = {}
        for path in sorted(seq_dir.glob("*.tag")) + sorted(seq_dir.glob("*.label")):
            flags = read_flags(path)
            if flags is not None:
                tags[path.stem] = flags
        meta = {"dir": str(seq_dir), "tags": tags, **({"sequence": info} if info else {})}
        return video_sequence(name, list_frames(self._frame_dir(seq_dir, info)), boxes, problems, meta=meta)
