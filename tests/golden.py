"""The golden fixture made with the official LightTrack code (tests/fixtures/official_lighttrack_mobile):
its frames, a PyTorch backend holding its weights, and the official tracker's per-frame boxes."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import torch

FIXTURE = Path(__file__).parent / "fixtures" / "official_lighttrack_mobile"
GOLDEN_TOLERANCE_PX = 0.01
HAVE_FIXTURE = (FIXTURE / "state_dict.pt").is_file()


def golden_frames(count: int = 30) -> list[np.ndarray]:
    return [cv2.cvtColor(cv2.imread(str(FIXTURE / "frames" / f"{i:04d}.png")), cv2.COLOR_BGR2RGB) for i in range(count)]


def golden_backend():
    import lighttrack
    from lighttrack.tracker.backends import TorchBackend

    torch.manual_seed(0)
    return TorchBackend(lighttrack.build("lighttrack-mobile", weights=FIXTURE / "state_dict.pt"))


def rows(run: str) -> np.ndarray:
    """The official tracker's boxes for a preset run: frame, x, y, w, h per row."""
    return np.genfromtxt(FIXTURE / f"tracker_boxes_{run}.txt", comments="#")
