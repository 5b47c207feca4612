"""The one interface of a refiner: what it needs when a target starts, what it changes in a step.

A refiner is something lighttrack adds around LightTrack's own step (``postprocess``). The
Tracker makes one instance per target from the preset (``from_preset`` returns None when the
preset switches it off) and calls it at two points:

- ``start(target)`` once, in the init frame: the frame, the box, and a ``probe`` that runs the
  network from any states in that frame (the read-out refiners applied, nothing changed);
- after the network's cell choice, in the order of :data:`~lighttrack.tracker.refiners.REFINERS`:
  ``adjust_reading`` may change the box the step moves towards (``phase = "read"``: how the box
  is read from the maps; ``phase = "correct"``: a correction of that reading), and
  ``place`` may move the state after the step (``phase = "place"``);
- last, in every frame (also when the step had no valid score), ``report`` (``phase =
  "report"``) sees the step and the placed state and returns found / lost and the state to keep.

The official presets create none, so ``--network-only`` (no refiners) is LightTrack's own
inference with the preset's rates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, ClassVar

import numpy as np

from lighttrack.tracker.postprocess import CellChoice, Reading, Step, StepInputs

PHASES = ("read", "correct", "place", "report")


@dataclass(frozen=True)
class TargetStart:
    """What a refiner sees when its target starts: the RGB init frame, the x, y, w, h box, and
    ``probe(centers, sizes)``: the steps the network takes in this frame from each (centre,
    size) state, with the read-out refiners only (nothing is updated)."""

    frame: np.ndarray
    box: np.ndarray
    probe: Callable[[np.ndarray, np.ndarray], list[Step]]


class Refiner:
    """Base class: a refiner that changes nothing. Subclasses set ``name`` and ``phase`` and
    override what they need."""

    name: ClassVar[str] = "refiner"
    phase: ClassVar[str] = "read"

    @classmethod
    def from_preset(cls, preset) -> "Refiner | None":  # pragma: no cover - every refiner overrides it
        raise NotImplementedError

    def start(self, target: TargetStart) -> None:
        """Called once per target in the init frame."""

    def adjust_reading(self, choice: CellChoice, reading: Reading, inputs: StepInputs) -> Reading:
        """The box the step moves towards (phases ``read`` and ``correct``)."""
        return reading

    def place(self, frame: np.ndarray, center: np.ndarray, size: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """A new centre and size after a valid step, or None to keep the step's (phase ``place``)."""
        return None

    def report(self, frame: np.ndarray, step: Step, center: np.ndarray, size: np.ndarray, ok: bool) -> tuple[bool, np.ndarray, np.ndarray]:
        """Found (True) or lost, and the centre and size to keep (phase ``report``); ``ok`` is the
        preset's score rule. The default changes nothing."""
        return ok, center, size
