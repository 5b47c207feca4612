"""The building blocks of LightTrack's networks (spec lighttrack.md §2.1, §3, §4).

Module attribute names follow the official checkpoints where they are already descriptive
(``conv_pw``, ``conv_dw``, ``se.conv_reduce`` …) so that official weights map by a handful of
prefix renames (see ``lighttrack.nn.official``).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


def make_divisible(value: float, divisor: int = 8, min_value: int | None = None) -> int:
    """Round to the nearest multiple of ``divisor``, never below 90 % of ``value``."""
    min_value = min_value or divisor
    rounded = max(min_value, int(value + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * value:
        rounded += divisor
    return rounded


def hard_sigmoid(x: torch.Tensor) -> torch.Tensor:
    return F.relu6(x + 3.0) / 6.0


class Swish(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(x)


class SqueezeExcite(nn.Module):
    """Channel gate: global pool, reduce, ReLU, expand, hard-sigmoid."""

    def __init__(self, channels: int, reduced: int):
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.conv_reduce = nn.Conv2d(channels, reduced, 1, bias=True)
        self.act = nn.ReLU(inplace=True)
        self.conv_expand = nn.Conv2d(reduced, channels, 1, bias=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        gate = self.conv_expand(self.act(self.conv_reduce(self.pool(x))))
        return x * hard_sigmoid(gate)


class Stem(nn.Module):
    """3x3 stride-2 conv to 16 channels, BN, Swish."""

    def __init__(self, in_channels: int = 3, out_channels: int = 16):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, 3, stride=2, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(out_channels)
        self.act = Swish()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.bn(self.conv(x)))


class DepthwiseSeparableBlock(nn.Module):
    """The fixed 16-channel block after the stem: dw3x3, BN, Swish, SE, pw1x1, BN, residual."""

    def __init__(self, channels: int = 16, kernel: int = 3):
        super().__init__()
        self.conv_dw = nn.Conv2d(channels, channels, kernel, padding=kernel // 2, groups=channels, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.act = Swish()
        self.se = SqueezeExcite(channels, make_divisible(0.25 * channels))
        self.conv_pw = nn.Conv2d(channels, channels, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.se(self.act(self.bn1(self.conv_dw(x))))
        return x + self.bn2(self.conv_pw(y))


class MBConv(nn.Module):
    """Inverted residual: 1x1 expand, kxk depthwise, SE, 1x1 project; residual when shapes allow."""

    def __init__(self, in_channels: int, out_channels: int, kernel: int, expansion: int, stride: int):
        super().__init__()
        mid = make_divisible(in_channels * expansion)
        self.residual = stride == 1 and in_channels == out_channels
        self.conv_pw = nn.Conv2d(in_channels, mid, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(mid)
        self.act1 = Swish()
        padding = ((stride - 1) + (kernel - 1)) // 2
        self.conv_dw = nn.Conv2d(mid, mid, kernel, stride=stride, padding=padding, groups=mid, bias=False)
        self.bn2 = nn.BatchNorm2d(mid)
        self.act2 = Swish()
        self.se = SqueezeExcite(mid, make_divisible(0.25 * mid))
        self.conv_pwl = nn.Conv2d(mid, out_channels, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.act1(self.bn1(self.conv_pw(x)))
        y = self.se(self.act2(self.bn2(self.conv_dw(y))))
        y = self.bn3(self.conv_pwl(y))
        return x + y if self.residual else y


class DSConv(nn.Module):
    """Head tower layer: depthwise kxk, pointwise 1x1, BN, ReLU (no BN between dw and pw)."""

    def __init__(self, in_channels: int, out_channels: int, kernel: int):
        super().__init__()
        self.depthwise = nn.Conv2d(in_channels, in_channels, kernel, padding=kernel // 2, groups=in_channels, bias=False)
        self.pointwise = nn.Conv2d(in_channels, out_channels, 1, bias=False)
        self.bn = nn.BatchNorm2d(out_channels)
        self.act = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.bn(self.pointwise(self.depthwise(x))))


def pixelwise_correlation(zf: torch.Tensor, xf: torch.Tensor) -> torch.Tensor:
    """(B,C,Hz,Wz) x (B,C,Hx,Wx) -> (B,Hz*Wz,Hx,Wx): one channel per template position (row-major)."""
    b, c, hz, wz = zf.shape
    _, _, hx, wx = xf.shape
    kernel = zf.reshape(b, c, hz * wz).transpose(1, 2)
    return torch.bmm(kernel, xf.reshape(b, c, hx * wx)).reshape(b, hz * wz, hx, wx)


class ChannelAttention(nn.Module):
    """SE with reduction 1 and a sigmoid gate, over the correlation channels."""

    def __init__(self, channels: int):
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, channels, 1, bias=True)
        self.act = nn.ReLU(inplace=True)
        self.fc2 = nn.Conv2d(channels, channels, 1, bias=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(self.fc2(self.act(self.fc1(self.pool(x)))))


class Neck(nn.Module):
    """Separate affine BatchNorms for template and search features (no activation)."""

    def __init__(self, channels: int):
        super().__init__()
        self.bn_z = nn.BatchNorm2d(channels)
        self.bn_x = nn.BatchNorm2d(channels)


class Fusion(nn.Module):
    """Pixel-wise correlation, channel attention, 1x1 adjust to the heads' 128 channels."""

    def __init__(self, corr_channels: int, out_channels: int = 128):
        super().__init__()
        self.attention = ChannelAttention(corr_channels)
        self.adjust = nn.Conv2d(corr_channels, out_channels, 1, bias=True)

    def forward(self, zf: torch.Tensor, xf: torch.Tensor) -> torch.Tensor:
        return self.adjust(self.attention(pixelwise_correlation(zf, xf)))


class ClsPredictor(nn.Module):
    """3x3 conv to one logit map, scaled by 0.1 (the official convention the tracker expects)."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv = nn.Conv2d(channels, 1, 3, padding=1, bias=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 0.1 * self.conv(x)


class RegPredictor(nn.Module):
    """3x3 conv to l,t,r,b; ReLU then x stride gives distances in search-patch pixels."""

    def __init__(self, channels: int, stride: int = 16):
        super().__init__()
        self.conv = nn.Conv2d(channels, 4, 3, padding=1, bias=True)
        self.stride = stride

    def forward(self, x: torch.Tensor, stride: int | None = None) -> torch.Tensor:
        return F.relu(self.conv(x)) * (stride or self.stride)


def init_weights(module: nn.Module) -> None:
    """The Cream/EfficientNet initialisation: conv ~ N(0, sqrt(2/fan_out)), BN 1/0, linear U."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            fan_out = m.kernel_size[0] * m.kernel_size[1] * m.out_channels // m.groups
            nn.init.normal_(m.weight, 0.0, math.sqrt(2.0 / fan_out))
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Linear):
            bound = 1.0 / math.sqrt(m.weight.shape[0])
            nn.init.uniform_(m.weight, -bound, bound)
            nn.init.zeros_(m.bias)
