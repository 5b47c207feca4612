"""LaSOT as unzipped: ``LaSOT/<class>/<class>-<n>/{img/00000001.jpg, groundtruth.txt, …}``.

A frame is visible unless ``full_occlusion.txt`` or ``out_of_view.txt`` (one comma-separated line
of 0/1 each) marks it. Splits: ``train`` (1,120) and ``test`` (the 280 of protocol II's
``testing_set.txt``, shipped in ``lighttrack/data/splits``); ``None`` reads everything (LaSOT-ext
included). A flat ``<root>/<class>-<n>/`` layout is accepted too.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lighttrack.data.annotations import list_frames, read_boxes, read_flags
from lighttrack.data.datasets.base import Dataset
from lighttrack.data.datasets.common import child_dirs, packaged_list, video_sequence
from lighttrack.data.sequence import Sequence
from lighttrack.errors import DataError

SPLITS = ("train", "test")


class LasotDataset(Dataset):
    format = "lasot"
    layout = "LaSOT/<class>/<class>-<n>/{img/00000001.jpg, groundtruth.txt, full_occlusion.txt, out_of_view.txt}"

    def __init__(self, root, split: str | None = None) -> None:
        super().__init__(root, split)
        self._require_dir(self.root)
        if split is not None and split not in SPLITS:
            raise self._bad_split(SPLITS)
        self._dirs: dict[str, Path] = {}

    def _list_names(self) -> list[str]:
        for child in child_dirs(self.root):
            if (child / "img").is_dir():
                self._dirs[child.name] = child
                continue
            for seq in child_dirs(child):
                if (seq / "img").is_dir() or (seq / "groundtruth.txt").is_file():
                    self._dirs[seq.name] = seq
        names = list(self._dirs)
        if self.split:
            testing = set(packaged_list("lasot_testing_set.txt"))
            names = [n for n in names if (n in testing) == (self.split == "test")]
        if not names:
            raise DataError(f"lasot: no sequences found under {self.root}; expected: {self.layout}")
        return names

    def _load(self, name: str) -> Sequence:
        self.names
        seq_dir = self._dirs[name]
        boxes, problems = read_boxes(seq_dir / "groundtruth.txt")
        occl = read_flags(seq_dir / "full_occlusion.txt")
        oov = read_flags(seq_dir / "out_of_view.txt")
        hidden = np.zeros(len(boxes), dtype=bool)
        for flags in (occl, oov):
            if flags is not None:
                k = min(len(flags), len(hidden))
                hidden[:k] |= flags[:k] == 1
        meta = {"dir": str(seq_dir), "class": name.rsplit("-", 1)[0]}
        nlp = seq_dir / "nlp.txt"
        if nlp.is_file():
            meta["nlp"] = nlp.read_text(errors="replace").strip()
        return video_sequence(name, list_frames(seq_dir / "img"), boxes, problems, hidden, meta)
