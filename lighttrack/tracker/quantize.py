"""INT8 calibration crops: the per-frame graph's inputs, collected by tracking real frames with
the fp32 graphs (``lighttrack.export.onnx.quantize_track_graph`` takes them)."""

from __future__ import annotations

import os
from typing import Sequence

import cv2
import numpy as np

from lighttrack.export.onnx import FEATURE_NAMES
from lighttrack.tracker.backends import OnnxBackend
from lighttrack.tracker.tracker import Tracker


def synthetic_clip(frames: int = 24, size: tuple[int, int] = (320, 240), seed: int = 0) -> tuple[list[np.ndarray], np.ndarray]:
    """A deterministic clip (smooth colour background, textured moving box) and its first box.

    Used to calibrate INT8 ranges when no real footage is given; real footage is better.
    """
    rng = np.random.default_rng(seed)
    width, height = size
    low = rng.integers(0, 256, (height // 16 + 1, width // 16 + 1, 3), dtype=np.uint8)
    background = cv2.resize(low, (width, height), interpolation=cv2.INTER_CUBIC)
    background = np.clip(background.astype(np.int16) + rng.integers(-12, 13, background.shape), 0, 255).astype(np.uint8)
    pattern = rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)
    out = []
    for t in range(frames):
        frame = background.copy()
        x = int(width / 2 - 16 + 40 * np.cos(t / 5))
        y = int(height / 2 - 12 + 30 * np.sin(t / 7))
        frame[y : y + 24, x : x + 32] = pattern
        out.append(frame)
    return out, np.array([width / 2 - 16 + 40, height / 2 - 12, 32.0, 24.0])


def calibration_feeds(outdir: str | os.PathLike, frames: Sequence[np.ndarray] | None = None, box=None, presets: Sequence[str] = ("default", "vot2019")) -> list[dict[str, np.ndarray]]:
    """Per-frame graph inputs collected by tracking ``frames`` with the fp32 graphs."""
    if frames is None:
        frames, box = synthetic_clip()
    feeds: list[dict[str, np.ndarray]] = []

    class Recorder(OnnxBackend):
        def track(self, features, x):
            feeds.append({**{k: features[k].copy() for k in FEATURE_NAMES}, "x": x.copy()})
            return super().track(features, x)

    backend = Recorder(outdir, threads=None)
    for preset in presets:
        tracker = Tracker(backend, preset=preset)
        tracker.init(frames[0], box)
        for frame in frames[1:]:
            tracker.update(frame)
    return feeds
