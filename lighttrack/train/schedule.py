"""Learning-rate schedule of LightTrack (spec lighttrack.md §7.2): warm-up, then log-space decay.

Warm-up grows geometrically from ``warmup_start`` toward ``base`` over ``warmup_epochs`` (the
official per-epoch values 0.0100, 0.0125, 0.0155, 0.0193, 0.0241 for 0.01 -> 0.03 over 5 epochs);
then the rate decays log-linearly from ``base`` to ``end`` over the rest of ``total_epochs`` (the
length of the *schedule*, which may exceed the epochs actually trained: the supernet recipe
schedules 50 epochs and stops at 30).

The schedule is a pure function of the (fractional) epoch, so resuming needs only the step
counter. ``per_step=True`` interpolates inside epochs (it equals the official value at every
epoch boundary); ``per_step=False`` holds the official per-epoch value for the whole epoch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class WarmupLogSchedule:
    base: float
    end: float
    warmup_start: float
    warmup_epochs: float
    total_epochs: float
    per_step: bool = True

    def __post_init__(self) -> None:
        if min(self.base, self.end) <= 0 or (self.warmup_epochs > 0 and self.warmup_start <= 0):
            raise ValueError("learning rates must be positive for a log-space schedule")
        if self.total_epochs <= self.warmup_epochs:
            raise ValueError(f"schedule length {self.total_epochs} must exceed the warm-up ({self.warmup_epochs} epochs)")

    def lr_at(self, epoch: float) -> float:
        """Learning rate at a (fractional) epoch."""
        t = float(epoch) if self.per_step else float(math.floor(epoch + 1e-9))
        t = max(t, 0.0)
        if t < self.warmup_epochs:
            return self.warmup_start * (self.base / self.warmup_start) ** (t / self.warmup_epochs)
        span = self.total_epochs - self.warmup_epochs
        if self.per_step:
            frac = min((t - self.warmup_epochs) / span, 1.0)
        else:
            # The official per-epoch decay: np.logspace over the decay epochs, first value = base.
            frac = min((t - self.warmup_epochs) / max(span - 1, 1), 1.0)
        return self.base * (self.end / self.base) ** frac

    def lr_at_step(self, step: int, steps_per_epoch: int) -> float:
        return self.lr_at(step / max(steps_per_epoch, 1))
