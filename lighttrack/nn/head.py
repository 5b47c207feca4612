"""Classification and regression heads: one branch of one Arch, and the head supernet.

A branch is a tower of DSConv layers (skips dropped) followed by a predictor. The supernet
holds, per width choice, a full tower of 8 layers x {3x3, 5x5} and its own predictor; the
cls and reg branches have separate supernets (the official supernet ran the cls towers in
the reg branch, spec §3 — a bug we do not reproduce).
"""

from __future__ import annotations

import torch
from torch import nn

from lighttrack.arch import HEAD_CHANNELS, HEAD_OPS, SKIP, HeadArch
from lighttrack.nn.ops import ClsPredictor, DSConv, RegPredictor

FUSION_CHANNELS = 128


def _predictor(kind: str, channels: int, stride: int) -> nn.Module:
    return ClsPredictor(channels) if kind == "cls" else RegPredictor(channels, stride)


class Branch(nn.Module):
    """One head branch of one Arch: tower (existing layers only) + predictor."""

    def __init__(self, kind: str, head: HeadArch, stride: int = 16, in_channels: int = FUSION_CHANNELS):
        super().__init__()
        width = head.width
        layers, channels = [], in_channels
        for kernel in head.kernels:
            layers.append(DSConv(channels, width, kernel))
            channels = width
        self.tower = nn.Sequential(*layers)
        self.predictor = _predictor(kind, width, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.predictor(self.tower(x))


class SuperBranch(nn.Module):
    """Every candidate of one branch. ``towers[w][layer][op]`` for width choice w, op in {3x3, 5x5}."""

    def __init__(self, kind: str, num_layers: int, stride: int = 16, in_channels: int = FUSION_CHANNELS):
        super().__init__()
        kernels = [k for k in HEAD_OPS if k is not None]
        self.towers = nn.ModuleList()
        self.predictors = nn.ModuleList()
        for width in HEAD_CHANNELS:
            tower = nn.ModuleList()
            for layer in range(num_layers):
                channels = in_channels if layer == 0 else width
                tower.append(nn.ModuleList(DSConv(channels, width, k) for k in kernels))
            self.towers.append(tower)
            self.predictors.append(_predictor(kind, width, stride))

    def path_modules(self, head: HeadArch) -> list[nn.Module]:
        tower = self.towers[head.channel]
        modules = [tower[layer][op] for layer, op in enumerate(head.ops) if op != SKIP]
        return modules + [self.predictors[head.channel]]

    def forward(self, x: torch.Tensor, head: HeadArch, stride: int = 16) -> torch.Tensor:
        *tower, predictor = self.path_modules(head)
        for module in tower:
            x = module(x)
        return predictor(x, stride) if isinstance(predictor, RegPredictor) else predictor(x)
