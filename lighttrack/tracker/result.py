"""What a tracker reports for one target in one frame (torch-free, shared by every tracker)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TrackResult:
    """One target in one frame, read by name.

    - ``box``: x, y, w, h (float64, image pixels). When the target is lost the tracker keeps
      following its best guess, so the box is still where it looked last.
    - ``score``: the tracker's confidence at the chosen position (1.0 in the init frame).
    - ``ok``: found (True) or lost (False): the step was valid and the score reached the
      preset's ``lost_score``.

    It deliberately does not unpack: OpenCV's trackers return ``ok, box`` and an earlier version
    of ours returned ``box, score``, so a silent tuple would swap them in ported code. Use
    :class:`lighttrack.CVTracker` for OpenCV's calling convention.
    """

    box: np.ndarray
    score: float = 1.0
    ok: bool = True

    def __iter__(self):
        raise TypeError(
            "a TrackResult does not unpack: read result.box, result.score and result.ok by name "
            "(for OpenCV's 'ok, box = tracker.update(frame)' use lighttrack.CVTracker)"
        )
