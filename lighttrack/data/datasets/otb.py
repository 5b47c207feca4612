"""OTB-2013/2015 (OTB100, TB-50) as unzipped: ``<root>/<Seq>/{img/0001.jpg, groundtruth_rect.txt}``.

GT delimiters vary (comma, tab, spaces) and are all read. Two-target folders (Jogging, Skating2)
have ``groundtruth_rect.1.txt`` / ``.2.txt`` and become ``Jogging-1`` / ``Jogging-2``; empty GT
files are ignored (Human4 keeps only ``.2``, under its own name). The official frame ranges of the
sequences whose GT covers only part of the folder are applied by frame number.
"""

from __future__ import annotations

import re
from pathlib import Path

from lighttrack.data.annotations import frame_number, list_frames, read_boxes
from lighttrack.data.datasets.base import Dataset
from lighttrack.data.datasets.common import child_dirs, video_sequence
from lighttrack.data.sequence import Sequence
from lighttrack.errors import DataError

# Official first/last frame numbers (inclusive) where GT covers only part of the image folder.
FRAME_RANGES: dict[str, tuple[int, int]] = {
    "David": (300, 770), "BlurCar1": (247, 988), "BlurCar3": (3, 359), "BlurCar4": (18, 397),
    "Football1": (1, 74), "Freeman3": (1, 460), "Freeman4": (1, 283), "Diving": (1, 215),
}
_GT = re.compile(r"groundtruth_rect(?:\.(\d+))?\.txt$")


def _nonempty(path: Path) -> bool:
    try:
        return bool(path.read_text(errors="replace").strip())
    except OSError:
        return False


class OtbDataset(Dataset):
    format = "otb"
    layout = "OTB100/<Seq>/{img/0001.jpg, groundtruth_rect.txt | groundtruth_rect.1.txt, .2.txt}"

    def __init__(self, root, split: str | None = None) -> None:
        super().__init__(root, split)
        self._require_dir(self.root)
        self._gt: dict[str, tuple[Path, Path]] = {}

    def _list_names(self) -> list[str]:
        for seq_dir in child_dirs(self.root):
            files = sorted((m.group(1), p) for p in seq_dir.iterdir() if (m := _GT.match(p.name)))
            plain = [p for k, p in files if k is None]
            numbered = [(k, p) for k, p in files if k is not None and _nonempty(p)]
            if plain and (not numbered or _nonempty(plain[0])):
                self._gt[seq_dir.name] = (seq_dir, plain[0])
            elif len(numbered) == 1:
                self._gt[seq_dir.name] = (seq_dir, numbered[0][1])
            else:
                for k, p in sorted(numbered, key=lambda kp: int(kp[0])):
                    self._gt[f"{seq_dir.name}-{k}"] = (seq_dir, p)
        if not self._gt:
            raise DataError(f"otb: no groundtruth_rect*.txt under {self.root}; expected: {self.layout}")
        return list(self._gt)

    def _load(self, name: str) -> Sequence:
        self.names
        seq_dir, gt = self._gt[name]
        boxes, problems = read_boxes(gt)
        frames = list_frames(seq_dir / "img")
        meta = {"dir": str(seq_dir), "gt_file": gt.name}
        span = FRAME_RANGES.get(seq_dir.name)
        if span:
            frames = [p for p in frames if span[0] <= (frame_number(p) or 0) <= span[1]]
            meta["frame_range"] = span
        return video_sequence(name, frames, boxes, problems, meta=meta)
