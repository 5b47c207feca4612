"""The got10k toolkit's tracker protocol over a LightTrack tracker; no dependency on the package.

got10k toolkit: its experiments call ``tracker.track(img_files, box, visualize)`` (and the
``init(image, box)`` / ``update(image) -> box`` pair with PIL images). :class:`GOT10kTracker`
implements that protocol by duck typing, so it works without subclassing ``got10k.trackers.Tracker``.
The vot-toolkit adapter is :mod:`lighttrack.eval.vot_adapter` (it runs any tracker ``lighttrack
eval`` takes); both find LightTrack weights the same way (:func:`lighttrack_tracker`).
"""

from __future__ import annotations

import os
import time
from typing import Any, Sequence

import cv2
import numpy as np

from lighttrack.errors import InputError
from lighttrack.tracker.tracker import Tracker
from lighttrack.tracker.video import to_rgb


def _load_image(image: Any) -> np.ndarray:
    """An RGB uint8 array from a path, a PIL image or an array (arrays are taken as RGB)."""
    if isinstance(image, (str, os.PathLike)):
        data = cv2.imread(os.fspath(image), cv2.IMREAD_UNCHANGED)
        if data is None:
            raise InputError(f"cannot read image {os.fspath(image)!r}")

        return to_rgb(data)
    if isinstance(image, (list, tuple)) and image:  # multi-channel VOT frames: take the first (colour)
        return _load_image(image[0])
    return image


def lighttrack_tracker(tracker: Tracker | None = None, weights: str | None = None, onnx: str | None = None, preset: str | None = None, **kwargs) -> Tracker:
    """``tracker`` as given, else LightTrack ``weights`` (a checkpoint or a shipped model's name) or
    an ``onnx`` folder, else ``$LIGHTTRACK_WEIGHTS`` / ``$LIGHTTRACK_ONNX``, else the shipped Mobile:
    how the toolkit adapters find the tracker a toolkit's config names."""
    if tracker is not None:
        return tracker
    if onnx:
        return Tracker.from_onnx(onnx, preset=preset, **kwargs)
    weights = weights or os.environ.get("LIGHTTRACK_WEIGHTS")
    onnx = os.environ.get("LIGHTTRACK_ONNX")
    if weights:
        return Tracker.from_weights(weights, preset=preset, **kwargs)
    if onnx:
        return Tracker.from_onnx(onnx, preset=preset, **kwargs)
    return Tracker.from_weights("lighttrack-mobile", preset=preset, **kwargs)


class GOT10kTracker:
    """The got10k toolkit's tracker protocol: ``name``, ``init``, ``update``, ``track``."""

    def __init__(self, tracker: Tracker | None = None, weights: str | None = None, onnx: str | None = None, preset: str | None = None, name: str | None = None, **kwargs) -> None:
        self.tracker = lighttrack_tracker(tracker, weights, onnx, preset, **kwargs)
        self.name = name or self.tracker.name
        self.is_deterministic = True

    def init(self, image: Any, box: Sequence[float]) -> None:
        self.tracker.init(_load_image(image), np.asarray(box, dtype=np.float64))

    def update(self, image: Any) -> np.ndarray:
        return self.tracker.update(_load_image(image)).box

    def track(self, img_files: Sequence[str], box: Sequence[float], visualize: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Run over a sequence of image files; returns (boxes (N,4) xywh, seconds per frame)."""
        boxes = np.zeros((len(img_files), 4))
        times = np.zeros(len(img_files))
        for f, path in enumerate(img_files):
            image = _load_image(path)
            start = time.perf_counter()
            if f == 0:
                self.init(image, box)
                boxes[0] = np.asarray(box, dtype=np.float64)
            else:
                boxes[f] = self.update(image)
            times[f] = time.perf_counter() - start
        return boxes, times
