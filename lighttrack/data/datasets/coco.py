"""COCO-style still images: every non-crowd object becomes a one-frame sequence.

Layouts: the COCO distribution (``<root>/annotations/instances_<split>.json`` with images in
``<root>/<split>/``, e.g. ``split="train2017"``) or a single set (``<root>/annotations.json`` +
``<root>/images/``, as in ../shared/data/stills). Trackers draw template and search from the same
image with different augmentation, so one frame is enough.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from lighttrack.data.datasets.base import Dataset
from lighttrack.data.sequence import Problem, Sequence
from lighttrack.errors import DataError


def load_coco(json_path: Path) -> dict:
    try:
        with open(json_path) as handle:
            data = json.load(handle)
    except (OSError, ValueError) as err:  # ValueError: bad JSON or bytes that are not UTF-8
        raise DataError(f"cannot read COCO annotations {json_path}: {err}") from None
    if not isinstance(data, dict) or "images" not in data or "annotations" not in data:
        raise DataError(f"{json_path} is not a COCO instances file (needs 'images' and 'annotations')")
    for key, needs in (("images", ("id", "file_name")), ("annotations", ()), ("categories", ("id",))):
        entries = data.get(key, [])
        if not isinstance(entries, list):
            raise DataError(f"{json_path}: '{key}' must be a list, not {type(entries).__name__}")
        bad = next((i for i, e in enumerate(entries) if not isinstance(e, dict) or any(k not in e for k in needs)), None)
        if bad is not None:
            wants = f" with {' and '.join(repr(k) for k in needs)}" if needs else ""
            raise DataError(f"{json_path}: {key}[{bad}] is not an object{wants}")
    return data


def coco_box(bbox) -> list[float]:
    """A COCO ``bbox`` as four floats; anything else (missing, wrong length, not numbers) is NaN."""
    try:
        box = [float(v) for v in bbox]
    except (TypeError, ValueError):
        return [np.nan] * 4
    return box if len(box) == 4 else [np.nan] * 4


def locate(root: Path, split: str | None) -> tuple[Path, Path]:
    """(annotation json, image folder) for either COCO layout."""
    if (root / "annotations.json").is_file() and split is None:
        return root / "annotations.json", root / "images" if (root / "images").is_dir() else root
    ann_dir = root / "annotations"
    found = sorted(p.stem[len("instances_"):] for p in ann_dir.glob("instances_*.json"))
    if split is None:
        if len(found) != 1:
            raise DataError(
                f"coco: choose a split with --split ({', '.join(found) or 'none found'}) in {root}; "
                "expected annotations/instances_<split>.json + <split>/ or annotations.json + images/"
            )
        split = found[0]
    json_path = ann_dir / f"instances_{split}.json"
    if not json_path.is_file():
        raise DataError(f"coco: {json_path} not found (splits present: {', '.join(found) or 'none'})")
    return json_path, root / split


class CocoDataset(Dataset):
    format = "coco"
    layout = "COCO/{annotations/instances_<split>.json, <split>/*.jpg} or <set>/{annotations.json, images/}"
    cache_size = 0

    def __init__(self, root, split: str | None = None, min_size: float = 0.0) -> None:
        super().__init__(root, split)
        self._require_dir(self.root)
        self.json_path, self.image_dir = locate(self.root, split)
        self.min_size = min_size
        self._items: dict[str, tuple[str, list, dict]] = {}

    def _list_names(self) -> list[str]:
        data = load_coco(self.json_path)
        images = {img["id"]: img for img in data["images"]}
        categories = {c["id"]: c.get("name", str(c["id"])) for c in data.get("categories", [])}
        for ann in data["annotations"]:
            if ann.get("iscrowd", 0):
                continue
            image = images.get(ann.get("image_id"))
            if image is None:
                continue
            bbox = coco_box(ann.get("bbox"))
            if self.min_size and min(bbox[2], bbox[3]) < self.min_size:
                continue
            name = f"{Path(image['file_name']).stem}_{ann.get('id', len(self._items))}"
            meta = {"image_id": image["id"], "category": categories.get(ann.get("category_id")),
                    "image_size": (image.get("width"), image.get("height"))}
            self._items[name] = (image["file_name"], bbox, meta)
        if not self._items:
            raise DataError(f"coco: no non-crowd annotations in {self.json_path}")
        return list(self._items)

    def _load(self, name: str) -> Sequence:
        self.names
        file_name, bbox, meta = self._items[name]
        box = np.asarray(bbox, dtype=np.float64).reshape(1, 4)
        valid = bool(np.all(np.isfinite(box)) and box[0, 2] > 0 and box[0, 3] > 0)
        path = self.image_dir / file_name
        issues = () if path.is_file() else (Problem("missing_frames", f"image {path} is missing"),)
        return Sequence(name, [str(path)], box, np.array([valid]), dict(meta), issues)
