"""The vot-toolkit adapter: any tracker ``lighttrack eval --tracker`` takes, inside the official
vot-toolkit. No dependency on the toolkit; tested against vot-toolkit 0.9.0.

**python runtime** (a factory the toolkit imports in a worker process)::

    [lighttrack]
    label = LightTrack
    protocol = python
    command = lighttrack.eval.vot_adapter:VOTTracker
    arguments = {"weights": "/path/to/weights.pt", "preset": "vot2019"}

or, with the toolkit's ``arg_`` keys, the factory :func:`create`::

    command = lighttrack.eval.vot_adapter:create
    arg_tracker = /path/to/checkpoint.pt      # a shipped model name, an ONNX folder, kcf, csrt, nanotrack:DIR, ...
    arg_preset = default

The toolkit calls ``init(frame, new[, properties])`` and ``update(frame[, new, properties])``
with a frame file name (or a dict of channel images or file names) and the regions to track (a
rectangle ``(x, y, w, h)``, a polygon ``[(x, y), ...]``, 4 or 2k numbers, toolkit region objects,
or ``(region, properties)`` pairs), and reads back one ``((x, y, w, h), {"confidence": score})``
status per object. LightTrack trackers track several objects at once (``multiobject``: one
batched network call per frame); other trackers one.

**traxpython protocol**: :func:`run_vot` is the TraX loop through the toolkit's ``vot.py``
integration helper (``pip install vot-trax``)::

    [LightTrack]
    protocol = traxpython
    command = from lighttrack.eval.vot_adapter import run_vot; run_vot("/path/to/weights.pt", preset="vot2019")
    paths = /path/to/folder/with/vot.py

``lighttrack.eval.vot_integration`` runs the toolkit on a local workspace with this adapter and
compares its analysis with lighttrack's own VOT metrics (``scripts/vot_integration.sh``).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from lighttrack.data.sequence import load_image
from lighttrack.errors import InputError
from lighttrack.eval.baselines import make_tracker, result_box
from lighttrack.eval.metrics import polygon_bbox
from lighttrack.tracker.adapters import lighttrack_tracker


def _make_tracker(tracker: Any, weights: str | None, onnx: str | None, preset: Any, **kwargs):
    """A tracker object as given; a ``--tracker`` spec string; else LightTrack ``weights`` or an
    ``onnx`` folder, ``$LIGHTTRACK_WEIGHTS`` / ``$LIGHTTRACK_ONNX`` or the shipped Mobile (the
    resolution the got10k adapter uses too)."""
    if isinstance(tracker, (str, os.PathLike)):
        return make_tracker(os.fspath(tracker), preset, **kwargs)

    return lighttrack_tracker(tracker, weights, onnx, preset, **kwargs)


class VOTTracker:
    """The object the vot-toolkit's ``python`` runtime drives (``command = module:Factory``).

    ``tracker`` is a tracker object or anything ``lighttrack eval --tracker`` takes; or give
    LightTrack ``weights`` (a checkpoint or a shipped model name) or an ``onnx`` folder. ``preset``
    applies to LightTrack trackers (default ``vot2019``, the official VOT settings); ``kwargs`` go
    to the tracker's constructor. ``multiobject`` is true when the tracker tracks several objects
    in one call (LightTrack's ``init_many`` / ``update_many``); then ``init`` and ``update`` answer a
    list of statuses (one status alone for a single region given as numbers or points).
    """

    def __init__(self, tracker: Any = None, weights: str | None = None, onnx: str | None = None,
                 preset: Any = "vot2019", **kwargs) -> None:
        self.tracker = _make_tracker(tracker, weights, onnx, preset, **kwargs)
        self.multiobject = hasattr(self.tracker, "init_many") and hasattr(self.tracker, "update_many")
        self._single = True

    def init(self, frame: Any, new: Any, properties: Any = None):
        objects = _objects(new)
        image = frame_image(frame)
        boxes = [region_to_box(o) for o in objects]
        if self.multiobject:
            self._single = not isinstance(new, (list, tuple)) or _is_number_list(new) or _is_point_list(new)
            return self._answer(self.tracker.init_many(image, boxes))
        if len(boxes) != 1:
            raise InputError(f"this tracker follows one object; the toolkit gave {len(boxes)}")
        self.tracker.init(image, boxes[0])
        return _status(boxes[0], None)

    initialize = init

    def update(self, frame: Any, new: Any = None, properties: Any = None):
        if _objects(new):
            raise InputError("the tracker cannot add objects in the middle of a sequence; initialize again")
        image = frame_image(frame)
        if self.multiobject:
            return self._answer(self.tracker.update_many(image))
        result = self.tracker.update(image)
        return _status(result_box(result), getattr(result, "score", None))

    track = update

    def _answer(self, results):
        statuses = [_status(r.box, r.score) for r in results]
        return statuses[0] if self._single and len(statuses) == 1 else statuses


def create(tracker: str | None = None, preset: str | None = None, **kwargs) -> VOTTracker:
    """The factory for ``trackers.ini``'s ``arg_tracker`` / ``arg_preset`` keys: the tracker spec
    (default ``$LIGHTTRACK_VOT_TRACKER``, else ``kcf``) with the preset (default
    ``$LIGHTTRACK_VOT_PRESET``, else the tracker's own, e.g. what shipped weights carry)."""
    spec = tracker or os.environ.get("LIGHTTRACK_VOT_TRACKER", "kcf")
    preset = preset or os.environ.get("LIGHTTRACK_VOT_PRESET") or None
    return VOTTracker(make_tracker(spec, preset, **kwargs))


def _status(box, score) -> tuple:
    """One object's status as the toolkit reads it back: a rectangle and its properties."""
    x, y, w, h = (float(v) for v in np.asarray(box, dtype=np.float64).reshape(-1))
    props = {} if score is None else {"confidence": float(score)}
    return (x, y, w, h), props


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def _is_number_list(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and len(value) >= 4 and len(value) % 2 == 0 \
        and all(_is_number(v) for v in value)


def _is_point_list(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and len(value) >= 3 and all(
        isinstance(p, (list, tuple)) and len(p) == 2 and all(_is_number(v) for v in p) for p in value)


def _is_region_with_properties(value: Any) -> bool:
    return isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], dict) and not hasattr(value, "region")


def _is_empty(new: Any) -> bool:
    return isinstance(new, (list, tuple)) and len(new) == 0


def _is_one_region(value: Any) -> bool:
    return (_is_number_list(value) or _is_point_list(value) or _is_region_with_properties(value)
            or hasattr(value, "region") or not isinstance(value, (list, tuple)))


def _objects(new: Any) -> list:
    """The regions of ``new``: one region (numbers, points, a region object, a status, a
    ``(region, properties)`` pair) or a list of them."""
    if new is None or _is_empty(new):
        return []
    items = [new] if _is_one_region(new) else list(new)
    regions = []
    for item in items:
        if _is_region_with_properties(item):
            item = item[0]
        regions.append(getattr(item, "region", item))
    return regions


def frame_image(frame: Any) -> np.ndarray:
    """HxWx3 RGB pixels of a frame: a file name, a dict of channels (``color`` first), a
    vot-toolkit Frame (``filename()`` / ``image()``) or an array (taken as RGB)."""
    if isinstance(frame, dict):
        frame = frame.get("color") if frame.get("color") is not None else next(iter(frame.values()))
    if hasattr(frame, "filename") and callable(frame.filename):
        frame = frame.filename()
    elif hasattr(frame, "image") and callable(frame.image):
        frame = frame.image()
    if isinstance(frame, (list, tuple)) and frame and isinstance(frame[0], (str, os.PathLike)):
        frame = frame[0]  # several channel files: the first is colour
    if isinstance(frame, (str, os.PathLike)):
        return load_image(frame)
    return np.asarray(frame)


def region_to_box(region: Any) -> np.ndarray:
    """x, y, w, h of a region: a toolkit Rectangle or Polygon (axis-aligned bounds), 4 numbers
    (a rectangle), 2k numbers or k points (a polygon's bounds)."""
    if all(hasattr(region, a) for a in ("x", "y", "width", "height")):
        return np.array([region.x, region.y, region.width, region.height], dtype=np.float64)
    if hasattr(region, "points"):  # vot.region.Polygon: points() or a list of Point(x, y)
        points = region.points() if callable(region.points) else region.points
        values = np.array([[p[0], p[1]] if isinstance(p, (list, tuple)) else [p.x, p.y] for p in points], np.float64)
    elif hasattr(region, "bounds") and callable(region.bounds):  # other shapes: (left, top, right, bottom)
        left, top, right, bottom = (float(v) for v in region.bounds())
        return np.array([left, top, right - left, bottom - top])
    else:
        try:
            values = np.asarray(region, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError):
            raise InputError(f"cannot read a box from region {region!r}") from None
        if values.size == 4:
            return values
    values = values.reshape(-1)
    if values.size < 6 or values.size % 2:
        raise InputError(f"cannot read a box from region {region!r}")
    return polygon_bbox(values)


def run_vot(weights: str | None = None, preset: str = "vot2019", onnx: str | None = None, **kwargs) -> None:
    """The TraX loop for the vot-toolkit (``traxpython`` protocol), via the ``vot`` helper module."""
    try:
        import vot  # local: optional (vot-trax); the integration helper vot.py
    except ImportError as err:  # pragma: no cover - only inside the toolkit
        raise InputError("run_vot needs the vot-toolkit integration module 'vot' (vot.py) and 'pip install vot-trax'") from err
    tracker = VOTTracker(weights=weights, onnx=onnx, preset=preset, **kwargs).tracker
    handle = vot.VOT("rectangle")
    region = handle.region()
    image = handle.frame()
    if not image:
        return
    tracker.init(frame_image(image), region_to_box(region))
    while True:
        image = handle.frame()
        if not image:
            break
        result = tracker.update(frame_image(image))
        x, y, w, h = (float(v) for v in result.box)
        handle.report(vot.Rectangle(x, y, w, h), float(result.score))
