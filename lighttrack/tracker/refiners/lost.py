"""Lost-target detection (``Preset.lost_detect``; not official): a better found / lost flag, and
optionally the box held while lost.

The network's score alone says little about absence: a small network scores a look-alike as
highly as the target (docs/reliability.md, "Lost targets"). Beside the preset's ``lost_score``
this refiner calls the target lost when

- the score falls under ``lost_drop`` times the median of the scores of the last
  :data:`WINDOW` frames in which it was found (a sudden drop against its own running level;
  ``lost_drop`` 0 switches this test off), or
- the target's first-frame look, matched near the box (:class:`~lighttrack.tracker.align.TemplateAligner`,
  the alignment's normalised correlation), correlates less than ``lost_correlation`` (-1 off),
  or less than ``lost_correlation_drop`` times the median correlation of the last
  :data:`WINDOW` found frames (0 off).

With ``lost_hold`` the tracker keeps the last box in which the target was found while it is
lost: that box is reported, and the next frame is searched from it; tracking resumes from the
network's answer as soon as the target is found again. Without it the flag only reports.

Each frame's signals are kept in :attr:`LostTarget.signals` (for benchmarks and diagnostics).
The first-frame match costs a template correlation per frame, so it runs only when a correlation
test is on, or when :attr:`LostTarget.measure_correlation` is set (a benchmark recording signals).
"""

from __future__ import annotations

from collections import deque

import numpy as np

from lighttrack.tracker.align import TemplateAligner
from lighttrack.tracker.postprocess import Step
from lighttrack.tracker.refiners.base import Refiner, TargetStart

WINDOW = 10  # found frames whose median score is the running level
MIN_HISTORY = 3  # the drop test waits for this many found frames


class LostTarget(Refiner):
    name = "lost"
    phase = "report"

    def __init__(self, drop: float, correlation: float, hold: bool, margin: float = 0.3, correlation_drop: float = 0.0) -> None:
        self.drop, self.correlation, self.hold, self.margin = float(drop), float(correlation), bool(hold), float(margin)
        self.correlation_drop = float(correlation_drop)
        self.measure_correlation = self.correlation > -1.0 or self.correlation_drop > 0
        self.aligner: TemplateAligner | None = None
        self.history: deque[float] = deque(maxlen=WINDOW)
        self.correlations: deque[float] = deque(maxlen=WINDOW)
        self.kept: tuple[np.ndarray, np.ndarray] | None = None  # the state of the last found frame
        self.signals: dict = {}

    @classmethod
    def from_preset(cls, preset) -> "LostTarget | None":
        if not preset.lost_detect:
            return None
        return cls(preset.lost_drop, preset.lost_correlation, preset.lost_hold, preset.align_margin, preset.lost_correlation_drop)

    def start(self, target: TargetStart) -> None:
        self.aligner = TemplateAligner(target.frame, target.box, threshold=-1.0, margin=self.margin)
        x, y, w, h = (float(v) for v in target.box)
        self.kept = (np.array([x + w / 2, y + h / 2]), np.array([w, h]))
        self.history.clear()
        self.correlations.clear()

    def correlation_at(self, frame: np.ndarray, center: np.ndarray, size: np.ndarray) -> float | None:
        """The best correlation of the first-frame look near the box (None: it cannot be matched)."""
        if self.aligner is None or not self.aligner.usable:
            return None
        found = self.aligner.align(frame, center, size)
        return None if found is None else float(found.correlation)

    def report(self, frame: np.ndarray, step: Step, center: np.ndarray, size: np.ndarray, ok: bool):
        score = float(step.score) if step.valid else float("nan")
        level = float(np.median(self.history)) if len(self.history) >= MIN_HISTORY else float("nan")
        correlation = self.correlation_at(frame, center, size) if step.valid and self.measure_correlation else None
        found = bool(ok)
        if found and self.drop > 0 and np.isfinite(level) and score < self.drop * level:
            found = False
        if found and self.correlation > -1.0 and correlation is not None and correlation < self.correlation:
            found = False
        correlation_level = float(np.median(self.correlations)) if len(self.correlations) >= MIN_HISTORY else float("nan")
        if (found and self.correlation_drop > 0 and correlation is not None and np.isfinite(correlation_level)
                and correlation < self.correlation_drop * correlation_level):
            found = False
        self.signals = {"score": score, "level": level, "margin": float(step.margin), "correlation": correlation,
                        "correlation_level": correlation_level, "found": found}
        if found:
            self.history.append(score)
            if correlation is not None:
                self.correlations.append(correlation)
            self.kept = (center.copy(), size.copy())
            return True, center, size
        if self.hold and self.kept is not None:
            return False, self.kept[0].copy(), self.kept[1].copy()
        return False, center, size
