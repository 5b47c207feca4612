"""First-frame calibration (``Preset.calibration`` > 0): at init the network also searches the
first frame around the known box, shifted by ``calibration_shift`` of its size in eight
directions, and this fraction of its median miss (centre offset and log size ratio, see
:func:`box_bias`) is taken off every later reading. A small, undertrained network misses each
object in its own consistent way; the first frame shows how."""

from __future__ import annotations

import numpy as np

from lighttrack.tracker.postprocess import CellChoice, Reading, StepInputs
from lighttrack.tracker.refiners.base import Refiner, TargetStart

# Where the calibration searches put the known box: the centre and eight shifts (in units of
# the calibration_shift fraction of the box's width and height).
OFFSETS = np.array([(0, 0), (1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (1, -1), (-1, 1), (-1, -1)], np.float64)
# The largest correction taken: centre offsets in box widths / heights, then log size ratios.
LIMITS = np.array([0.5, 0.5, 0.7, 0.7])


def box_bias(predicted: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """How a predicted x, y, w, h box misses the true one, in the predicted box's own units:
    centre offsets over its width and height, then log size ratios (the form the calibration
    takes off)."""
    p = np.asarray(predicted, np.float64)
    t = np.asarray(truth, np.float64)
    return np.array([
        (p[0] + p[2] / 2 - t[0] - t[2] / 2) / p[2],
        (p[1] + p[3] / 2 - t[1] - t[3] / 2) / p[3],
        np.log(p[2] / t[2]),
        np.log(p[3] / t[3]),
    ])


def correct(reading: Reading, correction: np.ndarray) -> Reading:
    """A reading with a bias (:func:`box_bias` form) taken off."""
    return Reading(reading.dx - correction[0] * reading.w, reading.dy - correction[1] * reading.h,
                   reading.w * np.exp(-correction[2]), reading.h * np.exp(-correction[3]))


class FirstFrameCalibration(Refiner):
    name = "calibration"
    phase = "correct"

    def __init__(self, strength: float, shift: float) -> None:
        self.strength, self.shift = float(strength), float(shift)
        self.correction: np.ndarray | None = None

    @classmethod
    def from_preset(cls, preset) -> "FirstFrameCalibration | None":
        return cls(preset.calibration, preset.calibration_shift) if preset.calibration > 0 else None

    def start(self, target: TargetStart) -> None:
        box = np.asarray(target.box, np.float64)
        center, size = box[:2] + box[2:] / 2, box[2:]
        centers = center + OFFSETS * self.shift * size
        steps = target.probe(centers, np.repeat(size[None], len(centers), axis=0))
        misses = [box_bias(s.measured, box) for s in steps if s.valid and s.measured is not None and np.all(s.measured[2:] > 0)]
        bias = np.clip(np.median(np.array(misses), axis=0), -LIMITS, LIMITS) if misses else np.zeros(4)
        self.correction = self.strength * bias

    def adjust_reading(self, choice: CellChoice, reading: Reading, inputs: StepInputs) -> Reading:
        return reading if self.correction is None else correct(reading, self.correction)
