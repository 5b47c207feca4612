"""Refiners: what lighttrack adds around LightTrack's own step, each a small object switched on
by the preset (see :mod:`.base` for the interface). The official presets use none.

A new refiner is one file here (a :class:`Refiner` subclass) and one entry in :data:`REFINERS`,
whose order is the order they act in within a phase.
"""

from __future__ import annotations

from lighttrack.tracker.refiners.alignment import TemplateAlignment
from lighttrack.tracker.refiners.base import PHASES, Refiner, TargetStart
from lighttrack.tracker.refiners.calibration import FirstFrameCalibration, box_bias
from lighttrack.tracker.refiners.lost import LostTarget
from lighttrack.tracker.refiners.voting import BoxVoting

REFINERS: tuple[type[Refiner], ...] = (BoxVoting, FirstFrameCalibration, TemplateAlignment, LostTarget)


def refiners_for(preset) -> list[Refiner]:
    """Fresh refiners for one target, as the preset switches them on, ordered by phase."""
    made = [r for r in (cls.from_preset(preset) for cls in REFINERS) if r is not None]
    return sorted(made, key=lambda r: PHASES.index(r.phase))


__all__ = ["PHASES", "REFINERS", "BoxVoting", "FirstFrameCalibration", "LostTarget", "Refiner", "TargetStart", "TemplateAlignment",
           "box_bias", "refiners_for"]
