"""A tiny in-memory pair data set in the PairDataset item format, for tests and throughput runs.

Items are a pure function of ``(seed, epoch, index)`` like the real PairDataset: a textured
square pasted into noise, in both crops, with labels built on the shared grid.
"""

from __future__ import annotations

import numpy as np
import torch

from lighttrack.geometry import grid_points, score_size


class FakePairs(torch.utils.data.Dataset):
    def __init__(self, length: int = 64, template_size: int = 128, search_size: int = 256, seed: int = 0):
        self.length, self.template_size, self.search_size, self.seed = length, template_size, search_size, seed
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index: int) -> dict:
        rng = np.random.default_rng([self.seed, self.epoch, int(index)])
        tz, sx = self.template_size, self.search_size
        obj = rng.integers(0, 256, size=(32, 32, 3), dtype=np.uint8)
        template = rng.integers(0, 60, size=(tz, tz, 3), dtype=np.uint8)
        c = tz // 2
        template[c - 16 : c + 16, c - 16 : c + 16] = obj
        search = rng.integers(0, 60, size=(sx, sx, 3), dtype=np.uint8)
        cx, cy = (int(v) for v in rng.integers(sx // 2 - 48, sx // 2 + 48, size=2))
        search[cy - 16 : cy + 16, cx - 16 : cx + 16] = obj
        box = np.array([cx - 16, cy - 16, cx + 16, cy + 16], dtype=np.float32)
        s = score_size(sx)
        gx, gy = grid_points(sx)
        ltrb = np.stack([gx - box[0], gy - box[1], box[2] - gx, box[3] - gy]).astype(np.float32)
        inside = (ltrb > 0).all(0)
        ci = int(np.clip(np.argmin(np.abs(gy[:, 0] - cy)), 0, s - 1))
        cj = int(np.clip(np.argmin(np.abs(gx[0] - cx)), 0, s - 1))
        ii, jj = np.mgrid[0:s, 0:s]
        cls = ((np.abs(ii - ci) + np.abs(jj - cj)) <= 1).astype(np.float32)
        return {
            "template": torch.from_numpy(np.ascontiguousarray(template.transpose(2, 0, 1))),
            "search": torch.from_numpy(np.ascontiguousarray(search.transpose(2, 0, 1))),
            "cls_label": torch.from_numpy(cls),
            "reg_target": torch.from_numpy(ltrb * inside),
            "reg_weight": torch.from_numpy(inside.astype(np.float32)),
            "box": torch.from_numpy(box),
            "negative": False,
        }
