"""UAV123 / UAV20L as unzipped: ``<root>/data_seq/UAV123/<folder>/000001.jpg`` and
``<root>/anno/{UAV123,UAV20L}/<seq>.txt``.

Several UAV123 targets share one image folder with frame ranges (``bird1_2`` is frames 775-1477
of ``bird1``); the official table ships in ``lighttrack/data/splits/uav123_ranges.txt``. Rows of
``NaN`` mark frames where the target is absent. ``split`` picks ``UAV123`` (default) or ``UAV20L``.
"""

from __future__ import annotations

from lighttrack.data.annotations import frame_number, list_frames, natural_key, read_boxes
from lighttrack.data.datasets.base import Dataset
from lighttrack.data.datasets.common import packaged_list, video_sequence
from lighttrack.data.sequence import Problem, Sequence
from lighttrack.errors import DataError

SPLITS = ("UAV123", "UAV20L")


def frame_ranges() -> dict[str, tuple[str, int, int]]:
    """Sequence name -> (image folder, first frame, last frame) from the packaged table."""
    out = {}
    for line in packaged_list("uav123_ranges.txt"):
        name, folder, first, last = line.split(",")
        out[name] = (folder, int(first), int(last))
    return out


class Uav123Dataset(Dataset):
    format = "uav123"
    layout = "UAV123/{data_seq/UAV123/<folder>/000001.jpg, anno/UAV123/<seq>.txt}"

    def __init__(self, root, split: str | None = None) -> None:
        super().__init__(root, split)
        self._require_dir(self.root)
        self.split = split or "UAV123"
        if self.split not in SPLITS:
            raise self._bad_split(SPLITS)
        base = self.root
        if not (base / "anno").is_dir() and (base / "UAV123" / "anno").is_dir():
            base = base / "UAV123"
        self.base = base
        self.anno_dir = self._require_dir(base / "anno" / self.split, "annotation folder")
        self.image_root = self._require_dir(base / "data_seq" / "UAV123", "image folders")
        self._ranges = frame_ranges() if self.split == "UAV123" else {}

    def _list_names(self) -> list[str]:
        names = sorted((p.stem for p in self.anno_dir.glob("*.txt")), key=natural_key)
        if not names:
            raise DataError(f"uav123: no annotation files in {self.anno_dir}; expected: {self.layout}")
        return names

    def _load(self, name: str) -> Sequence:
        boxes, problems = read_boxes(self.anno_dir / f"{name}.txt")
        folder, first, last = self._ranges.get(name, (name, 1, max(len(boxes), 1)))
        frame_dir = self.image_root / folder
        frames = [p for p in list_frames(frame_dir) if first <= (frame_number(p) or 0) <= last]
        if not frame_dir.is_dir():
            problems.append(Problem("missing_frames", f"image folder {frame_dir} is missing"))
        meta = {"dir": str(frame_dir), "frame_range": (first, last)}
        return video_sequence(name, frames, boxes, problems, meta=meta)
