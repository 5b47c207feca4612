"""Thin adapters for the got10k toolkit and the vot-toolkit; no dependency on either package.

got10k toolkit: its experiments call ``tracker.track(img_files, box, visualize)`` (and the
``init(image, box)`` / ``update(image) -> box`` pair with PIL images). :class:`GOT10kTracker`
implements that protocol by duck typing, so it works without subclassing ``got10k.trackers.Tracker``.

vot-toolkit: with the ``traxpython`` protocol the toolkit runs a Python command that talks TraX
through the ``vot`` integration module (``vot.py`` from the votchallenge integration
repository, which needs ``pip install vot-trax``). :func:`run_vot` is that loop; a
``trackers.ini`` entry looks like::

    [LightTrack]
    label = LightTrack
    protocol = traxpython
    command = from lighttrack.tracker.adapters import run_vot; run_vot("/path/to/weights.pt", preset="vot2019")
    paths = /path/to/folder/with/vot.py

:class:`VOTTracker` is the object form for the toolkit's ``python`` runtime (a factory named
``module:Object`` whose object has ``init``/``initialize`` and ``update``)::

    [LightTrack]
    label = LightTrack
    protocol = python
    command = lighttrack.tracker.adapters:VOTTracker
    arguments = {"weights": "/path/to/weights.pt", "preset": "vot2019"}

It tracks several objects at once (``multiobject = True``) with one batched network call per frame.
"""

from __future__ import annotations

import os
import time
from collections import namedtuple
from typing import Any, Sequence

import numpy as np

from lighttrack.errors import InputError
from lighttrack.tracker.tracker import Tracker

Rectangle = namedtuple("Rectangle", ["x", "y", "width", "height"])


def _load_image(image: Any) -> np.ndarray:
    """An RGB uint8 array from a path, a PIL image or an array (arrays are taken as RGB)."""
    if isinstance(image, (str, os.PathLike)):
        import cv2

        data = cv2.imread(os.fspath(image), cv2.IMREAD_UNCHANGED)
        if data is None:
            raise InputError(f"cannot read image {os.fspath(image)!r}")
        from lighttrack.tracker.video import to_rgb

        return to_rgb(data)
    if isinstance(image, (list, tuple)) and image:  # multi-channel VOT frames: take the first (colour)
        return _load_image(image[0])
    return image


def _make_tracker(tracker: Tracker | None, weights: str | None, onnx: str | None, preset: str | None, **kwargs) -> Tracker:
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
        self.tracker = _make_tracker(tracker, weights, onnx, preset, **kwargs)
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


class VOTTracker:
    """Object form for the vot-toolkit ``python`` runtime (``command = module:Factory``).

    The runtime calls ``init(frame, new[, properties])`` and ``update(frame[, new, properties])``
    with toolkit ``Frame`` objects (or paths / arrays) and answers one status per object. Several
    objects are tracked together (``multiobject = True``): one batched network call per frame.
    """

    multiobject = True

    def __init__(self, tracker: Tracker | None = None, weights: str | None = None, onnx: str | None = None, preset: str = "vot2019", **kwargs) -> None:
        self.tracker = _make_tracker(tracker, weights, onnx, preset, **kwargs)
        self._single = True

    def init(self, frame: Any, new: Any, properties: Any = None):
        objects = _objects(new)
        self._single = not isinstance(new, (list, tuple)) or _is_number_list(new)
        results = self.tracker.init_many(_frame_image(frame), [region_to_box(o) for o in objects])
        return self._status(results)

    initialize = init

    def update(self, frame: Any, new: Any = None, properties: Any = None):
        if new is not None and len(_objects(new)) > 0 and not _is_empty(new):
            raise InputError("LightTrack cannot add objects in the middle of a sequence; initialize again")
        return self._status(self.tracker.update_many(_frame_image(frame)))

    track = update

    def _status(self, results):
        statuses = [_vot_status(r) for r in results]
        return statuses[0] if self._single and len(statuses) == 1 else statuses


def _is_number_list(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and len(value) in (4, 8) and all(isinstance(v, (int, float, np.floating, np.integer)) for v in value)


def _is_empty(new: Any) -> bool:
    return isinstance(new, (list, tuple)) and len(new) == 0


def _objects(new: Any) -> list:
    """Regions from one region, an ObjectStatus, or a list of either."""
    if new is None or _is_empty(new):
        return []
    if _is_number_list(new) or not isinstance(new, (list, tuple)) or hasattr(new, "region"):
        new = [new]
    return [getattr(o, "region", o) for o in new]


def _frame_image(frame: Any) -> np.ndarray:
    """Pixels from a vot-toolkit Frame (``image()``/``filename()``), a channel dict, a path or an array."""
    if isinstance(frame, dict):
        frame = frame.get("color") or next(iter(frame.values()))
    if hasattr(frame, "filename") and callable(frame.filename):
        return _load_image(frame.filename())
    if hasattr(frame, "image") and callable(frame.image):
        return np.asarray(frame.image())
    return _load_image(frame)


def _vot_status(result):
    """A toolkit ObjectStatus(Rectangle, {"confidence": score}) when the toolkit is importable."""
    x, y, w, h = (float(v) for v in result.box)
    try:  # pragma: no cover - only inside the toolkit
        from vot.region import Rectangle as VotRectangle
        from vot.tracker import ObjectStatus

        return ObjectStatus(VotRectangle(x, y, w, h), {"confidence": float(result.score)})
    except ImportError:
        return Rectangle(x, y, w, h), float(result.score)


def region_to_box(region: Any) -> np.ndarray:
    """x, y, w, h from a VOT Rectangle, a Polygon (axis-aligned bounds) or 4/8 numbers."""
    if hasattr(region, "bounds") and callable(region.bounds):  # vot.region shapes: (left, top, right, bottom)
        left, top, right, bottom = (float(v) for v in region.bounds())
        if all(hasattr(region, a) for a in ("x", "y", "width", "height")):
            return np.array([region.x, region.y, region.width, region.height], dtype=np.float64)
        return np.array([left, top, right - left, bottom - top])
    if hasattr(region, "points"):  # vot.Polygon of Point(x, y)
        points = np.array([[p.x, p.y] for p in region.points], dtype=np.float64)
    elif all(hasattr(region, a) for a in ("x", "y", "width", "height")):
        return np.array([region.x, region.y, region.width, region.height], dtype=np.float64)
    else:
        values = np.asarray(region, dtype=np.float64).reshape(-1)
        if values.size == 4:
            return values
        if values.size < 6 or values.size % 2:
            raise InputError(f"cannot read a box from region {region!r}")
        points = values.reshape(-1, 2)
    lo, hi = points.min(axis=0), points.max(axis=0)
    return np.array([lo[0], lo[1], hi[0] - lo[0], hi[1] - lo[1]])


def run_vot(weights: str | None = None, preset: str = "vot2019", onnx: str | None = None, **kwargs) -> None:
    """The TraX loop for the vot-toolkit (``traxpython`` protocol), via the ``vot`` helper module."""
    try:
        import vot  # the integration helper vot.py (needs the vot-trax package)
    except ImportError as err:  # pragma: no cover - only inside the toolkit
        raise InputError("run_vot needs the vot-toolkit integration module 'vot' (vot.py) and 'pip install vot-trax'") from err
    tracker = VOTTracker(weights=weights, onnx=onnx, preset=preset, **kwargs)
    handle = vot.VOT("rectangle")
    region = handle.region()
    image = handle.frame()
    if not image:
        return
    tracker.tracker.init(_load_image(image), region_to_box(region))
    while True:
        image = handle.frame()
        if not image:
            break
        x, y, w, h = tracker.tracker.update(_load_image(image)).box
        confidence = tracker.tracker._states[0].score
        handle.report(vot.Rectangle(float(x), float(y), float(w), float(h)), float(confidence))
