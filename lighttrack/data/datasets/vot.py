"""VOT short-term sets as unzipped: ``<root>/<seq>/{color/00000001.jpg, groundtruth.txt, *.tag}``.

Ground truth may be 4-value rectangles (VOT2013, VOT2022-STb), 8-value rotated polygons
(VOT2014-2019), or RLE masks ``m<x0>,<y0>,<w>,<h>,<runs…>`` (VOT2020+); all become axis-aligned
x,y,w,h (polygons: tight box by default, ``poly_mode="area"`` for the area-preserving convention).
Legacy layouts (VOT2013-2016) keep frames directly in ``<seq>/``. Per-frame ``*.tag``/``*.label``
attribute files and the ``sequence`` metadata file go into ``meta``, and ``*.value`` files (VOT2020+:
``anchor.value``, the multi-start protocol's anchors) into ``meta["values"]``. Ground truth may also
be the toolkit's binary region file (``groundtruth.bin``, or the file the ``sequence`` file names
under ``groundtruth``). A mask that does not decode, or a value file whose length is not the
sequence's, is a problem naming the file and line.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lighttrack.data.annotations import (list_frames, parse_rows, read_flags, read_key_values,
                                         rows_to_boxes, _ranges)
from lighttrack.data.datasets.base import Dataset
from lighttrack.data.datasets.common import child_dirs, read_list, video_sequence
from lighttrack.data.sequence import Problem, Sequence
from lighttrack.data.vot_regions import RegionError, is_binary_regions, parse_region, read_regions, region_box
from lighttrack.errors import DataError

_SHOWN = 3  # bad lines named per problem


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
    undecodable: list[str] = []
    plain_idx, plain_lines = [], []
    for i, line in enumerate(lines):
        if line.lstrip().startswith("m"):
            try:
                boxes[i] = region_box(parse_region(line))
            except RegionError as err:
                undecodable.append(f"{path}:{i + 1}: mask does not decode: {err}")
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
    if undecodable:
        more = f" and {len(undecodable) - _SHOWN} more" if len(undecodable) > _SHOWN else ""
        problems.append(Problem("invalid_boxes", "; ".join(undecodable[:_SHOWN]) + more))
    return boxes, problems


def groundtruth_file(seq_dir: Path, info: dict[str, str]) -> Path:
    """The ground-truth file of a sequence: the ``sequence`` file's ``groundtruth`` entry, else
    ``groundtruth.txt``, else ``groundtruth.bin``."""
    named = info.get("groundtruth")
    if named:
        return seq_dir / named
    text = seq_dir / "groundtruth.txt"
    return text if text.is_file() or not (seq_dir / "groundtruth.bin").is_file() else seq_dir / "groundtruth.bin"


def read_any_groundtruth(path: Path, poly_mode: str = "minmax") -> tuple[np.ndarray, list[Problem]]:
    """Boxes of a text or binary ground-truth file (binary: the toolkit's region format)."""
    try:
        head = path.read_bytes()[:2]
    except OSError:
        return np.zeros((0, 4)), [Problem("empty_gt", f"cannot read {path}")]
    if not is_binary_regions(head):
        return read_vot_groundtruth(path, poly_mode)
    try:
        regions = read_regions(path)
    except RegionError as err:
        return np.zeros((0, 4)), [Problem("invalid_boxes", f"mask does not decode: {err}")]
    return np.array([region_box(r) for r in regions]).reshape(-1, 4), []


def read_values(seq_dir: Path, frames: int) -> tuple[dict[str, np.ndarray], list[Problem]]:
    """``*.value`` files (one number a frame); a file of another length or with a line that is
    not a number is a problem naming it."""
    values, problems = {}, []
    for path in sorted(seq_dir.glob("*.value")):
        lines = path.read_text(errors="replace").splitlines()
        while lines and not lines[-1].strip():
            lines.pop()
        column = np.zeros(len(lines))
        for i, line in enumerate(lines):
            try:
                column[i] = float(line.strip())
            except ValueError:
                problems.append(Problem("invalid_boxes", f"{path}:{i + 1}: {line.strip()[:40]!r} is not a number"))
                break
        else:
            if len(lines) != frames:
                problems.append(Problem("gt_mismatch", f"{path}: {len(lines)} values for {frames} frames"))
            values[path.stem] = column
    return values, problems


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
            p.name for p in child_dirs(self.root)
            if (p / "groundtruth.txt").is_file() or (p / "groundtruth.bin").is_file()
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
        gt_file = groundtruth_file(seq_dir, info)
        boxes, problems = read_any_groundtruth(gt_file, self.poly_mode)
        tags = {}
        for path in sorted(seq_dir.glob("*.tag")) + sorted(seq_dir.glob("*.label")):
            flags = read_flags(path)
            if flags is not None:
                tags[path.stem] = flags
        frames = list_frames(self._frame_dir(seq_dir, info))
        values, value_problems = read_values(seq_dir, len(frames))
        meta = {"dir": str(seq_dir), "tags": tags, "groundtruth_file": str(gt_file),
                **({"sequence": info} if info else {}), **({"values": values} if values else {})}
        return video_sequence(name, frames, boxes, problems + value_problems, meta=meta)
