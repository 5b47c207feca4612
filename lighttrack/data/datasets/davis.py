"""DAVIS 2016/2017 as unzipped: ``<root>/JPEGImages/480p/<seq>/00000.jpg`` and
``<root>/Annotations/480p/<seq>/00000.png``; boxes are the tight boxes of the masks.

DAVIS 2016 masks are binary (one target per video). DAVIS 2017 masks are palette PNGs with one
index per object; every object of the first mask becomes its own sequence ``<seq>_<id>``.
OpenCV expands palettes to colours, so the PNG's PLTE chunk is read to map colours back to ids.
Splits come from ``ImageSets/<year>/{train,val}.txt`` when present.
"""

from __future__ import annotations

import struct
from pathlib import Path

import cv2
import numpy as np

from lighttrack.data.annotations import list_frames
from lighttrack.data.datasets.base import Dataset
from lighttrack.data.datasets.common import child_dirs, read_list, video_sequence
from lighttrack.data.sequence import Problem, Sequence
from lighttrack.errors import DataError


def _palette(data: bytes) -> list[tuple[int, int, int]] | None:
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    pos = 8
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"PLTE":
            raw = data[pos + 8:pos + 8 + length]
            return [tuple(raw[i:i + 3]) for i in range(0, len(raw) - 2, 3)]
        if kind == b"IDAT":
            return None
        pos += 12 + length
    return None


def read_mask_labels(path: Path) -> np.ndarray | None:
    """(H,W) int object ids of a mask PNG (binary masks give 0/1), or None if unreadable."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if not data:  # cv2.imdecode asserts on an empty buffer
        return None
    palette = _palette(data)
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None:
        return None
    if image.ndim == 2:
        return (image > 127).astype(np.int64) if palette is None else image.astype(np.int64)
    rgb = image[..., 2::-1].astype(np.int64)
    key = (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]
    if palette is None:
        return (key > 0).astype(np.int64) if np.unique(key).size <= 2 else _labels_by_colour(key)
    lookup = {}
    for index, (r, g, b) in enumerate(palette):
        lookup.setdefault((r << 16) | (g << 8) | b, index)
    values, inverse = np.unique(key, return_inverse=True)
    ids = np.array([lookup.get(int(v), 0) for v in values], dtype=np.int64)
    return ids[inverse].reshape(key.shape)


def _labels_by_colour(key: np.ndarray) -> np.ndarray:
    """Without a palette, number the colours: black is background, the rest 1..k in colour order."""
    values, inverse = np.unique(key, return_inverse=True)
    ids = np.arange(len(values)) + (0 if values[0] == 0 else 1)
    return ids[inverse].reshape(key.shape)


def mask_box(labels: np.ndarray, obj: int) -> np.ndarray:
    """Tight x,y,w,h of object ``obj`` in a label image, NaN when it has no pixel."""
    mask = labels == obj
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if not len(rows):
        return np.full(4, np.nan)
    return np.array([cols[0], rows[0], cols[-1] - cols[0] + 1, rows[-1] - rows[0] + 1], float)


class DavisDataset(Dataset):
    format = "davis"
    layout = "DAVIS/{JPEGImages,Annotations}/480p/<seq>/00000.{jpg,png} [+ ImageSets/<year>/<split>.txt]"

    def __init__(self, root, split: str | None = None, resolution: str = "480p", year: str | None = None) -> None:
        super().__init__(root, split)
        self._require_dir(self.root)
        self.image_dir = self._require_dir(self.root / "JPEGImages" / resolution, "frames")
        self.mask_dir = self._require_dir(self.root / "Annotations" / resolution, "masks")
        sets = self.root / "ImageSets"
        years = sorted(p.name for p in child_dirs(sets))
        self.year = year or (years[0] if years else None)
        self._objects: dict[str, tuple[str, int]] = {}

    def _videos(self) -> list[str]:
        if self.split:
            listed = read_list(self.root / "ImageSets" / str(self.year) / f"{self.split}.txt")
            if listed is None:
                raise DataError(f"davis: no ImageSets/{self.year}/{self.split}.txt in {self.root}")
            return [ln.split()[0].strip("/").split("/")[-1] for ln in listed]
        return [p.name for p in child_dirs(self.image_dir)]

    def _list_names(self) -> list[str]:
        for video in self._videos():
            masks = list_frames(self.mask_dir / video, (".png",))
            labels = read_mask_labels(masks[0]) if masks else None
            ids = sorted(int(v) for v in np.unique(labels) if v > 0) if labels is not None else []
            if len(ids) <= 1:
                self._objects[video] = (video, ids[0] if ids else 1)
            else:
                for obj in ids:
                    self._objects[f"{video}_{obj}"] = (video, obj)
        if not self._objects:
            raise DataError(f"davis: no videos under {self.image_dir}; expected: {self.layout}")
        return list(self._objects)

    def _load(self, name: str) -> Sequence:
        self.names
        video, obj = self._objects[name]
        frames = list_frames(self.image_dir / video)
        masks = {p.stem: p for p in list_frames(self.mask_dir / video, (".png",))}
        boxes = np.full((len(frames), 4), np.nan)
        problems: list[Problem] = []
        unreadable = []
        for i, frame in enumerate(frames):
            mask = masks.get(frame.stem)
            labels = read_mask_labels(mask) if mask is not None else None
            if labels is None:
                unreadable.append(frame.stem)
                continue
            boxes[i] = mask_box(labels, obj)
        if unreadable and len(unreadable) < len(frames):
            problems.append(Problem("gt_mismatch", f"{len(unreadable)} frame(s) without a readable mask"))
        elif unreadable:
            problems.append(Problem("empty_gt", "no readable masks"))
        return video_sequence(name, frames, boxes, problems, meta={"video": video, "object": obj})
