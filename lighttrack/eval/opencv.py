"""OpenCV's KCF and CSRT behind the project's tracker API (RGB frames in, x, y, w, h float boxes
out, found / lost from OpenCV's own flag). The NanoTrack peer (``eval.peers``) builds on it."""

from __future__ import annotations

import cv2
import numpy as np

from lighttrack.errors import InputError
from lighttrack.tracker.result import TrackResult

OPENCV_TRACKERS = ("kcf", "csrt")


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
