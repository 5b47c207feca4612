"""Unfolding BatchNorms that carry placeholder statistics, so that batch statistics agree with them.

A checkpoint converted from a graph whose BatchNorm was folded into the convolutions (the official
LightTrack-Mobile, ``lighttrack.nn.from_openvino``) keeps each BN with *placeholder* statistics:
running mean 0, running variance 1, and the folded affine transform as weight and bias. In eval
mode that computes the official network exactly, but the statistics say nothing about the data:

- in train mode a BN normalises with the batch's statistics, so its output is the batch
  standardised, then scaled by a weight made for unit-free input: not the official network;
- BatchNorm recalibration (``lighttrack.nn.batchnorm.recalibrate``: the search's fitness, the
  trainer's ``bn_recalibrate``) replaces the placeholder statistics by measured ones while keeping
  the weight and bias, which changes the eval-mode function too.

``unfold_batchnorms`` re-expresses each such BN with statistics measured on data, keeping its
eval-mode function: a BN in eval mode is the per-channel affine map ``y = a x + c`` with
``a = w / sqrt(var + eps)`` and ``c = b - a mean``; given measured ``mu`` and ``s2`` it sets
``running_mean = mu``, ``running_var = s2``, ``weight = a sqrt(s2 + eps)``, ``bias = c + a mu``, the
same ``a`` and ``c``. Afterwards batch statistics on data like the measured data are close to the
running ones, so train mode and recalibration start from (approximately) the official function,
and eval mode stays exact up to float rounding. Statistics are measured with the network in eval
mode (every upstream BN computes the official function), on template and search crops alike.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import torch
from torch import nn

from lighttrack.imaging import normalize_uint8

_BN = nn.modules.batchnorm._BatchNorm


def has_placeholder_statistics(bn: _BN) -> bool:
    """Running mean exactly 0 and running variance exactly 1 everywhere (folded, or never trained)."""
    if bn.running_mean is None or bn.running_var is None:
        return False
    return bool((bn.running_mean == 0).all() and (bn.running_var == 1).all())


def placeholder_batchnorms(net: nn.Module) -> list[tuple[str, _BN]]:
    """``(name, bn)`` of every BatchNorm of ``net`` whose statistics are placeholders."""
    return [(name, m) for name, m in net.named_modules() if isinstance(m, _BN) and has_placeholder_statistics(m)]


@torch.no_grad()
def restat(bn: _BN, mean: torch.Tensor, var: torch.Tensor) -> None:
    """Give ``bn`` the running statistics ``mean`` / ``var`` and the weight and bias that keep its
    eval-mode function (see the module docstring)."""
    a = bn.weight.double() / torch.sqrt(bn.running_var.double() + bn.eps)
    c = bn.bias.double() - a * bn.running_mean.double()
    mean, var = mean.double().to(a.device), var.double().clamp_min(0).to(a.device)
    bn.running_mean.copy_(mean)
    bn.running_var.copy_(var)
    bn.weight.copy_(a * torch.sqrt(var + bn.eps))
    bn.bias.copy_(c + a * mean)


@torch.no_grad()
def input_statistics(net: nn.Module, bns: Iterable[_BN], batches: Sequence[tuple[torch.Tensor, torch.Tensor]],
                     device: str | torch.device = "cpu") -> dict[int, tuple[torch.Tensor, torch.Tensor]]:
    """Per-channel mean and (population) variance of each BN's input over ``batches`` of
    (template, search) crops, with ``net`` (a TrackerNet) in eval mode. Keys are ``id(bn)``."""
    sums: dict[int, list] = {}

    def hook(module, args):
        x = args[0].double()
        dims = [d for d in range(x.dim()) if d != 1]
        s = sums.setdefault(id(module), [0.0, 0.0, 0])
        s[0] = s[0] + x.sum(dims)
        s[1] = s[1] + (x * x).sum(dims)
        s[2] += x.numel() // x.shape[1]

    handles = [bn.register_forward_pre_hook(hook) for bn in bns]
    was_training = net.training
    net.eval()
    try:
        for z, x in batches:
            z = normalize_uint8(z) if z.dtype == torch.uint8 else z
            x = normalize_uint8(x) if x.dtype == torch.uint8 else x
            net.track(net.template(z.to(device)), x.to(device))
    finally:
        for h in handles:
            h.remove()
        net.train(was_training)
    out = {}
    for key, (s1, s2, n) in sums.items():
        mean = s1 / n
        out[key] = (mean, s2 / n - mean * mean)
    return out


@torch.no_grad()
def unfold_batchnorms(net: nn.Module, batches: Sequence[tuple[torch.Tensor, torch.Tensor]],
                      device: str | torch.device = "cpu") -> list[str]:
    """Give every placeholder-statistics BN of the TrackerNet ``net`` statistics measured on
    ``batches`` while keeping its eval-mode function; returns the names of the BNs changed.
    A BN the batches never reach keeps its placeholders (none does in a TrackerNet)."""
    if not batches:
        raise ValueError("unfolding BatchNorm statistics needs at least one batch of (template, search) crops")
    named = placeholder_batchnorms(net)
    if not named:
        return []
    stats = input_statistics(net, [bn for _, bn in named], batches, device)
    changed = []
    for name, bn in named:
        if id(bn) in stats:
            restat(bn, *stats[id(bn)])
            bn.num_batches_tracked.fill_(len(batches))
            changed.append(name)
    return changed
