"""BatchNorm recalibration of a sampled path before it is scored.

The supernet's running statistics are a mixture over every path that was trained, so each
candidate's statistics are reset and recomputed on a fixed, seeded set of training pairs, the
same for every candidate (spec nas.md §1.2, lighttrack.md §8):

- every BatchNorm of the path (backbone, neck template/search BNs, heads) is reset to mean 0 /
  var 1; with ``momentum=None`` (default) the statistics become the exact average over the
  calibration batches (OFA); ``momentum=0.1`` reproduces LightTrack's EMA over 200 passes;
- the network runs in train mode under ``no_grad`` on the template and search crops of each pair
  (both branches pass through the shared backbone), then goes back to eval mode.

BatchNorms marked with fixed statistics (:func:`fix_statistics`: a supernet's blocks inherited
exactly from a trained tracker, ``model.fix_inherited_bn``) keep theirs: they compute the same
function in training, recalibration and tracking.

The extracted TrackerNet is calibrated, not the supernet, so the shared supernet is never
modified (candidates cannot leak statistics into each other, and parallel ranks stay identical).
"""

from __future__ import annotations

from typing import Iterable, Sequence

import torch
from torch import nn

from lighttrack.errors import CheckpointError
from lighttrack.imaging import normalize_uint8


def batchnorms(modules: Iterable[nn.Module]) -> list[nn.modules.batchnorm._BatchNorm]:
    seen, out = set(), []
    for module in modules:
        for m in module.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm) and id(m) not in seen:
                seen.add(id(m))
                out.append(m)
    return out


FIXED = "lighttrack_fixed_statistics"  # attribute marking a BN whose statistics never change


def has_fixed_statistics(bn: nn.Module) -> bool:
    return bool(getattr(bn, FIXED, False))


def fix_statistics(bns: Iterable[nn.Module]) -> None:
    """Mark BNs as computing with their running statistics in every mode (train, recalibration)."""
    for bn in bns:
        setattr(bn, FIXED, True)


def fixed_batchnorm_names(net: nn.Module) -> list[str]:
    """Names of the marked BNs of ``net`` (for checkpoints)."""
    return [n for n, m in net.named_modules() if isinstance(m, nn.modules.batchnorm._BatchNorm) and has_fixed_statistics(m)]


def mark_fixed_by_name(net: nn.Module, names: Iterable[str], source: str = "checkpoint") -> None:
    """Restore the marks of :func:`fixed_batchnorm_names`; an unknown name is a damaged record."""
    modules = dict(net.named_modules())
    for name in names:
        bn = modules.get(name)
        if not isinstance(bn, nn.modules.batchnorm._BatchNorm):
            raise CheckpointError(f"{source}: 'fixed_batchnorms' names {name!r}, which is not a BatchNorm of this network")
        setattr(bn, FIXED, True)


def hold_fixed(net: nn.Module) -> None:
    """Put the marked BNs of ``net`` in eval mode (after ``net.train()``)."""
    for m in net.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm) and has_fixed_statistics(m):
            m.eval()


def used_batchnorms(net: nn.Module, run) -> list[nn.Module]:
    """The BNs that ``run()`` (a forward pass of ``net``) goes through."""
    used: dict[int, nn.Module] = {}

    def hook(module, args):
        used[id(module)] = module

    handles = [m.register_forward_pre_hook(hook) for m in net.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    try:
        with torch.no_grad():
            run()
    finally:
        for h in handles:
            h.remove()
    return list(used.values())


def reset_bn(modules: Iterable[nn.Module], momentum: float | None = None) -> list[nn.Module]:
    """Reset the running statistics of every BN in ``modules`` but the fixed ones; set their momentum."""
    bns = [bn for bn in batchnorms(modules) if not has_fixed_statistics(bn)]
    for bn in bns:
        bn.reset_running_stats()
        bn.momentum = momentum
    return bns


@torch.no_grad()
def recalibrate(net: nn.Module, batches: Sequence[tuple[torch.Tensor, torch.Tensor]], momentum: float | None = None,
                device: str | torch.device = "cpu") -> nn.Module:
    """Recompute the BN statistics of a TrackerNet on ``batches`` of (template, search) crops.

    Crops are uint8 (B,3,H,W) tensors (normalised here, as in training) or float tensors already
    normalised. Returns ``net`` in eval mode.
    """
    if not batches:
        raise ValueError("BN recalibration needs at least one batch of calibration pairs")
    bns = reset_bn([net], momentum)
    saved = [bn.momentum for bn in bns]
    net.train()
    hold_fixed(net)
    for z, x in batches:
        z = normalize_uint8(z) if z.dtype == torch.uint8 else z
        x = normalize_uint8(x) if x.dtype == torch.uint8 else x
        z, x = z.to(device), x.to(device)
        net.track(net.template(z), x)
    for bn, m in zip(bns, saved):
        bn.momentum = 0.1 if m is None else m  # a normal momentum again for any later training
    return net.eval()


def calibration_batches(pair_dataset, batches: int, batch_size: int, epoch: int = 0) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """The first ``batches * batch_size`` pairs of ``epoch`` of a PairDataset, as uint8 batches.

    PairDataset items are a pure function of (seed, epoch, index), so this set is the same for
    every candidate, every process and every resumed run.
    """
    if batches < 1 or batch_size < 1:
        raise ValueError("calibration needs batches >= 1 and batch_size >= 1")
    if not hasattr(pair_dataset, "item") and hasattr(pair_dataset, "set_epoch"):
        pair_dataset.set_epoch(epoch)  # any map-style data set of pair dicts (e.g. testing.FakePairs)

    def get(index: int) -> dict:
        if hasattr(pair_dataset, "item"):
            return pair_dataset.item(epoch, index)
        return pair_dataset[index % len(pair_dataset)]

    out = []
    for b in range(batches):
        items = [get(b * batch_size + i) for i in range(batch_size)]
        out.append((torch.stack([it["template"] for it in items]), torch.stack([it["search"] for it in items])))
    return out
