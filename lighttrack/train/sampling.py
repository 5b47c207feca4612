"""Path-sampling strategies for supernet training (spec nas.md §1.1).

Every strategy is a pure function of ``(seed, step)``: the paths of a step come from a
``random.Random`` seeded with both, so every rank of a distributed run draws the same paths
without communicating, and a resumed run draws exactly the paths the interrupted one would have.

- ``uniform``: one path, each gene uniform (SPOS; LightTrack's recipe).
- ``constrained``: uniform under a params / MACs limit (rejection sampling on the cost table).
- ``sandwich``: the largest path, the smallest path and ``num_random`` uniform paths per step,
  gradients accumulated into one update; with in-place distillation the smaller paths also learn
  from the largest path's outputs (BigNAS / AttentiveNAS).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable

from lighttrack.arch import Arch
from lighttrack.costs import cost_table
from lighttrack.errors import ConfigError
from lighttrack.space import SearchSpace


@dataclass(frozen=True)
class StepPaths:
    """The paths of one step; ``teacher`` (if set) is paths[0] and distils into the others."""

    paths: tuple[Arch, ...]
    teacher: bool = False


def step_rng(seed: int, step: int, salt: str = "path") -> random.Random:
    return random.Random(f"lighttrack:{salt}:{seed}:{step}")


class PathSampler:
    def __init__(
        self,
        space: SearchSpace,
        strategy: str = "uniform",
        seed: int = 0,
        accept: Callable[[Arch], bool] | None = None,
        num_random: int = 2,
        distill: bool = True,
    ):
        if strategy not in ("uniform", "constrained", "sandwich"):
            raise ConfigError(f"unknown sampling strategy {strategy!r}")
        if strategy == "constrained" and accept is None:
            raise ConfigError("the constrained sampling strategy needs a params/MACs limit")
        self.space = space
        self.strategy = strategy
        self.seed = seed
        self.accept = accept
        self.num_random = num_random
        self.distill = distill

    def _one(self, rng: random.Random) -> Arch:
        if self.accept is not None:
            return self.space.sample_under(rng, self.accept)
        return self.space.sample(rng)

    def paths(self, step: int) -> StepPaths:
        rng = step_rng(self.seed, step)
        if self.strategy in ("uniform", "constrained"):
            return StepPaths((self._one(rng),))
        largest, smallest = self.space.largest(), self.space.smallest()
        if self.accept is not None:
            # When the largest path is over the budget, the top of the sandwich is an in-budget
            # sample instead (the distillation teacher must be a path the search may pick).
            if not self.accept(largest):
                largest = self._one(rng)
        middle = tuple(self._one(rng) for _ in range(self.num_random))
        return StepPaths((largest, smallest) + middle, teacher=self.distill)

    def state_dict(self) -> dict:
        return {"strategy": self.strategy, "seed": self.seed, "num_random": self.num_random, "distill": self.distill}


def make_sampler(space: SearchSpace, cfg, seed: int) -> PathSampler:
    """A PathSampler from a :class:`~lighttrack.train.config.SamplingConfig`."""
    accept = None
    if cfg.max_params is not None or cfg.max_macs is not None:
        accept = cost_table(space).within(cfg.max_params, cfg.max_macs)
    strategy = cfg.strategy
    return PathSampler(space, strategy, seed, accept, cfg.num_random, cfg.distill)
