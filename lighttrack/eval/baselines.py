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

import cv2
import numpy as np

from lighttrack.errors import InputError
from lighttrack.models import default_weights
from lighttrack.tracker.result import TrackResult

OPENCV_TRACKERS = ("kcf", "csrt")
BUILTIN_TRACKERS = OPENCV_TRACKERS + ("static",)


def _cv2_factory(name: str):
    candidates = {
        "kcf": ("TrackerKCF_create", "TrackerKCF"),
        "csrt": ("TrackerCSRT_create", "TrackerCSRT"),
    }[name]
    for owner in (cv2, getattr(cv2, "legacy", None)):
        if owner is None:
            continue
        fn = getattr(owner, candidates[0], None)
        if fn is not None:
            return fn
        cls = getattr(owner, candidates[1], None)
        if cls is not None and hasattr(cls, "create"):
            return cls.create
    raise InputError(f"OpenCV has no {name.upper()} tracker here; install opencv-contrib-python-headless")


class OpenCVTracker:
    """OpenCV KCF or CSRT behind the project's tracker API (RGB frames, xywh float boxes).

    When OpenCV reports a lost target the previous box is kept and the score is 0.
    """

    is_deterministic = True

    def __init__(self, name: str = "kcf"):
        name = name.lower()
        if name not in OPENCV_TRACKERS:
            raise InputError(f"unknown OpenCV tracker {name!r}; choose {', '.join(OPENCV_TRACKERS)}")
        self.name = name
        self._create = _cv2_factory(name)
        self._tracker = None
        self._box = np.zeros(4)

    def init(self, frame: np.ndarray, box) -> None:
        bgr = cv2.cvtColor(np.ascontiguousarray(frame), cv2.COLOR_RGB2BGR)
        b = np.asarray(box, dtype=np.float64)
        h, w = bgr.shape[:2]
        x0, y0 = max(0.0, b[0]), max(0.0, b[1])
        x1, y1 = min(float(w), b[0] + b[2]), min(float(h), b[1] + b[3])
        if not (x1 > x0 and y1 > y0):
            raise InputError(f"{self.name}: box {b.tolist()} lies outside the {w}x{h} frame")
        rect = (int(round(x0)), int(round(y0)), max(1, int(round(x1 - x0))), max(1, int(round(y1 - y0))))
        self._tracker = self._create()
        try:
            self._tracker.init(bgr, rect)
        except cv2.error as err:  # OpenCV's assertions, e.g. a box it cannot start from
            raise InputError(f"{self.name} cannot start from box {b.tolist()} in the {w}x{h} frame: "
                             f"{str(err).strip().splitlines()[-1]}") from None
        self._box = b.copy()

    def update(self, frame: np.ndarray) -> TrackResult:
        if self._tracker is None:
            raise RuntimeError("update() before init()")
        bgr = cv2.cvtColor(np.ascontiguousarray(frame), cv2.COLOR_RGB2BGR)
        ok, rect = self._tracker.update(bgr)
        if ok:
            self._box = np.asarray(rect, dtype=np.float64)
            return TrackResult(box=self._box.copy(), score=1.0, ok=True)
        return TrackResult(box=self._box.copy(), score=0.0, ok=False)


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
    # local: a cycle - eval.peers subclasses OpenCVTracker from this module (see make_tracker)
    from lighttrack.eval.peers import is_peer_spec

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
    # local: a cycle - eval.peers subclasses OpenCVTracker from this module; the factory over both
    # kinds belongs in a module above them
    from lighttrack.eval.peers import is_peer_spec, make_peer

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
        from lighttrack.tracker.tracker import Tracker  # local: torch (this module stays torch-free)

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
        "file or ONNX folder, a model with shipped weights, nor a module:factory")


def tracker_is_deterministic(tracker) -> bool:
    return bool(getattr(tracker, "is_deterministic", True))
