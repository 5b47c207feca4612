"""Template alignment (``Preset.align``): after the network's step, the target's first-frame
appearance is matched near the new box by normalised cross-correlation over a few scales
(:mod:`lighttrack.tracker.align`); where the best match correlates at least
``align_threshold``, its box replaces the network's, within ``align_margin`` of the box's longer
side. The network still finds the target; the match places it to the pixel where the target
keeps its first look, and stands aside where it does not."""

from __future__ import annotations

import numpy as np

from lighttrack.tracker.align import TemplateAligner
from lighttrack.tracker.postprocess import clamp_state
from lighttrack.tracker.refiners.base import Refiner, TargetStart


class TemplateAlignment(Refiner):
    name = "alignment"
    phase = "place"

    def __init__(self, threshold: float, margin: float, min_size: float) -> None:
        self.threshold, self.margin, self.min_size = threshold, margin, min_size
        self.aligner: TemplateAligner | None = None

    @classmethod
    def from_preset(cls, preset) -> "TemplateAlignment | None":
        return cls(preset.align_threshold, preset.align_margin, preset.min_size) if preset.align else None

    def start(self, target: TargetStart) -> None:
        self.aligner = TemplateAligner(target.frame, target.box, self.threshold, self.margin)

    def place(self, frame: np.ndarray, center: np.ndarray, size: np.ndarray):
        found = self.aligner.align(frame, center, size) if self.aligner is not None else None
        if found is None:
            return None
        height, width = frame.shape[:2]
        return clamp_state(found.center, found.size, (width, height), self.min_size)
