"""One small reader per on-disk layout, all returning ``Sequence`` values; ``open_dataset`` picks one."""

from __future__ import annotations

import importlib
from pathlib import Path

from lighttrack.data.datasets.base import Dataset
from lighttrack.errors import DataError

# format name -> "module:Class" (imported on first use so that opening one format is cheap)
FORMATS: dict[str, str] = {
    "got10k": "lighttrack.data.datasets.got10k:Got10kDataset",
    "lasot": "lighttrack.data.datasets.lasot:LasotDataset",
    "trackingnet": "lighttrack.data.datasets.trackingnet:TrackingNetDataset",
    "otb": "lighttrack.data.datasets.otb:OtbDataset",
    "uav123": "lighttrack.data.datasets.uav123:Uav123Dataset",
    "vot": "lighttrack.data.datasets.vot:VotDataset",
    "davis": "lighttrack.data.datasets.davis:DavisDataset",
    "coco": "lighttrack.data.datasets.coco:CocoDataset",
    "vid": "lighttrack.data.datasets.vid:VidDataset",
    "det": "lighttrack.data.datasets.det:DetDataset",
    "youtubebb": "lighttrack.data.datasets.youtubebb:YoutubeBBDataset",
    "folder": "lighttrack.data.datasets.folder:FolderDataset",
    "realvideo": "lighttrack.data.datasets.realvideo:RealVideoDataset",
    "realvideosplit": "lighttrack.data.realvideo:RealVideoSplitSource",  # also written realvideo-split
    "synthetic": "lighttrack.data.synthetic:SyntheticDataset",
    "stills": "lighttrack.data.stills:StillsDataset",
    "cache": "lighttrack.data.datasets.cache:CacheDataset",
}


def dataset_class(fmt: str) -> type[Dataset]:
    key = fmt.lower().replace("-", "").replace("_", "")
    aliases = {"got": "got10k", "uav": "uav123", "imagenetvid": "vid", "ilsvrc": "vid", "generic": "folder",
               "imagenetdet": "det", "ytbb": "youtubebb", "ytb": "youtubebb", "youtubeboundingboxes": "youtubebb"}
    key = aliases.get(key, key)
    if key not in FORMATS:
        raise DataError(f"unknown data set format {fmt!r}; choose one of {', '.join(FORMATS)}")
    module, cls = FORMATS[key].split(":")
    return getattr(importlib.import_module(module), cls)


def open_dataset(format: str, root=None, split: str | None = None, **kw) -> Dataset:
    """Open a data set exactly as it unpacks from its distribution.

    ``format`` is one of ``FORMATS`` (or ``"auto"`` to guess from the layout). A missing root or a
    wrong layout raises ``DataError`` naming the layout that was expected.
    """
    if format == "auto":
        format = detect_format(root)
    cls = dataset_class(format)
    if cls.format not in ("synthetic",):
        if root is None:
            raise DataError(f"{cls.format}: a root folder is required (expected layout: {cls.layout})")
        if not Path(root).expanduser().exists():
            raise DataError(f"{cls.format}: {root} does not exist (expected layout: {cls.layout})")
    try:
        dataset = cls(root, split, **kw)
    except TypeError as err:
        raise DataError(f"{cls.format}: bad option: {err}") from None
    dataset.names  # list now, so a wrong layout fails here with the expected layout named
    return dataset


def detect_format(root) -> str:
    """Guess a layout from marker files; DataError when nothing matches."""
    if root is None:
        raise DataError("auto format needs a root folder")
    r = Path(root).expanduser()
    if not r.is_dir():
        raise DataError(f"{r} is not a directory")
    names = {p.name for p in r.iterdir()}
    subdirs = [p for p in r.iterdir() if p.is_dir()]

    def any_child(pred, dirs=subdirs, limit=20):
        return any(pred(p) for p in dirs[:limit])

    if "cache.json" in names:
        return "cache"
    if {"JPEGImages", "Annotations"} <= names:
        return "davis"
    for base in (r, r / "ILSVRC", r / "ILSVRC2015"):
        if (base / "Annotations" / "DET").is_dir() and not (base / "Annotations" / "VID").is_dir():
            return "det"  # a release holding both (ILSVRC2015) reads as vid unless --format det
    if "Data" in names and "Annotations" in names or (r / "ILSVRC2015").is_dir():
        return "vid"
    if any(n.startswith("yt_bb_detection_") and n.endswith(".csv") for n in names):
        return "youtubebb"
    if "data_seq" in names or (r / "UAV123" / "data_seq").is_dir():
        return "uav123"
    if any(n.startswith("TRAIN_") or n == "TEST" for n in names):
        return "trackingnet"
    if "annotations.json" in names or (r / "annotations").is_dir():
        return "coco"
    if names & {"train", "val", "test"} and any_child(lambda p: any(q.name.startswith("GOT-10k_") for q in p.iterdir())):
        return "got10k"
    if any(n.startswith("GOT-10k_") for n in names):
        return "got10k"
    if any_child(lambda p: any(q.name.startswith("groundtruth_rect") for q in p.iterdir())):
        return "otb"
    if any_child(lambda p: (p / "color").is_dir() or (p / "sequence").is_file()):
        return "vot"
    if any_child(lambda p: any((q / "full_occlusion.txt").is_file() for q in p.iterdir() if q.is_dir())):
        return "lasot"
    if any_child(lambda p: (p / "groundtruth.txt").is_file()) or (r / "groundtruth.txt").is_file():
        return "folder"
    if any_child(lambda p: any_child(lambda q: (q / "meta.json").is_file() and (q / "groundtruth.txt").is_file(),
                                     [c for c in p.iterdir() if c.is_dir()])):
        return "realvideo"  # <bench>/<seq>/{groundtruth.txt, meta.json}: ../shared/realvideo/build.py
    if any_child(lambda p: any_child(lambda q: (q / "groundtruth.txt").is_file(), [c for c in p.iterdir() if c.is_dir()])):
        return "folder"
    raise DataError(f"cannot tell the layout of {r}; pass --format (one of {', '.join(FORMATS)})")


__all__ = ["Dataset", "FORMATS", "open_dataset", "dataset_class", "detect_format"]
