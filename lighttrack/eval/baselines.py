"""Baseline trackers with the same ``init`` / ``update -> TrackResult`` API as ours, and the
factory that turns a ``--tracker`` argument into a tracker.

``--tracker`` accepts:

* ``kcf`` / ``csrt``: OpenCV's KCF and CSRT (opencv-contrib); frames arrive RGB and are
  converted to BGR here, at the edge.
* ``static``: repeats the initial box (a zero-motion floor every tracker should beat).
* ``nanotrack:DIR``: the pretrained peer NanoTrack v2 from its two ONNX files in ``DIR``, run by
  OpenCV's TrackerNano (``lighttrack.eval.peers``).
* a checkpoint file: ``lighttrack.tracker.Tracker.from_weights(path, preset=..., backend=...)``
  (ONNX Runtime by default, exported once and cached; ``backend="torch"`` for eager PyTorch).
* a folder of exported ONNX graphs: ``Tracker.from_onnx(dir, preset=...)``.
* a registered model name with shipped weights (``lighttrack-mobile``, ``lighttrack-m300``).
* ``package.module:factory``: any callable returning an object with ``init`` / ``update``
  (called with ``preset=`` when a preset is given).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import numpy as np

from lighttrack.errors import InputError
from lighttrack.eval.opencv import OPENCV_TRACKERS, OpenCVTracker
from lighttrack.eval.peers import is_peer_spec, make_peer
from lighttrack.models import default_weights, shipped_names
from lighttrack.tracker.result import TrackResult

BUILTIN_TRACKERS = OPENCV_TRACKERS + ("static",)


class StaticTracker:
    """Reports the initial box on every frame."""

    is_deterministic = True

    def __init__(self, preset: Any = None):
        self._box = np.zeros(4)

    def init(self, frame: np.ndarray, box) -> None:
        self._box = np.asarray(box, dtype=np.float64).copy()

    def update(self, frame: np.ndarray) -> TrackResult:
        return TrackResult(box=self._box.copy(), score=1.0)


def result_box(result) -> np.ndarray:
    """The xywh box of whatever ``update`` returned (TrackResult, tuple or array)."""
    box = getattr(result, "box", None)
    if box is None:
        box = result[0] if isinstance(result, tuple) else result
    b = np.asarray(box, dtype=np.float64).reshape(-1)
    if len(b) != 4:
        raise InputError(f"tracker returned a box with {len(b)} values, expected 4 (x, y, w, h)")
    return b


def describe_tracker(spec: str) -> str:
    """A short kind for the spec (for run.json and messages)."""
    s = str(spec)
    if s.lower() in BUILTIN_TRACKERS:
        return s.lower()

    if is_peer_spec(s):
        return "nanotrack"
    p = Path(s).expanduser()
    if p.is_dir():
        return "onnx"
    if p.is_file():
        return "checkpoint"
    if ":" in s:
        return "python"

    return "shipped weights" if default_weights(s.lower()) is not None else "unknown"


def make_tracker(spec: str, preset: Any = None, backend: str = "auto", threads: int | None = None, network_only: bool = False):
    """Build a tracker from a ``--tracker`` argument (see the module docstring).

    ``preset`` is a preset name, preset file, ``Preset`` value or mapping; it only applies to
    LightTrack trackers and ``module:factory`` trackers. ``backend`` (auto, onnxruntime, torch)
    and ``threads`` apply to LightTrack weights; ``network_only`` runs LightTrack's own inference
    (the preset's rates, no refiners).
    """
    s = str(spec)
    low = s.lower()
    if network_only and (low in BUILTIN_TRACKERS or ":" in s and not Path(s).expanduser().exists()):
        raise InputError(f"network-only applies to LightTrack trackers, not to {s!r}")
    if low in OPENCV_TRACKERS:
        return OpenCVTracker(low)
    if low == "static":
        return StaticTracker()
    if is_peer_spec(s):  # before module:factory, which would read "nanotrack:DIR" as a module
        return make_peer(s)
    path = Path(s).expanduser()
    if path.exists():
        try:
            # local: this module stays torch-free (StaticTracker, the OpenCV baselines)
            from lighttrack.tracker.tracker import Tracker  # type: ignore[attr-defined]
        except ImportError as err:
            raise InputError(f"cannot load LightTrack trackers here ({err})") from err
        kwargs = {"threads": threads, "network_only": network_only, **({} if preset is None else {"preset": preset})}
        if path.is_dir():
            return Tracker.from_onnx(path, **kwargs)
        return Tracker.from_weights(path, backend=backend, **kwargs)
    if ":" not in s:
        from lighttrack.tracker.tracker import (
            Tracker,  # local: torch (this module stays torch-free)
        )

        if default_weights(low) is not None:  # a registered model with shipped weights
            return Tracker.from_weights(low, backend=backend, threads=threads, network_only=network_only,
                                        **({} if preset is None else {"preset": preset}))
    if ":" in s and not s.startswith(("/", ".")):
        module_name, _, attr = s.partition(":")
        try:
            factory = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError) as err:
            raise InputError(f"cannot import tracker factory {s!r}: {err}") from err
        return factory(preset=preset) if preset is not None else factory()
    raise InputError(
        f"--tracker {s!r} is neither {', '.join(BUILTIN_TRACKERS)}, nanotrack:DIR, an existing checkpoint "
        f"file or ONNX folder, a model with shipped weights ({', '.join(shipped_names())}), nor a module:factory")


def tracker_is_deterministic(tracker) -> bool:
    return bool(getattr(tracker, "is_deterministic", True))
