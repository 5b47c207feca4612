"""GOT-10k as unzipped: ``GOT-10k/{train,val,test}/<seq>/{00000001.jpg,…, groundtruth.txt}``.

Visibility follows the data set's own labels: a frame is visible unless ``absence.label`` says 1
or ``cover.label`` says 0 (nothing of the target visible). ``meta_info.ini`` becomes ``meta``.
Splits: ``train``, ``val``, ``test`` (first box only), and the common partition of the train set
into ``train_split`` (7,934) / ``val_split`` (1,401) shipped as versioned files in
``lighttrack/data/splits``. ``split=None`` reads every split folder present (or ``root`` itself
when it is one split folder).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lighttrack.data.annotations import list_frames, read_boxes, read_flags, read_key_values
from lighttrack.data.datasets.base import Dataset
from lighttrack.data.datasets.common import child_dirs, packaged_list, read_list, video_sequence
from lighttrack.data.sequence import Problem, Sequence
from lighttrack.errors import DataError

SPLITS = ("train", "val", "test", "train_split", "val_split")


class Got10kDataset(Dataset):
    format = "got10k"
    layout = "GOT-10k/{train,val,test}/<seq>/{00000001.jpg, groundtruth.txt, absence.label, cover.label}"

    def __init__(self, root, split: str | None = None) -> None:
        super().__init__(root, split)
        self._require_dir(self.root)
        if split is not None and split not in SPLITS:
            raise self._bad_split(SPLITS)
        self._dirs: dict[str, Path] = {}

    def _split_folders(self) -> list[Path]:
        if self.split in ("train_split", "val_split"):
            return [self._require_dir(self.root / "train", "the train split folder")]
        if self.split:
            return [self._require_dir(self.root / self.split, f"split {self.split!r}")]
        present = [self.root / s for s in ("train", "val", "test") if (self.root / s).is_dir()]
        if present:
            return present
        if (self.root / "list.txt").is_file() or any(
            (p / "groundtruth.txt").is_file() for p in child_dirs(self.root)
        ):
            return [self.root]
        raise DataError(f"got10k: no train/val/test folder in {self.root}; expected: {self.layout}")

    def _list_names(self) -> list[str]:
        for folder in self._split_folders():
            listed = read_list(folder / "list.txt")
            names = listed if listed is not None else [p.name for p in child_dirs(folder)]
            for name in names:
                self._dirs[name] = folder / name
        names = list(self._dirs)
        if self.split in ("train_split", "val_split"):
            wanted = set(packaged_list(f"got10k_{self.split.split('_')[0]}_split.txt"))
            names = [n for n in names if n in wanted]
        if not names:
            raise DataError(f"got10k: no sequences found under {self.root}; expected: {self.layout}")
        return names

    def _load(self, name: str) -> Sequence:
        self.names
        seq_dir = self._dirs[name]
        if not seq_dir.is_dir():
            return Sequence(name, [], np.zeros((0, 4)), np.zeros(0, bool), {"dir": str(seq_dir)},
                            (Problem("missing_frames", f"sequence folder {seq_dir} is missing"),))
        frames = list_frames(seq_dir)
        boxes, problems = read_boxes(seq_dir / "groundtruth.txt")
        n = len(frames)
        absence = read_flags(seq_dir / "absence.label")
        cover = read_flags(seq_dir / "cover.label")
        hidden = np.zeros(max(n, len(boxes)), dtype=bool)
        if absence is not None:
            hidden[: min(len(absence), len(hidden))] |= absence[: len(hidden)] == 1
        if cover is not None:
            hidden[: min(len(cover), len(hidden))] |= cover[: len(hidden)] == 0
        meta = {"dir": str(seq_dir), **read_key_values(seq_dir / "meta_info.ini")}
        if cover is not None:
            meta["cover"] = cover
        test = "_Test_" in name or (seq_dir.parent.name == "test")
        return video_sequence(name, frames, boxes, problems, hidden, meta,
                              first_frame_only=test and len(boxes) <= 1)
