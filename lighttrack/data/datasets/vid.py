"""ImageNet VID (ILSVRC2015) as unpacked: ``Data/VID/<split>/…/<snippet>/000000.JPEG`` with one
``Annotations/VID/<split>/…/<snippet>/000000.xml`` per frame.

Each (snippet, trackid) becomes a sequence over all the snippet's frames, NaN where that track is
not annotated; ``<occluded>`` goes to ``meta["occluded"]``. Splits: ``train`` (the four
``ILSVRC2015_VID_train_000k`` chunks) and ``val``. Parsing every XML of the train set takes about
a minute, once per process.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
from tqdm import tqdm

from lighttrack.data.annotations import natural_key
from lighttrack.data.datasets.base import Dataset
from lighttrack.data.datasets.common import video_sequence
from lighttrack.data.sequence import Problem, Sequence
from lighttrack.errors import DataError

SPLITS = ("train", "val")


def parse_frame_xml(path: Path) -> list[tuple[int, list[float], int]]:
    """[(trackid, [x, y, w, h], occluded)] of one annotation file."""
    root = ET.parse(path).getroot()
    out = []
    for obj in root.iter("object"):
        box = obj.find("bndbox")
        if box is None:
            continue
        x1, y1, x2, y2 = (float(box.findtext(k, "nan")) for k in ("xmin", "ymin", "xmax", "ymax"))
        track = int(obj.findtext("trackid", "0"))
        occluded = int(obj.findtext("occluded", "0") or 0)
        out.append((track, [x1, y1, x2 - x1, y2 - y1], occluded))
    return out


class VidDataset(Dataset):
    format = "vid"
    layout = "ILSVRC2015/{Data,Annotations}/VID/{train/ILSVRC2015_VID_train_000k,val}/<snippet>/000000.{JPEG,xml}"

    def __init__(self, root, split: str | None = None) -> None:
        super().__init__(root, split)
        self._require_dir(self.root)
        base = self.root if (self.root / "Annotations").is_dir() else self.root / "ILSVRC2015"
        self.ann_root = self._require_dir(base / "Annotations" / "VID", "annotations")
        self.data_root = self._require_dir(base / "Data" / "VID", "frames")
        self.split = split or "train"
        if self.split not in SPLITS:
            raise self._bad_split(SPLITS)
        self._tracks: dict[str, tuple[Path, int]] = {}
        self._snippets: dict[Path, tuple[list[str], dict[int, np.ndarray], list[str]]] = {}

    def _snippet_dirs(self) -> list[Path]:
        split_dir = self._require_dir(self.ann_root / self.split, f"split {self.split!r}")
        out = []
        for child in sorted(split_dir.iterdir(), key=lambda p: natural_key(p.name)):
            if not child.is_dir():
                continue
            if any(child.glob("*.xml")):
                out.append(child)
            else:
                out += sorted((p for p in child.iterdir() if p.is_dir()), key=lambda p: natural_key(p.name))
        return out

    def _parse_snippet(self, ann_dir: Path):
        xmls = sorted(ann_dir.glob("*.xml"), key=lambda p: natural_key(p.name))
        tracks: dict[int, np.ndarray] = {}
        bad = []
        for i, xml in enumerate(xmls):
            try:
                objects = parse_frame_xml(xml)
            except (ET.ParseError, ValueError):
                bad.append(xml.name)
                continue
            for track, box, occluded in objects:
                arr = tracks.setdefault(track, np.full((len(xmls), 5), np.nan))
                arr[i, :4] = box
                arr[i, 4] = occluded
        return [x.stem for x in xmls], tracks, bad

    def _list_names(self) -> list[str]:
        dirs = self._snippet_dirs()
        for ann_dir in tqdm(dirs, desc="VID annotations", unit="snippet", disable=len(dirs) < 200, leave=False):
            stems, tracks, bad = self._parse_snippet(ann_dir)
            self._snippets[ann_dir] = (stems, tracks, bad)
            for track in sorted(tracks):
                self._tracks[f"{ann_dir.name}_{track}"] = (ann_dir, track)
        if not self._tracks:
            raise DataError(f"vid: no annotated objects under {self.ann_root / self.split}")
        return list(self._tracks)

    def _load(self, name: str) -> Sequence:
        self.names
        ann_dir, track = self._tracks[name]
        stems, tracks, bad = self._snippets[ann_dir]
        frame_dir = self.data_root / ann_dir.relative_to(self.ann_root)
        frames = [frame_dir / f"{stem}.JPEG" for stem in stems]
        data = tracks[track]
        problems = [Problem("invalid_boxes", f"unparsable xml: {', '.join(bad[:5])}")] if bad else []
        meta = {"snippet": ann_dir.name, "trackid": track, "occluded": np.nan_to_num(data[:, 4]).astype(bool)}
        return video_sequence(name, frames, data[:, :4].copy(), problems, meta=meta, gaps=False)
