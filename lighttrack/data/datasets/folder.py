"""The generic layout: ``<root>/<seq>/img/*.jpg`` + ``<root>/<seq>/groundtruth.txt``.

Anything a user records themselves fits it; DAVIS-2016 in ../shared/data uses it with
``<root>/<split>/<seq>``. GT rows are ``x,y,w,h`` with comma, tab or space delimiters and ``nan``
rows where the target is absent. Frames may also sit directly in ``<seq>/``; ``root`` may itself
be a single sequence.

Boxes are 0-based pixels unless ``box_base=1`` says the file counts from 1 (OTB/UAV123-style
MATLAB coordinates); ``annotations.to_zero_based`` then shifts them once, as they are read.
"""

from __future__ import annotations

from pathlib import Path

from lighttrack.data.annotations import list_frames, read_boxes, to_zero_based
from lighttrack.data.datasets.base import Dataset
from lighttrack.data.datasets.common import child_dirs, video_sequence
from lighttrack.data.sequence import Sequence
from lighttrack.errors import DataError

GT_NAMES = ("groundtruth.txt", "groundtruth_rect.txt", "gt.txt")


def _is_sequence(path: Path) -> bool:
    return any((path / n).is_file() for n in GT_NAMES)


class FolderDataset(Dataset):
    format = "folder"
    layout = "<root>[/<split>]/<seq>/img/*.jpg + <root>[/<split>]/<seq>/groundtruth.txt"

    def __init__(self, root, split: str | None = None, box_base: int = 0) -> None:
        super().__init__(root, split)
        if box_base not in (0, 1):
            raise DataError(f"{self.format}: box_base must be 0 (0-based pixels) or 1 (1-based, MATLAB), "
                            f"not {box_base!r}")
        self.box_base = int(box_base)
        base = self._require_dir(self.root)
        if split:
            base = self._require_dir(base / split, f"split {split!r}")
        self.base = base
        self._dirs: dict[str, Path] = {}

    def _list_names(self) -> list[str]:
        if _is_sequence(self.base):
            self._dirs = {self.base.name: self.base}
        else:
            self._dirs = {p.name: p for p in child_dirs(self.base) if _is_sequence(p)}
        if not self._dirs and not self.split:  # <root>/<split>/<seq>: read every split
            for split_dir in child_dirs(self.base):
                for p in child_dirs(split_dir):
                    if _is_sequence(p):
                        self._dirs[f"{split_dir.name}/{p.name}"] = p
        if not self._dirs:
            raise DataError(
                f"folder: no sequences under {self.base}; expected layout: {self.layout}"
            )
        return list(self._dirs)

    def _load(self, name: str) -> Sequence:
        self.names
        seq_dir = self._dirs[name]
        frames = list_frames(seq_dir / "img") or list_frames(seq_dir)
        gt = next(seq_dir / n for n in GT_NAMES if (seq_dir / n).is_file())
        boxes, problems = read_boxes(gt)
        return video_sequence(name, frames, to_zero_based(boxes, self.box_base), problems,
                              meta={"dir": str(seq_dir)})
