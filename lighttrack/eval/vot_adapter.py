"""Run a lighttrack tracker inside the official vot-toolkit through its ``python`` runtime.

Register it in a VOT workspace's ``trackers.ini``::

    [lighttrack]
    label = LightTrack
    protocol = python
    command = lighttrack.eval.vot_adapter:create
    arg_tracker = /path/to/checkpoint.pt      # or an ONNX folder, kcf, csrt
    arg_preset = default

The toolkit calls ``init(frame, new)`` with a frame file name (or a dict of channel file names)
and the initial region (a rectangle ``(x, y, w, h)`` or a polygon ``[(x, y), ...]``), then
``update(frame)``; we answer with an ``(x, y, w, h)`` rectangle.
"""

from __future__ import annotations

import os

import numpy as np

from lighttrack.eval.baselines import make_tracker, result_box
from lighttrack.eval.metrics import polygon_bbox


def _image(frame):
    from lighttrack.data.sequence import load_image

    if isinstance(frame, dict):
        frame = frame.get("color") or next(iter(frame.values()))
    if isinstance(frame, (str, os.PathLike)):
        return load_image(frame)
    return np.asarray(frame)


def _region_values(new) -> np.ndarray:
    region = new
    if isinstance(new, (tuple, list)) and len(new) == 2 and isinstance(new[1], dict):
        region = new[0]  # (encoded region, properties)
    if isinstance(region, list) and region and isinstance(region[0], (tuple, list)) and len(region) == 1 \
            and isinstance(region[0][1] if len(region[0]) == 2 else None, dict):
        region = region[0][0]
    arr = np.asarray(region, dtype=np.float64).reshape(-1)
    return arr


class VotTracker:
    """Adapter object for the vot-toolkit ``python`` runtime (single object)."""

    multiobject = False

    def __init__(self, tracker: str | None = None, preset: str | None = None):
        spec = tracker or os.environ.get("LIGHTTRACK_VOT_TRACKER", "kcf")
        preset = preset or os.environ.get("LIGHTTRACK_VOT_PRESET") or None
        self._tracker = make_tracker(spec, preset)

    def init(self, frame, new):
        box = polygon_bbox(_region_values(new))
        self._tracker.init(_image(frame), box)
        return tuple(float(v) for v in box)

    def update(self, frame):
        box = result_box(self._tracker.update(_image(frame)))
        return tuple(float(v) for v in box)


def create(**kwargs) -> VotTracker:
    return VotTracker(**kwargs)
