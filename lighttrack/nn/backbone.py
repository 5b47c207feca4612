"""Backbones: the child network of one Arch, and the weight-sharing supernet of all of them.

Both share the layout ``stem`` then ``stages[0]`` (the fixed DS block) and ``stages[1..]`` (the
searchable MBConv stages of 24/40/80/96/192 channels). In the supernet each block is a
ModuleList with one MBConv per choice; each (block, choice) owns its own full weights.
"""

from __future__ import annotations

import torch
from torch import nn

from lighttrack.arch import BLOCK_CHOICES, STAGE_CHANNELS, STAGE_FIRST_STRIDE, Arch
from lighttrack.nn.ops import DepthwiseSeparableBlock, MBConv, Stem

STEM_CHANNELS = 16


def _block_shape(stage: int, block: int) -> tuple[int, int, int]:
    """(in_channels, out_channels, stride) of block ``block`` of searchable stage ``stage``."""
    out = STAGE_CHANNELS[stage]
    if block == 0:
        previous = STAGE_CHANNELS[stage - 1] if stage > 0 else STEM_CHANNELS
        return previous, out, STAGE_FIRST_STRIDE[stage]
    return out, out, 1


def make_block(stage: int, block: int, choice: int) -> MBConv:
    kernel, expansion = BLOCK_CHOICES[choice]
    in_ch, out_ch, stride = _block_shape(stage, block)
    return MBConv(in_ch, out_ch, kernel, expansion, stride)


class Backbone(nn.Module):
    """The backbone of one Arch, cut right after its output block."""

    def __init__(self, arch: Arch):
        super().__init__()
        self.stem = Stem(3, STEM_CHANNELS)
        stages = [nn.ModuleList([DepthwiseSeparableBlock(STEM_CHANNELS)])]
        for s in range(arch.out_stage + 1):
            stages.append(nn.ModuleList())
        for s, b, choice in arch.used_blocks():
            stages[s + 1].append(make_block(s, b, choice))
        self.stages = nn.ModuleList(stages)
        self.out_channels = arch.out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        for stage in self.stages:
            for block in stage:
                x = block(x)
        return x


class SuperBackbone(nn.Module):
    """Every candidate block of the search space; ``forward(x, arch)`` runs one path.

    ``num_stages`` searchable stages are built: 4 (up to the 96-channel stride-16 stage) is all
    a tracker can use; 5 adds the 192-channel stage needed for image-classification pretraining.
    """

    def __init__(self, depths: tuple[int, ...], num_stages: int = 4):
        super().__init__()
        self.depths = tuple(depths)
        self.num_stages = num_stages
        self.stem = Stem(3, STEM_CHANNELS)
        stages = [nn.ModuleList([DepthwiseSeparableBlock(STEM_CHANNELS)])]
        for s in range(num_stages):
            stages.append(
                nn.ModuleList(
                    nn.ModuleList(make_block(s, b, c) for c in range(len(BLOCK_CHOICES))) for b in range(depths[s])
                )
            )
        self.stages = nn.ModuleList(stages)

    def path_modules(self, arch: Arch) -> list[nn.Module]:
        """The modules one Arch runs, in order (stem and DS block included)."""
        modules: list[nn.Module] = [self.stem, self.stages[0][0]]
        if arch.out_stage >= self.num_stages:
            raise ValueError(f"output stage {arch.out_stage} is not built in this supernet ({self.num_stages} stages)")
        modules.extend(self.stages[s + 1][b][c] for s, b, c in arch.used_blocks())
        return modules

    def forward(self, x: torch.Tensor, arch: Arch) -> torch.Tensor:
        for module in self.path_modules(arch):
            x = module(x)
        return x

    def forward_all_stages(self, x: torch.Tensor, choices: tuple[tuple[int, ...], ...]) -> torch.Tensor:
        """Run every built stage with the given choices (image-classification pretraining)."""
        x = self.stages[0][0](self.stem(x))
        for s in range(self.num_stages):
            for b in range(self.depths[s]):
                x = self.stages[s + 1][b][choices[s][b]](x)
        return x
