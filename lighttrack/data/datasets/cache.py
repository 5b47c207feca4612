"""Reader for the crop cache written by ``lighttrack data cache`` (see ``lighttrack.data.cache``).

Sequences keep the source's frame indices; frames that were not cached (not visible, invalid box,
unreadable) have no file and are not visible. ``meta["fill"]`` carries each source frame's mean
colour so that pixels beyond the crop are padded as they would be from the full frame.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from lighttrack.data.annotations import natural_key
from lighttrack.data.datasets.base import Dataset
from lighttrack.data.sequence import Problem, Sequence
from lighttrack.errors import DataError


class CacheDataset(Dataset):
    format = "cache"
    layout = "<out>/{cache.json, <seq>/index.json, <seq>/000000.jpg}"

    def __init__(self, root, split: str | None = None) -> None:
        super().__init__(root, split)
        self._require_dir(self.root)
        manifest = self.root / "cache.json"
        if not manifest.is_file():
            raise DataError(f"cache: {manifest} not found; build one with `lighttrack data cache`")
        self.manifest = json.loads(manifest.read_text())
        self._dirs: dict[str, Path] = {}

    @property
    def complete(self) -> bool:
        return bool(self.manifest.get("complete"))

    def _list_names(self) -> list[str]:
        order = self.manifest.get("sequences") or sorted(
            (p.parent.name for p in self.root.glob("*/index.json")), key=natural_key)
        for folder in order:
            index = self.root / folder / "index.json"
            if index.is_file():
                with open(index) as handle:
                    name = json.load(handle)["name"]
                self._dirs[name] = self.root / folder
        if not self._dirs:
            raise DataError(f"cache: no cached sequences in {self.root} (was `lighttrack data cache` interrupted early?)")
        return list(self._dirs)

    def _load(self, name: str) -> Sequence:
        self.names
        folder = self._dirs[name]
        with open(folder / "index.json") as handle:
            index = json.load(handle)
        files = index["files"]
        paths = [str(folder / f) if f else str(folder / f"missing-{i:06d}.jpg") for i, f in enumerate(files)]
        boxes = np.array([[np.nan if v is None else v for v in b] for b in index["boxes"]], dtype=np.float64).reshape(-1, 4)
        visible = np.array(index["visible"], dtype=bool)
        meta = {"fill": np.asarray(index["fill"], dtype=np.float64).reshape(-1, 3), "cache_dir": str(folder),
                "transform": index.get("transform")}
        issues = tuple(Problem("unreadable", f"source frame {f}") for f in index.get("failed", []))
        return Sequence(name, paths, boxes, visible, meta, issues)
