"""Backbone-supernet pretraining on an image-classification folder (spec lighttrack.md §7.1).

The paper pre-trains the backbone supernet on ImageNet with single-path uniform sampling (SPOS).
Here any folder ``<root>/<class>/*.jpg`` works: :class:`ImageFolder` reads it with a
random-resized crop + horizontal flip that is deterministic in (seed, epoch, index), and
:class:`BackboneClassifier` puts a 1x1 conv (1280) + pooling + linear classifier on top of the
5-stage :class:`~lighttrack.nn.backbone.SuperBackbone`. The trainer samples one block choice per
block per step, like the tracking supernet. The product ``backbone.pt`` initialises a tracking
run through ``model.backbone_init``.
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import torch
from torch import nn

from lighttrack.arch import BLOCK_CHOICES, DEPTHS_470, STAGE_CHANNELS
from lighttrack.errors import DataError
from lighttrack.nn.backbone import SuperBackbone
from lighttrack.nn.ops import Swish, init_weights

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".webp")
HEAD_CHANNELS = 1280


class BackboneClassifier(nn.Module):
    def __init__(self, num_classes: int, depths: tuple[int, ...] = DEPTHS_470, dropout: float = 0.0):
        super().__init__()
        self.backbone = SuperBackbone(depths, num_stages=5)
        self.head = nn.Sequential(
            nn.Conv2d(STAGE_CHANNELS[4], HEAD_CHANNELS, 1, bias=False),
            nn.BatchNorm2d(HEAD_CHANNELS),
            Swish(),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
            nn.Dropout(dropout),
            nn.Linear(HEAD_CHANNELS, num_classes),
        )
        init_weights(self)
        self.num_classes = num_classes

    def forward(self, x: torch.Tensor, choices: tuple[tuple[int, ...], ...]) -> torch.Tensor:
        return self.head(self.backbone.forward_all_stages(x, choices))

    def path_modules(self, choices) -> list[nn.Module]:
        bb = self.backbone
        mods: list[nn.Module] = [bb.stem, bb.stages[0][0]]
        for s in range(bb.num_stages):
            mods.extend(bb.stages[s + 1][b][choices[s][b]] for b in range(bb.depths[s]))
        return mods + [self.head]


def sample_choices(rng, depths: tuple[int, ...]) -> tuple[tuple[int, ...], ...]:
    return tuple(tuple(rng.randrange(len(BLOCK_CHOICES)) for _ in range(d)) for d in depths)


class ImageFolder(torch.utils.data.Dataset):
    """``<root>/<class>/<image>`` classification set; items ``{"image": uint8 (3,S,S), "label"}``."""

    def __init__(self, root: str | os.PathLike, size: int = 224, train: bool = True, seed: int = 0):
        root = Path(root)
        if not root.is_dir():
            raise DataError(f"image folder {str(root)!r} does not exist")
        self.classes = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
        self.samples: list[tuple[str, int]] = []
        for label, name in enumerate(self.classes):
            for f in sorted((root / name).rglob("*")):
                if f.suffix.lower() in IMAGE_EXTENSIONS:
                    self.samples.append((str(f), label))
        if len(self.classes) < 2 or not self.samples:
            raise DataError(
                f"image folder {str(root)!r} needs at least two class sub-folders with images "
                f"(<root>/<class>/*.jpg); found {len(self.classes)} classes and {len(self.samples)} images"
            )
        self.size = size
        self.train = train
        self.seed = seed
        self.epoch = 0
        self.skipped = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return len(self.samples)

    def _load(self, path: str) -> np.ndarray | None:
        image = cv2.imread(path, cv2.IMREAD_COLOR)
        return None if image is None else cv2.cvtColor(image, cv2.COLOR_BGR2RGB)

    def __getitem__(self, index: int) -> dict:
        for attempt in range(len(self.samples)):
            path, label = self.samples[(index + attempt) % len(self.samples)]
            image = self._load(path)
            if image is not None:
                break
            self.skipped += 1
        else:
            raise DataError("no readable image in the image folder")
        rng = np.random.default_rng([self.seed, self.epoch, index])
        out = self._augment(image, rng) if self.train else self._centre(image)
        return {"image": torch.from_numpy(np.ascontiguousarray(out.transpose(2, 0, 1))), "label": torch.tensor(label)}

    def _augment(self, image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        h, w = image.shape[:2]
        area = h * w
        for _ in range(10):
            target = area * rng.uniform(0.08, 1.0)
            ratio = np.exp(rng.uniform(np.log(3 / 4), np.log(4 / 3)))
            cw, ch = int(round(np.sqrt(target * ratio))), int(round(np.sqrt(target / ratio)))
            if 0 < cw <= w and 0 < ch <= h:
                x0, y0 = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
                break
        else:
            side = min(h, w)
            cw = ch = side
            x0, y0 = (w - side) // 2, (h - side) // 2
        crop = cv2.resize(image[y0 : y0 + ch, x0 : x0 + cw], (self.size, self.size), interpolation=cv2.INTER_LINEAR)
        if rng.random() < 0.5:
            crop = crop[:, ::-1]
        return crop

    def _centre(self, image: np.ndarray) -> np.ndarray:
        h, w = image.shape[:2]
        side = min(h, w)
        y0, x0 = (h - side) // 2, (w - side) // 2
        return cv2.resize(image[y0 : y0 + side, x0 : x0 + side], (self.size, self.size), interpolation=cv2.INTER_LINEAR)


def make_image_folder(root: str | os.PathLike, classes: int = 3, per_class: int = 4, size: int = 48, seed: int = 0) -> Path:
    """Write a tiny generated classification set (class = dominant colour + pattern) for tests and demos."""
    root = Path(root)
    rng = np.random.default_rng(seed)
    palette = [(220, 40, 40), (40, 200, 60), (50, 70, 230), (230, 200, 40), (160, 60, 200)]
    for c in range(classes):
        folder = root / f"class_{c}"
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            img = rng.integers(0, 60, size=(size, size, 3), dtype=np.uint8)
            colour = np.array(palette[c % len(palette)], dtype=np.int16)
            y0, x0 = rng.integers(0, size // 2, size=2)
            img[y0 : y0 + size // 2, x0 : x0 + size // 2] = np.clip(colour + rng.integers(-20, 20, 3), 0, 255)
            cv2.imwrite(str(folder / f"{i:03d}.jpg"), img[:, :, ::-1])
    return root
