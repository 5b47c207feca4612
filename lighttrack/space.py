"""SearchSpace: the legal choices of LightTrack, and how to sample, mutate, cross and count them.

Randomness always comes from a ``random.Random`` passed in (or made from a seed), so every
sampler is deterministic for a seed and there is no global random state.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Callable

from lighttrack.arch import (
    BLOCK_CHOICES,
    DEPTHS_470,
    HEAD_CHANNELS,
    HEAD_LAYERS,
    HEAD_OPS,
    SKIP,
    STAGE_CHANNELS,
    STAGE_FIRST_STRIDE,
    Arch,
    HeadArch,
)
from lighttrack.errors import ArchError

# The paper's output positions: any of the last 8 blocks of the stride-16 part.
STRIDE16_POSITIONS = tuple((s, b) for s in (2, 3) for b in range(4))
# The official code's 12 positions: the stride-8 (40-channel) stage as well.
STRIDE8_POSITIONS = tuple((1, b) for b in range(4)) + STRIDE16_POSITIONS

Rng = random.Random


def as_rng(seed_or_rng: int | random.Random | None) -> random.Random:
    return seed_or_rng if isinstance(seed_or_rng, random.Random) else random.Random(seed_or_rng)


@dataclass(frozen=True)
class SearchSpace:
    """The space of trackers: backbone depths, output positions, head depth."""

    depths: tuple[int, ...] = DEPTHS_470
    output_positions: tuple[tuple[int, int], ...] = STRIDE16_POSITIONS
    head_layers: int = HEAD_LAYERS

    @classmethod
    def official_code(cls) -> SearchSpace:
        """The 12 output positions the official supernet code samples (stride 8 included)."""
        return cls(output_positions=STRIDE8_POSITIONS)

    @staticmethod
    def stride_of(stage: int) -> int:
        stride = 2
        for s in range(stage + 1):
            stride *= STAGE_FIRST_STRIDE[s]
        return stride

    # ------------------------------------------------------------------ membership
    def check(self, arch: Arch) -> None:
        """Raise ArchError if ``arch`` is not a member of this space."""
        if arch.depths != self.depths:
            raise ArchError(f"architecture has stage depths {arch.depths}, this search space has {self.depths}")
        if (arch.out_stage, arch.out_block) not in self.output_positions:
            raise ArchError(
                f"output position ops_{arch.out_stage}{arch.out_block} is not in this search space "
                f"(allowed: {', '.join(f'ops_{s}{b}' for s, b in self.output_positions)})"
            )
        for name, head in (("cls", arch.cls), ("reg", arch.reg)):
            if len(head.ops) != self.head_layers:
                raise ArchError(f"{name} head has {len(head.ops)} layers, this search space has {self.head_layers}")

    def __contains__(self, arch: Arch) -> bool:
        try:
            self.check(arch)
        except ArchError:
            return False
        return True

    # ------------------------------------------------------------------ sampling
    def _head(self, rng: Rng) -> HeadArch:
        ops = [rng.randrange(SKIP)] + [rng.randrange(len(HEAD_OPS)) for _ in range(self.head_layers - 1)]
        return HeadArch(rng.randrange(len(HEAD_CHANNELS)), tuple(ops))

    def sample(self, rng: int | Rng | None = None) -> Arch:
        """A uniform sample: each gene uniform over its legal values."""
        rng = as_rng(rng)
        backbone = tuple(tuple(rng.randrange(len(BLOCK_CHOICES)) for _ in range(d)) for d in self.depths)
        stage, block = rng.choice(self.output_positions)
        return Arch(backbone, self._head(rng), self._head(rng), stage, block)

    def sample_under(
        self,
        rng: int | Rng | None,
        accept: Callable[[Arch], bool],
        max_tries: int = 10_000,
    ) -> Arch:
        """Rejection-sample until ``accept(arch)``; see ``lighttrack.profile.CostTable.within``."""
        rng = as_rng(rng)
        for _ in range(max_tries):
            arch = self.sample(rng)
            if accept(arch):
                return arch
        raise ArchError(f"no architecture satisfying the limits was found in {max_tries} samples; the budget may be infeasible")

    def largest(self) -> Arch:
        """The biggest path (k7 e6 everywhere, deepest output, widest full towers): the sandwich rule's top."""
        backbone = tuple((len(BLOCK_CHOICES) - 1,) * d for d in self.depths)
        stage, block = max(self.output_positions)
        head = HeadArch(len(HEAD_CHANNELS) - 1, (1,) * self.head_layers)
        return Arch(backbone, head, head, stage, block)

    def smallest(self) -> Arch:
        """The cheapest path (k3 e4, earliest output, narrowest single-layer towers)."""
        backbone = tuple((0,) * d for d in self.depths)
        stage, block = min(p for p in self.output_positions if self.stride_of(p[0]) == 16)
        head = HeadArch(0, (0,) + (SKIP,) * (self.head_layers - 1))
        return Arch(backbone, head, head, stage, block)

    # ------------------------------------------------------------------ evolution operators
    def mutate(self, arch: Arch, rng: int | Rng | None = None, prob: float = 0.1) -> Arch:
        """Resample each gene with probability ``prob`` (the output position as one gene)."""
        rng = as_rng(rng)

        def gene(value: int, n: int) -> int:
            return rng.randrange(n) if rng.random() < prob else value

        backbone = tuple(tuple(gene(c, len(BLOCK_CHOICES)) for c in stage) for stage in arch.backbone)
        heads = []
        for head in (arch.cls, arch.reg):
            ops = [gene(head.ops[0], SKIP)] + [gene(op, len(HEAD_OPS)) for op in head.ops[1:]]
            heads.append(HeadArch(gene(head.channel, len(HEAD_CHANNELS)), tuple(ops)))
        position = (arch.out_stage, arch.out_block)
        if rng.random() < prob:
            position = rng.choice(self.output_positions)
        return Arch(backbone, heads[0], heads[1], *position)

    def crossover(self, a: Arch, b: Arch, rng: int | Rng | None = None) -> Arch:
        """Each backbone stage, head gene and the output position from either parent.

        Whole stages are inherited together (as in LightTrack), which keeps blocks that were
        selected together within a stage.
        """
        rng = as_rng(rng)
        pick = lambda x, y: x if rng.random() < 0.5 else y  # noqa: E731
        backbone = tuple(pick(sa, sb) for sa, sb in zip(a.backbone, b.backbone))
        heads = []
        for ha, hb in ((a.cls, b.cls), (a.reg, b.reg)):
            heads.append(HeadArch(pick(ha.channel, hb.channel), tuple(pick(x, y) for x, y in zip(ha.ops, hb.ops))))
        position = pick((a.out_stage, a.out_block), (b.out_stage, b.out_block))
        return Arch(backbone, heads[0], heads[1], *position)

    # ------------------------------------------------------------------ counting
    def size(self) -> dict[str, int]:
        """How many choices each part has, and how many distinct trackers the space holds.

        ``backbone`` counts the blocks of the tracker's stages (24/40/80/96; the paper's 6^14),
        ``head`` both branches with layer 0 never a skip; ``distinct_networks`` counts trackers
        that differ in at least one built layer (blocks after the output position do not exist).
        """
        tracker_stages = [d for s, d in enumerate(self.depths) if s <= max(p[0] for p in self.output_positions)]
        branch = len(HEAD_CHANNELS) * SKIP * len(HEAD_OPS) ** (self.head_layers - 1)
        head = branch * branch
        distinct = 0
        for stage, block in self.output_positions:
            used = sum(self.depths[:stage]) + block + 1
            distinct += len(BLOCK_CHOICES) ** used
        return {
            "backbone": len(BLOCK_CHOICES) ** sum(tracker_stages),
            "head": head,
            "output_positions": len(self.output_positions),
            "distinct_networks": distinct * head,
            "log10_distinct_networks": round(math.log10(distinct * head), 3),
        }

    def describe(self) -> dict[str, object]:
        return {
            "depths": list(self.depths),
            "stage_channels": list(STAGE_CHANNELS),
            "block_choices": [f"k{k}e{e}" for k, e in BLOCK_CHOICES],
            "output_positions": [f"ops_{s}{b}" for s, b in self.output_positions],
            "head_channels": list(HEAD_CHANNELS),
            "head_ops": ["dsconv3x3", "dsconv5x5", "skip"],
            "head_layers": self.head_layers,
        }
