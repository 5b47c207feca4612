"""TrackingNet after frame extraction: ``<root>/TRAIN_k/{frames/<video>/0.jpg…, anno/<video>.txt}``.

Frame names are unpadded integers from 0 and are sorted numerically. Splits: ``train`` (every
``TRAIN_k`` chunk present), ``test`` (``TEST``, first box only), or chunk names such as
``TRAIN_0,TRAIN_3``; ``None`` reads all chunks present. A video whose frames were not extracted
from ``zips/<video>.zip`` is reported, not silently dropped.
"""

from __future__ import annotations

from lighttrack.data.annotations import list_frames, natural_key, read_boxes
from lighttrack.data.datasets.base import Dataset
from lighttrack.data.datasets.common import video_sequence
from lighttrack.data.sequence import Problem, Sequence
from lighttrack.errors import DataError


class TrackingNetDataset(Dataset):
    format = "trackingnet"
    layout = "TrackingNet/{TRAIN_0..TRAIN_11,TEST}/{frames/<video>/0.jpg, anno/<video>.txt}"

    def __init__(self, root, split: str | None = None) -> None:
        super().__init__(root, split)
        self._require_dir(self.root)
        present = sorted(
            (p.name for p in self.root.iterdir() if p.is_dir() and (p.name.startswith("TRAIN_") or p.name == "TEST")),
            key=natural_key,
        )
        if not present:
            raise DataError(f"trackingnet: no TRAIN_k or TEST chunk in {self.root}; expected: {self.layout}")
        if split is None:
            chunks = present
        elif split == "train":
            chunks = [c for c in present if c.startswith("TRAIN_")]
        elif split == "test":
            chunks = [c for c in present if c == "TEST"]
        else:
            chunks = [c.strip() for c in split.split(",") if c.strip()]
            unknown = [c for c in chunks if c not in present]
            if unknown:
                raise DataError(f"trackingnet: chunk(s) {', '.join(unknown)} not in {self.root} (present: {', '.join(present)})")
        if not chunks:
            raise DataError(f"trackingnet: split {split!r} matches no chunk in {self.root}")
        self.chunks = chunks
        self._where: dict[str, str] = {}

    def _list_names(self) -> list[str]:
        for chunk in self.chunks:
            anno = self.root / chunk / "anno"
            for path in sorted(anno.glob("*.txt"), key=lambda p: natural_key(p.name)):
                self._where[path.stem] = chunk
        if not self._where:
            raise DataError(f"trackingnet: no anno/*.txt in {', '.join(self.chunks)}; expected: {self.layout}")
        return list(self._where)

    def _load(self, name: str) -> Sequence:
        self.names
        chunk = self.root / self._where[name]
        boxes, problems = read_boxes(chunk / "anno" / f"{name}.txt")
        frame_dir = chunk / "frames" / name
        if not frame_dir.is_dir() and (chunk / "zips" / f"{name}.zip").is_file():
            problems.append(Problem("missing_frames", f"frames not extracted from zips/{name}.zip"))
        return video_sequence(name, list_frames(frame_dir), boxes, problems,
                              meta={"chunk": chunk.name, "dir": str(frame_dir)},
                              first_frame_only=chunk.name == "TEST")
