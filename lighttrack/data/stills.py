"""Clips made from still images: a virtual camera pans and zooms smoothly over one photo.

This turns a permissively licensed COCO-format still set (../shared/data/stills/<set>) into
tracking clips with exact boxes — the camera is a pure scale + translation, so the annotated box
maps to an exact axis-aligned box in every frame. The demo and smoke training use it where video
with a shippable licence is scarce. Everything is a pure function of ``(seed, object)``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from lighttrack.data.datasets.base import Dataset
from lighttrack.data.datasets.coco import load_coco, locate
from lighttrack.data.sequence import Sequence, load_image
from lighttrack.errors import DataError


@functools.lru_cache(maxsize=8)
def _still(path: str) -> tuple[np.ndarray, tuple[float, float, float]]:
    image = load_image(path)
    return image, tuple(float(v) for v in image.reshape(-1, 3).mean(axis=0))


def _wave(rng: np.random.Generator, length: int) -> np.ndarray:
    t = np.arange(length) / max(length - 1, 1)
    out = sum(rng.uniform(0.3, 1.0) * np.sin(2 * np.pi * rng.uniform(0.2, 0.9) * t + rng.uniform(0, 6.3))
              for _ in range(2))
    return out / (np.abs(out).max() + 1e-9)


@dataclass
class CameraClip:
    """A camera path over one still: per frame a zoom ``z`` and the window's top-left (x0, y0)."""

    path: str
    box: tuple[float, float, float, float]
    image_size: tuple[int, int]
    out_size: tuple[int, int]
    length: int
    seed: int
    key: int

    def __post_init__(self) -> None:
        rng = np.random.default_rng([self.seed, self.key, 3])
        W, H = self.image_size
        Wo, Ho = self.out_size
        bx, by, bw, bh = self.box
        fit = min(Wo / W, Ho / H)  # zoom at which the whole image just fills the output
        zmax = max(fit, min(0.6 * Wo / bw, 0.6 * Ho / bh, 3.0 * fit))
        lo, hi = np.log(fit), np.log(max(zmax, fit * 1.0001))
        z = np.exp(lo + (hi - lo) * (0.5 + 0.5 * _wave(rng, self.length)))
        win_w, win_h = Wo / z, Ho / z
        tx, ty = bx + bw / 2, by + bh / 2
        cx = tx + 0.35 * (win_w - bw).clip(0) * _wave(rng, self.length)
        cy = ty + 0.35 * (win_h - bh).clip(0) * _wave(rng, self.length)
        # keep the window on the image where possible, but never lose the target
        cx = np.clip(cx, np.minimum(win_w / 2, W / 2), np.maximum(W - win_w / 2, W / 2))
        cy = np.clip(cy, np.minimum(win_h / 2, H / 2), np.maximum(H - win_h / 2, H / 2))
        cx = np.clip(cx, bx + bw - win_w / 2, bx + win_w / 2)
        cy = np.clip(cy, by + bh - win_h / 2, by + win_h / 2)
        self.zoom = z
        self.x0, self.y0 = cx - win_w / 2, cy - win_h / 2
        self.boxes = np.stack([(bx - self.x0) * z, (by - self.y0) * z, np.full_like(z, bw) * z,
                               np.full_like(z, bh) * z], axis=1)

    def render(self, i: int) -> np.ndarray:
        image, mean = _still(self.path)
        z = float(self.zoom[i])
        # continuous map u = z (x - x0); OpenCV works on pixel centres, hence the 0.5 terms
        matrix = np.array([[z, 0, z * (0.5 - self.x0[i]) - 0.5], [0, z, z * (0.5 - self.y0[i]) - 0.5]], np.float32)
        interp = cv2.INTER_AREA if z < 1 else cv2.INTER_LINEAR
        return cv2.warpAffine(image, matrix, self.out_size, flags=interp, borderMode=cv2.BORDER_CONSTANT,
                              borderValue=mean)


class StillsDataset(Dataset):
    """``open_dataset("stills", "<set>", length=…, seed=…, size=(W, H))``: one clip per object.

    Objects smaller than ``min_size`` pixels or larger than ``max_fraction`` of the image area are
    left out (they make degenerate clips). ``size`` defaults to each image's own size.
    """

    format = "stills"
    layout = "<set>/{annotations.json, images/*.jpg} (COCO instances format)"
    cache_size = 32

    def __init__(self, root, split: str | None = None, length: int = 30, seed: int = 0, size=None,
                 min_size: float = 12.0, max_fraction: float = 0.5) -> None:
        super().__init__(root, split)
        self._require_dir(self.root)
        self.json_path, self.image_dir = locate(self.root, split)
        self.length, self.seed, self.size = int(length), int(seed), size
        self.min_size, self.max_fraction = float(min_size), float(max_fraction)
        self._objects: dict[str, tuple[str, tuple, tuple[int, int], int]] = {}

    def _list_names(self) -> list[str]:
        data = load_coco(self.json_path)
        images = {img["id"]: img for img in data["images"]}
        for ann in data["annotations"]:
            image = images.get(ann.get("image_id"))
            bbox = ann.get("bbox")
            if ann.get("iscrowd", 0) or image is None or not bbox or len(bbox) != 4:
                continue
            W, H = int(image.get("width") or 0), int(image.get("height") or 0)
            x, y, w, h = (float(v) for v in bbox)
            if not (np.isfinite([x, y, w, h]).all() and min(w, h) >= self.min_size and W > 0 and H > 0):
                continue
            if w * h > self.max_fraction * W * H:
                continue
            key = int(ann.get("id", len(self._objects)))
            name = f"{Path(image['file_name']).stem}_{key}"
            self._objects[name] = (str(self.image_dir / image["file_name"]), (x, y, w, h), (W, H), key)
        if not self._objects:
            raise DataError(f"stills: no usable objects in {self.json_path}")
        return list(self._objects)

    def _load(self, name: str) -> Sequence:
        self.names
        path, box, image_size, key = self._objects[name]
        out = image_size if self.size is None else ((self.size, self.size) if isinstance(self.size, int) else tuple(self.size))
        clip = CameraClip(path, box, image_size, (int(out[0]), int(out[1])), self.length, self.seed, key)
        paths = [f"{path}#camera{i:04d}" for i in range(self.length)]
        visible = np.ones(self.length, dtype=bool)
        meta = {"still": path, "image_size": clip.out_size, "zoom": clip.zoom}
        return Sequence(name, paths, clip.boxes, visible, meta, (), clip.render)
