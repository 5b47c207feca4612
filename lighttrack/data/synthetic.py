"""Synthetic tracking clips: a textured target moving over a textured background.

They exist so tests, smoke training and the demo need no downloaded data: every clip has motion,
scale and aspect change, a passing occluder (frames where it hides the target are not visible),
look-alike distractors and motion blur, and exact boxes. Everything is a pure function of
``(seed, index)``; frames are rendered on demand, so a thousand clips cost almost no memory.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from lighttrack.data.datasets.base import Dataset
from lighttrack.data.sequence import Sequence

OCCLUDED_AT = 0.9  # fraction of the target hidden by the occluder above which it is "not visible"


def texture(rng: np.random.Generator, h: int, w: int, contrast: float = 1.0) -> np.ndarray:
    """A colourful HxWx3 uint8 texture: smooth blobs, fine noise and a few stripes."""
    coarse = rng.random((max(2, h // 24), max(2, w // 24), 3)).astype(np.float32)
    img = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC)
    img += 0.25 * rng.standard_normal((h, w, 3)).astype(np.float32)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    for _ in range(int(rng.integers(1, 4))):
        angle, freq = rng.uniform(0, np.pi), rng.uniform(0.05, 0.3)
        phase = np.sin(freq * (xx * np.cos(angle) + yy * np.sin(angle)))
        img += 0.3 * phase[..., None] * rng.uniform(-1, 1, 3).astype(np.float32)
    mix = rng.uniform(0.2, 1.0, (3, 3)).astype(np.float32)
    img = img @ mix
    img -= img.mean(axis=(0, 1))
    img *= contrast * 60.0 / (img.std() + 1e-6)
    img += rng.uniform(60, 200, 3).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8)


def _paste(frame: np.ndarray, patch: np.ndarray, box: np.ndarray, ellipse: bool) -> None:
    """Draw ``patch`` scaled exactly onto box x,y,w,h (sub-pixel, via one affine warp)."""
    x, y, w, h = box
    ph, pw = patch.shape[:2]
    sx, sy = w / pw, h / ph
    matrix = np.array([[sx, 0, x + 0.5 * sx - 0.5], [0, sy, y + 0.5 * sy - 0.5]], np.float32)
    H, W = frame.shape[:2]
    mask = np.zeros((ph, pw), np.float32)
    if ellipse:
        cv2.ellipse(mask, (pw // 2, ph // 2), (pw // 2, ph // 2), 0, 0, 360, 1.0, -1)
    else:
        mask[:] = 1.0
    warped = cv2.warpAffine(patch, matrix, (W, H), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    alpha = cv2.warpAffine(mask, matrix, (W, H), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    alpha = alpha[..., None]
    frame[:] = (frame * (1 - alpha) + warped * alpha).astype(np.uint8)


def _smooth_path(rng: np.random.Generator, length: int, n_waves: int = 3) -> np.ndarray:
    """A smooth curve in [-1, 1] over ``length`` steps (sum of slow random sinusoids)."""
    t = np.arange(length) / max(length - 1, 1)
    path = np.zeros(length)
    for _ in range(n_waves):
        path += rng.uniform(0.2, 1.0) * np.sin(2 * np.pi * rng.uniform(0.2, 1.5) * t + rng.uniform(0, 2 * np.pi))
    return path / (np.abs(path).max() + 1e-9)


@dataclass
class SyntheticClip:
    """Parameters of one clip; ``render(i)`` draws frame ``i`` (textures built on first use)."""

    seed: int
    index: int
    length: int
    width: int
    height: int

    def __post_init__(self) -> None:
        rng = np.random.default_rng([self.seed, self.index, 7])
        W, H, L = self.width, self.height, self.length
        base = rng.uniform(0.12, 0.3) * min(W, H)
        aspect0 = np.exp(rng.uniform(-0.6, 0.6))
        scale = np.exp(rng.uniform(0.15, 0.4) * _smooth_path(rng, L))
        aspect = aspect0 * np.exp(rng.uniform(0.05, 0.25) * _smooth_path(rng, L))
        w = base * scale * np.sqrt(aspect)
        h = base * scale / np.sqrt(aspect)
        cx = W / 2 + (W / 2 - w / 2 - 2) * rng.uniform(0.4, 0.95) * _smooth_path(rng, L)
        cy = H / 2 + (H / 2 - h / 2 - 2) * rng.uniform(0.4, 0.95) * _smooth_path(rng, L)
        self.boxes = np.stack([cx - w / 2, cy - h / 2, w, h], axis=1)
        self.ellipse = bool(rng.random() < 0.5)
        # an occluder bar crossing the frame once, in front of the target
        self.occ_size = np.array([rng.uniform(0.15, 0.3) * W, rng.uniform(0.4, 1.0) * H])
        start, stop = rng.uniform(-0.3, 0.1), rng.uniform(0.9, 1.3)
        if rng.random() < 0.5:
            start, stop = stop, start
        occ_x = (start + (stop - start) * np.arange(L) / max(L - 1, 1)) * W
        self.occ_boxes = np.stack([occ_x - self.occ_size[0] / 2, np.full(L, rng.uniform(0, H - self.occ_size[1])),
                                   np.full(L, self.occ_size[0]), np.full(L, self.occ_size[1])], axis=1)
        # look-alike distractors, drifting linearly, behind the target
        n_dis = int(rng.integers(1, 4))
        self.dis_boxes = []
        for _ in range(n_dis):
            dw, dh = base * rng.uniform(0.6, 1.2) * np.sqrt(aspect0), base * rng.uniform(0.6, 1.2) / np.sqrt(aspect0)
            p0 = rng.uniform([0, 0], [W - dw, H - dh])
            v = rng.uniform(-1.5, 1.5, 2)
            span = np.array([[W - dw, H - dh]]).clip(1)
            folded = (p0 + np.arange(L)[:, None] * v) % (2 * span)
            pos = span - np.abs(folded - span)  # bounce off the frame edges
            self.dis_boxes.append(np.concatenate([pos, np.tile([[dw, dh]], (L, 1))], axis=1))
        self.blur = rng.random(L) < 0.15
        self.blur_angle = rng.uniform(0, 180, L)
        self.blur_len = rng.integers(5, 13, L)
        self.visible = self._coverage() < OCCLUDED_AT
        self._textures: tuple | None = None

    def _coverage(self) -> np.ndarray:
        b, o = self.boxes, self.occ_boxes
        ix = np.clip(np.minimum(b[:, 0] + b[:, 2], o[:, 0] + o[:, 2]) - np.maximum(b[:, 0], o[:, 0]), 0, None)
        iy = np.clip(np.minimum(b[:, 1] + b[:, 3], o[:, 1] + o[:, 3]) - np.maximum(b[:, 1], o[:, 1]), 0, None)
        return ix * iy / (b[:, 2] * b[:, 3])

    def _build(self) -> tuple:
        rng = np.random.default_rng([self.seed, self.index, 11])
        background = texture(rng, self.height + 64, self.width + 64, contrast=0.8)
        target = texture(rng, 64, 64, contrast=1.4)
        distractors = [np.clip(target.astype(np.int16) + rng.integers(-40, 40, 3), 0, 255).astype(np.uint8)[
            :, ::-1] for _ in self.dis_boxes]
        occluder = texture(rng, 32, 32, contrast=1.0)
        pan = 32 * _smooth_path(rng, self.length), 32 * _smooth_path(rng, self.length)
        return background, target, distractors, occluder, pan

    def render(self, i: int) -> np.ndarray:
        if self._textures is None:
            self._textures = self._build()
        background, target, distractors, occluder, (pan_x, pan_y) = self._textures
        ox, oy = int(32 + pan_x[i]), int(32 + pan_y[i])
        frame = background[oy:oy + self.height, ox:ox + self.width].copy()
        for patch, boxes in zip(distractors, self.dis_boxes):
            _paste(frame, patch, boxes[i], self.ellipse)
        _paste(frame, target, self.boxes[i], self.ellipse)
        _paste(frame, occluder, self.occ_boxes[i], False)
        if self.blur[i]:
            k = int(self.blur_len[i])
            kernel = np.zeros((k, k), np.float32)
            kernel[k // 2, :] = 1.0 / k
            rot = cv2.getRotationMatrix2D(((k - 1) / 2, (k - 1) / 2), float(self.blur_angle[i]), 1.0)
            kernel = cv2.warpAffine(kernel, rot, (k, k))
            frame = cv2.filter2D(frame, -1, kernel / max(kernel.sum(), 1e-6))
        return frame


def synthetic_sequence(seed: int = 0, index: int = 0, length: int = 60, size=(320, 240)) -> Sequence:
    """One deterministic synthetic clip as a ``Sequence`` (frames rendered lazily, RGB uint8)."""
    width, height = (size, size) if isinstance(size, int) else size
    clip = SyntheticClip(seed, index, length, int(width), int(height))
    name = f"synthetic-{seed}-{index:04d}"
    paths = [f"synthetic://{name}/{i:05d}" for i in range(length)]
    meta = {"synthetic": True, "image_size": (int(width), int(height)), "distractors": len(clip.dis_boxes),
            "blurred": np.flatnonzero(clip.blur).tolist()}
    return Sequence(name, paths, clip.boxes, clip.visible, meta, (), clip.render)


class SyntheticDataset(Dataset):
    """``open_dataset("synthetic", None, num_sequences=…, length=…, seed=…, size=…)``."""

    format = "synthetic"
    layout = "(generated; no files)"

    def __init__(self, root=None, split: str | None = None, num_sequences: int = 16, length: int = 60,
                 seed: int = 0, size=(320, 240)) -> None:
        super().__init__(None, split)
        self.num_sequences, self.length, self.seed, self.size = int(num_sequences), int(length), int(seed), size

    def _list_names(self) -> list[str]:
        return [f"synthetic-{self.seed}-{i:04d}" for i in range(self.num_sequences)]

    def _load(self, name: str) -> Sequence:
        return synthetic_sequence(self.seed, int(name.rsplit("-", 1)[1]), self.length, self.size)
