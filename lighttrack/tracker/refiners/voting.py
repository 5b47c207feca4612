"""Box voting (``Preset.vote_radius`` r > 0): the box is the score-weighted mean of the boxes of
the (2r+1)² cells around the chosen one, which evens out one cell's regression noise."""

from __future__ import annotations

import numpy as np

from lighttrack.tracker.postprocess import CellChoice, Reading, StepInputs, reading_of_patch_box
from lighttrack.tracker.refiners.base import Refiner


class BoxVoting(Refiner):
    name = "voting"
    phase = "read"

    def __init__(self, radius: int) -> None:
        self.radius = int(radius)

    @classmethod
    def from_preset(cls, preset) -> "BoxVoting | None":
        return cls(preset.vote_radius) if preset.vote_radius > 0 else None

    def adjust_reading(self, choice: CellChoice, reading: Reading, inputs: StepInputs) -> Reading:
        r, row, col = self.radius, choice.row, choice.col
        rows = slice(max(0, row - r), row + r + 1)
        cols = slice(max(0, col - r), col + r + 1)
        with np.errstate(all="ignore"):
            near = [a[rows, cols] for a in choice.boxes]
            scores = choice.pscore[rows, cols]
            usable = np.isfinite(scores) & np.logical_and.reduce([np.isfinite(a) for a in near])
            weight = np.where(usable, np.maximum(scores, 0.0), 0.0)
            if not weight.sum() > 0:
                return reading
            weight = weight / weight.sum()
            voted = [float(np.where(usable, a, 0.0).ravel() @ weight.ravel()) for a in near]
        return reading_of_patch_box(*voted, inputs)
