"""Clips made from still images: a virtual camera pans and zooms over one photo.

This turns a permissively licensed COCO-format still set (../shared/data/stills/<set>) into
tracking clips with exact boxes — the camera is a pure scale + translation, so the annotated box
maps to an exact axis-aligned box in every frame. The demo and smoke training use it where video
with a shippable licence is scarce. Everything is a pure function of ``(seed, object)``.

Two camera styles:

- ``smooth``: a slow, steady pan and zoom — easy for every tracker (a correlation filter's ideal).
- ``handheld``: what a phone or drone camera does — fast pans with shake, zooms of up to 3x,
  motion blur along the motion, exposure drift, sensor noise, and a passing occluder (a patch of
  the same photo sliding over the target). These are the OTB attributes fast motion, scale
  variation, motion blur, illumination variation and occlusion; the box stays exact because the
  target itself is never moved or cut, only covered.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from lighttrack.data.datasets.base import Dataset
from lighttrack.data.datasets.coco import coco_box, load_coco, locate
from lighttrack.data.sequence import Sequence, load_image
from lighttrack.errors import DataError


@functools.lru_cache(maxsize=8)
def _still(path: str) -> tuple[np.ndarray, tuple[float, float, float]]:
    image = load_image(path)
    return image, tuple(float(v) for v in image.reshape(-1, 3).mean(axis=0))


CAMERA_STYLES = ("smooth", "handheld")


def check_camera(style: str) -> str:
    if style not in CAMERA_STYLES:
        raise DataError(f"stills: unknown camera style {style!r} (choose from {', '.join(CAMERA_STYLES)})")
    return style


def _wave_fast(rng: np.random.Generator, length: int) -> np.ndarray:
    """Like ``_wave`` but with 1.5-4 cycles per clip: quick pans and zooms."""
    t = np.arange(length) / max(length - 1, 1)
    out = sum(rng.uniform(0.3, 1.0) * np.sin(2 * np.pi * rng.uniform(1.5, 4.0) * t + rng.uniform(0, 6.3))
              for _ in range(2))
    return out / (np.abs(out).max() + 1e-9)


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
    style: str = "smooth"

    def __post_init__(self) -> None:
        check_camera(self.style)
        if self.style == "handheld":
            self._handheld()
            return
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
        self._place(cx, cy, z)

    def _place(self, cx: np.ndarray, cy: np.ndarray, z: np.ndarray) -> None:
        """Window centres and zooms -> the camera path and the exact boxes. The window stays on
        the image where possible but never loses the target."""
        W, H = self.image_size
        Wo, Ho = self.out_size
        bx, by, bw, bh = self.box
        win_w, win_h = Wo / z, Ho / z
        cx = np.clip(cx, np.minimum(win_w / 2, W / 2), np.maximum(W - win_w / 2, W / 2))
        cy = np.clip(cy, np.minimum(win_h / 2, H / 2), np.maximum(H - win_h / 2, H / 2))
        cx = np.clip(cx, bx + bw - win_w / 2, bx + win_w / 2)
        cy = np.clip(cy, by + bh - win_h / 2, by + win_h / 2)
        self.zoom = z
        self.x0, self.y0 = cx - win_w / 2, cy - win_h / 2
        self.boxes = np.stack([(bx - self.x0) * z, (by - self.y0) * z, np.full_like(z, bw) * z,
                               np.full_like(z, bh) * z], axis=1)

    def _handheld(self) -> None:
        rng = np.random.default_rng([self.seed, self.key, 5])
        W, H = self.image_size
        Wo, Ho = self.out_size
        bx, by, bw, bh = self.box
        n = self.length
        fit = min(Wo / W, Ho / H)
        zmax = max(fit, min(0.6 * Wo / bw, 0.6 * Ho / bh, 4.0 * fit))
        lo, hi = np.log(fit), np.log(max(zmax, fit * 1.0001))
        zoom_wave = 0.6 * _wave(rng, n) + 0.4 * _wave_fast(rng, n)
        z = np.exp(lo + (hi - lo) * (0.5 + 0.5 * zoom_wave))
        win_w, win_h = Wo / z, Ho / z
        tx, ty = bx + bw / 2, by + bh / 2
        pan_x = 0.6 * _wave(rng, n) + 0.4 * _wave_fast(rng, n)
        pan_y = 0.6 * _wave(rng, n) + 0.4 * _wave_fast(rng, n)
        shake = rng.normal(0.0, 0.035, size=(n, 2))  # in window sizes: hand tremor
        shake[0] = 0.0
        cx = tx + 0.45 * (win_w - bw).clip(0) * pan_x + shake[:, 0] * win_w
        cy = ty + 0.45 * (win_h - bh).clip(0) * pan_y + shake[:, 1] * win_h
        self._place(cx, cy, z)
        # photometric drift (gain, per-frame noise) and the passing occluder
        self.gain = np.exp(0.35 * _wave(rng, n))
        self.noise_sigma = float(rng.uniform(2.0, 6.0))
        self.noise_seed = int(rng.integers(1 << 31))
        start = int(rng.integers(max(1, n // 4), max(2, (3 * n) // 4)))
        span = max(2, n // 5)
        side = float(rng.uniform(0.35, 0.6))  # occluder size, as a fraction of the target's size
        ow, oh = bw * side * 1.4, bh * side * 1.4
        # the occluder's source: a patch of the same photo away from the target
        sx = float(rng.uniform(0, max(W - ow, 1)))
        sy = float(rng.uniform(0, max(H - oh, 1)))
        if abs(sx + ow / 2 - tx) < (bw + ow) / 2 and abs(sy + oh / 2 - ty) < (bh + oh) / 2:
            sx = (sx + W / 2) % max(W - ow, 1)
        direction = 1.0 if rng.random() < 0.5 else -1.0
        self.occluder = {"start": start, "span": span, "src": (sx, sy, ow, oh), "dir": direction,
                         "y": float(by + bh * rng.uniform(0.1, 0.9) - oh / 2)}

    def _occluder_rect(self, i: int) -> tuple[float, float, float, float] | None:
        """The occluder's rectangle in still coordinates at frame ``i`` (None when off stage)."""
        occ = getattr(self, "occluder", None)
        if occ is None or not occ["start"] <= i < occ["start"] + occ["span"]:
            return None
        bx, _, bw, _ = self.box
        ow, oh = occ["src"][2], occ["src"][3]
        t = (i - occ["start"] + 0.5) / occ["span"]
        if occ["dir"] < 0:
            t = 1.0 - t
        x = bx - ow + t * (bw + ow)  # slides across the whole target
        return x, occ["y"], ow, oh

    def render(self, i: int) -> np.ndarray:
        image, mean = _still(self.path)
        rect = self._occluder_rect(i)
        if rect is not None:
            image = image.copy()
            sx, sy, ow, oh = self.occluder["src"]
            x, y, _, _ = rect
            H, W = image.shape[:2]
            iw, ih = max(1, int(round(ow))), max(1, int(round(oh)))
            ix, iy = int(round(x)), int(round(y))
            sx0, sy0 = int(round(sx)), int(round(sy))
            patch = cv2.resize(np.ascontiguousarray(image[sy0:sy0 + ih, sx0:sx0 + iw]), (iw, ih))
            x0, y0, x1, y1 = max(ix, 0), max(iy, 0), min(ix + iw, W), min(iy + ih, H)
            if x1 > x0 and y1 > y0:
                image[y0:y1, x0:x1] = patch[y0 - iy:y1 - iy, x0 - ix:x1 - ix]
        z = float(self.zoom[i])
        # continuous map u = z (x - x0); OpenCV works on pixel centres, hence the 0.5 terms
        matrix = np.array([[z, 0, z * (0.5 - self.x0[i]) - 0.5], [0, z, z * (0.5 - self.y0[i]) - 0.5]], np.float32)
        interp = cv2.INTER_AREA if z < 1 else cv2.INTER_LINEAR
        frame = cv2.warpAffine(image, matrix, self.out_size, flags=interp, borderMode=cv2.BORDER_CONSTANT,
                               borderValue=mean)
        if self.style != "handheld":
            return frame
        return self._degrade(frame, i)

    def _degrade(self, frame: np.ndarray, i: int) -> np.ndarray:
        """Motion blur along the camera's motion since the last frame, exposure gain and noise."""
        if i > 0:
            # where the target's centre moved, in output pixels: the blur's length and direction
            b0, b1 = self.boxes[i - 1], self.boxes[i]
            dx = (b1[0] + b1[2] / 2) - (b0[0] + b0[2] / 2)
            dy = (b1[1] + b1[3] / 2) - (b0[1] + b0[3] / 2)
            length = float(np.hypot(dx, dy)) * 0.5  # a half-frame exposure
            if length >= 2.0:
                k = int(min(length, 31)) | 1
                kernel = np.zeros((k, k), np.float32)
                c = k // 2
                ux, uy = dx / (np.hypot(dx, dy) + 1e-9), dy / (np.hypot(dx, dy) + 1e-9)
                for t in np.linspace(-c, c, 2 * k):
                    kernel[int(round(c + t * uy)), int(round(c + t * ux))] = 1.0
                frame = cv2.filter2D(frame, -1, kernel / kernel.sum(), borderType=cv2.BORDER_REPLICATE)
        noise = np.random.default_rng([self.noise_seed, i]).normal(0.0, self.noise_sigma, frame.shape)
        out = frame.astype(np.float32) * float(self.gain[i]) + noise
        return np.clip(out, 0, 255).astype(np.uint8)


class StillsDataset(Dataset):
    """``open_dataset("stills", "<set>", length=…, seed=…, size=(W, H))``: one clip per object.

    Objects smaller than ``min_size`` pixels or larger than ``max_fraction`` of the image area are
    left out (they make degenerate clips). ``size`` defaults to each image's own size.
    """

    format = "stills"
    layout = "<set>/{annotations.json, images/*.jpg} (COCO instances format)"
    cache_size = 32

    def __init__(self, root, split: str | None = None, length: int = 30, seed: int = 0, size=None,
                 min_size: float = 12.0, max_fraction: float = 0.5, camera: str = "smooth") -> None:
        super().__init__(root, split)
        self._require_dir(self.root)
        self.json_path, self.image_dir = locate(self.root, split)
        self.length, self.seed, self.size = int(length), int(seed), size
        self.min_size, self.max_fraction = float(min_size), float(max_fraction)
        self.camera = check_camera(camera)
        self._objects: dict[str, tuple[str, tuple, tuple[int, int], int]] = {}

    def _list_names(self) -> list[str]:
        data = load_coco(self.json_path)
        images = {img["id"]: img for img in data["images"]}
        for ann in data["annotations"]:
            image = images.get(ann.get("image_id"))
            if ann.get("iscrowd", 0) or image is None:
                continue
            try:  # a malformed size or box skips the object, like a crowd or a tiny one
                W, H = int(image.get("width") or 0), int(image.get("height") or 0)
            except (TypeError, ValueError):
                continue
            x, y, w, h = coco_box(ann.get("bbox"))
            if not (np.isfinite([x, y, w, h]).all() and min(w, h) >= self.min_size and W > 0 and H > 0):
                continue
            if w * h > self.max_fraction * W * H:
                continue
            try:
                key = int(ann.get("id", len(self._objects)))
            except (TypeError, ValueError):
                key = len(self._objects)
            name = f"{Path(image['file_name']).stem}_{key}"
            self._objects[name] = (str(self.image_dir / image["file_name"]), (x, y, w, h), (W, H), key)
        if not self._objects:
            raise DataError(f"stills: no usable objects in {self.json_path}")
        return list(self._objects)

    def _load(self, name: str) -> Sequence:
        self.names
        path, box, image_size, key = self._objects[name]
        out = image_size if self.size is None else ((self.size, self.size) if isinstance(self.size, int) else tuple(self.size))
        clip = CameraClip(path, box, image_size, (int(out[0]), int(out[1])), self.length, self.seed, key, self.camera)
        paths = [f"{path}#camera{i:04d}" for i in range(self.length)]
        visible = np.ones(self.length, dtype=bool)
        meta = {"still": path, "image_size": clip.out_size, "zoom": clip.zoom, "camera": self.camera}
        return Sequence(name, paths, clip.boxes, visible, meta, (), clip.render)
