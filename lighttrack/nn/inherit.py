"""Warm-starting the weight-sharing supernet from one trained child network (net2net-style).

``inherit_from_child(supernet, child)`` writes the child's weights into every candidate of the
supernet that has a counterpart in the child, so that every path starts close to the child's
function instead of at random init. ``extract(supernet, child.arch)`` then *is* the child.

What is exact and what is approximate (all statements hold in eval mode, i.e. with the copied
BatchNorm running statistics; in train mode BN renormalises with batch statistics anyway):

* **exact**: same shape; copied tensor for tensor (stem, DS block, the child's neck and fusion,
  the candidate the child chose at each block, the head layers of the child's width and kernel).
* **widened** (function-preserving): the candidate is at least as large in every dimension.
  A larger depthwise kernel is the child's kernel zero-padded in the centre (padding is k//2 for
  every kernel and stride, so the output is unchanged). Extra hidden channels of an MBConv keep
  their initial expand conv / BN / depthwise weights, but their weights into the projection conv
  and into the SE squeeze (``conv_reduce``) are zero, and the extra squeeze units' weights into
  the old channels' gates (``conv_expand``) are zero: the SE pool is a per-channel mean, so the
  old channels' gates and the block output are unchanged. Extra head channels: the next layer's
  (or the predictor's) weights from them into the old channels are zero.
* **narrowed** (approximate): some dimension is smaller: the kernel is centre-cropped; an MBConv
  keeps the hidden channels with the largest projection-weight norm (column norm of
  ``conv_pwl``; the squeeze units likewise by their ``conv_expand`` norm over the kept channels),
  because those contribute most to the block output; a head keeps its first channels (a head
  layer's output may feed any later layer, depending on the skips of a path, so one consistent
  selection - the first ones - is used everywhere).
* **identity**: a head slot the child skips. Its input is always the ReLU output of an earlier
  DSConv (layer 0 is never a skip), so a centre-1 depthwise kernel, an identity pointwise conv and
  a BN whose eval transform is the identity reproduce the skip exactly in eval mode: an arch that
  turns the child's skip on starts as the child too.
* **random**: no counterpart (blocks after the child's output block, necks/fusions of other
  output positions whose shape differs): left as initialised; nothing is invented.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from lighttrack.arch import SKIP
from lighttrack.nn.ops import DSConv, MBConv

KINDS = ("exact", "widened", "narrowed", "identity", "random")
PARTS = ("backbone", "neck_fusion", "cls_head", "reg_head")


def _counts() -> dict[str, int]:
    return {kind: 0 for kind in KINDS}


def _kind(larger_or_equal: bool, equal: bool) -> str:
    return "exact" if equal else ("widened" if larger_or_equal else "narrowed")


def _resize_kernel(weight: torch.Tensor, size: int) -> torch.Tensor:
    """Centre zero-pad (exact, padding is k//2) or centre-crop (approximate) a (.., k, k) kernel."""
    k = weight.shape[-1]
    if size == k:
        return weight
    if size > k:
        p = (size - k) // 2
        return nn.functional.pad(weight, (p, p, p, p))
    c = (k - size) // 2
    return weight[..., c : c + size, c : c + size]


def _copy_bn(dst: nn.BatchNorm2d, src: nn.BatchNorm2d, keep: torch.Tensor) -> None:
    """Channels ``keep`` of ``src`` into the first ``len(keep)`` channels of ``dst`` (stats too)."""
    n = len(keep)
    for name in ("weight", "bias", "running_mean", "running_var"):
        getattr(dst, name)[:n] = getattr(src, name)[keep]
    dst.num_batches_tracked.copy_(src.num_batches_tracked)


def _top_columns(weight: torch.Tensor, n: int) -> torch.Tensor:
    """Indices (ascending) of the ``n`` input channels of a 1x1 conv weight with the largest norm."""
    norms = weight.flatten(2).norm(dim=(0, 2))
    return torch.topk(norms, n).indices.sort().values


def inherit_mbconv(dst: MBConv, src: MBConv) -> str:
    """Initialise one supernet candidate ``dst`` from the child's block ``src``; returns its kind."""
    m, big_m = src.conv_pw.out_channels, dst.conv_pw.out_channels
    k, big_k = src.conv_dw.kernel_size[0], dst.conv_dw.kernel_size[0]
    if dst.conv_pw.in_channels != src.conv_pw.in_channels or dst.conv_pwl.out_channels != src.conv_pwl.out_channels:
        raise ValueError("MBConv candidates of one block position must have the same input and output channels")
    keep = torch.arange(m) if big_m >= m else _top_columns(src.conv_pwl.weight, big_m)
    n = len(keep)
    dst.conv_pw.weight[:n] = src.conv_pw.weight[keep]
    _copy_bn(dst.bn1, src.bn1, keep)
    dst.conv_dw.weight[:n] = _resize_kernel(src.conv_dw.weight[keep], big_k)
    _copy_bn(dst.bn2, src.bn2, keep)
    # SE: squeeze units of the child (or the strongest ones for the kept channels when narrower)
    sr, se = src.se, dst.se
    r, big_r = sr.conv_reduce.out_channels, se.conv_reduce.out_channels
    rkeep = torch.arange(r) if big_r >= r else _top_columns(sr.conv_expand.weight[keep], big_r)
    nr = len(rkeep)
    se.conv_reduce.weight[:nr, :n] = sr.conv_reduce.weight[rkeep][:, keep]
    se.conv_reduce.weight[:nr, n:] = 0  # new hidden channels do not move the old squeeze units
    se.conv_reduce.bias[:nr] = sr.conv_reduce.bias[rkeep]
    se.conv_expand.weight[:n, :nr] = sr.conv_expand.weight[keep][:, rkeep]
    se.conv_expand.weight[:n, nr:] = 0  # new squeeze units do not move the old channels' gates
    se.conv_expand.bias[:n] = sr.conv_expand.bias[keep]
    dst.conv_pwl.weight[:, :n] = src.conv_pwl.weight[:, keep]
    dst.conv_pwl.weight[:, n:] = 0  # new hidden channels do not reach the output
    dst.bn3.load_state_dict(src.bn3.state_dict())
    return _kind(big_m >= m and big_k >= k, big_m == m and big_k == k)


def inherit_dsconv(dst: DSConv, src: DSConv) -> str:
    """A head tower layer from the child's layer: kernel pad/crop, first channels, zero new inputs."""
    ci, big_ci = src.depthwise.in_channels, dst.depthwise.in_channels
    co, big_co = src.pointwise.out_channels, dst.pointwise.out_channels
    k, big_k = src.depthwise.kernel_size[0], dst.depthwise.kernel_size[0]
    ni, no = min(ci, big_ci), min(co, big_co)
    dst.depthwise.weight[:ni] = _resize_kernel(src.depthwise.weight[:ni], big_k)
    dst.pointwise.weight[:no, :ni] = src.pointwise.weight[:no, :ni]
    dst.pointwise.weight[:no, ni:] = 0  # channels the child does not have do not move its channels
    _copy_bn(dst.bn, src.bn, torch.arange(no))
    return _kind(big_ci >= ci and big_co >= co and big_k >= k, (big_ci, big_co, big_k) == (ci, co, k))


def identity_dsconv(dst: DSConv) -> str:
    """Make a (C -> C) DSConv the identity on non-negative inputs in eval mode (a child's skip)."""
    c = dst.depthwise.in_channels
    if dst.pointwise.out_channels != c:
        raise ValueError("only a layer with as many outputs as inputs can stand for a skip")
    k = dst.depthwise.kernel_size[0]
    dst.depthwise.weight.zero_()
    dst.depthwise.weight[:, 0, k // 2, k // 2] = 1.0
    dst.pointwise.weight.copy_(torch.eye(c).view(c, c, 1, 1))
    bn = dst.bn
    bn.running_mean.zero_()
    bn.running_var.fill_(1.0)
    bn.weight.fill_(math.sqrt(1.0 + bn.eps))  # (x - 0) / sqrt(1 + eps) * sqrt(1 + eps) = x
    bn.bias.zero_()
    return "identity"


def inherit_predictor(dst: nn.Module, src: nn.Module) -> str:
    """A predictor's 3x3 conv from the child's: first input channels, zero weights from new ones."""
    ci, big_ci = src.conv.in_channels, dst.conv.in_channels
    n = min(ci, big_ci)
    dst.conv.weight[:, :n] = src.conv.weight[:, :n]
    dst.conv.weight[:, n:] = 0
    dst.conv.bias.copy_(src.conv.bias)
    return _kind(big_ci >= ci, big_ci == ci)


def _inherit_branch(super_branch: nn.Module, branch: nn.Module, ops: tuple[int, ...], counts: dict[str, int]) -> None:
    """Supernet slot ``layer`` inherits from the child's tower layer that ran at slot ``layer``."""
    source_of: dict[int, DSConv] = {}
    for layer, op in enumerate(ops):
        if op != SKIP:
            source_of[layer] = branch.tower[len(source_of)]
    for tower, predictor in zip(super_branch.towers, super_branch.predictors):
        for layer, candidates in enumerate(tower):
            for dst in candidates:
                if layer in source_of:
                    kind = inherit_dsconv(dst, source_of[layer])
                elif layer < len(ops) and layer > 0:
                    kind = identity_dsconv(dst)
                else:
                    kind = "random"
                counts[kind] += 1
        counts[inherit_predictor(predictor, branch.predictor)] += 1


def _copy_if_same_shape(dst: nn.Module, src: nn.Module) -> bool:
    own, other = dst.state_dict(), src.state_dict()
    if own.keys() != other.keys() or any(own[k].shape != other[k].shape for k in own):
        return False
    dst.load_state_dict(other)
    return True


@torch.no_grad()
def inherit_from_child(supernet: nn.Module, child: nn.Module) -> dict[str, dict[str, int]]:
    """Initialise every candidate of ``supernet`` that has a counterpart in the trained ``child``.

    ``child`` is a TrackerNet whose arch is in ``supernet.space`` (ArchError otherwise). Returns
    counts of modules per part (``backbone`` candidates incl. stem and DS block, ``neck_fusion``,
    ``cls_head`` / ``reg_head`` tower layers and predictors) and in ``total``, by kind: ``exact``,
    ``widened`` (function-preserving), ``narrowed`` (approximate), ``identity`` (a child's skip
    made an exact identity layer) and ``random`` (left as initialised). See the module docstring.
    """
    arch = child.arch
    supernet.space.check(arch)
    report = {part: _counts() for part in PARTS}

    # backbone
    counts = report["backbone"]
    sb, cb = supernet.backbone, child.backbone
    sb.stem.load_state_dict(cb.stem.state_dict())
    sb.stages[0][0].load_state_dict(cb.stages[0][0].state_dict())
    counts["exact"] += 2
    used = {(s, b) for s, b, _ in arch.used_blocks()}
    for s in range(sb.num_stages):
        for b in range(sb.depths[s]):
            for dst in sb.stages[s + 1][b]:
                # unused positions: a block of the same shape may exist earlier in the child's stage,
                # but copying it would invent a function the child never computed there: left random
                counts[inherit_mbconv(dst, cb.stages[s + 1][b]) if (s, b) in used else "random"] += 1

    # necks and fusions: the child's output position exactly, other positions only if shapes match
    counts = report["neck_fusion"]
    for modules, own_key, source in ((supernet.necks, str(arch.out_stage), child.neck), (supernet.fusions, str(arch.stride), child.fusion)):
        for key, dst in modules.items():
            if key == own_key:
                if not _copy_if_same_shape(dst, source):
                    raise ValueError(
                        f"the child's {type(source).__name__.lower()} does not fit the supernet's (template size "
                        f"{getattr(child, 'template_size', '?')} vs {supernet.template_size}?)"
                    )
                counts["exact"] += 1
            else:
                counts["narrowed" if _copy_if_same_shape(dst, source) else "random"] += 1

    # heads
    _inherit_branch(supernet.cls_head, child.cls_head, arch.cls.ops, report["cls_head"])
    _inherit_branch(supernet.reg_head, child.reg_head, arch.reg.ops, report["reg_head"])
    report["total"] = {kind: sum(report[part][kind] for part in PARTS) for kind in KINDS}
    return report


def format_report(report: dict[str, dict[str, int]]) -> str:
    """One line: ``backbone 15 exact / 40 widened / ... ; total ...``."""

    def one(counts: dict[str, int]) -> str:
        return ", ".join(f"{counts[kind]} {kind}" for kind in KINDS if counts.get(kind))

    return "; ".join(f"{part}: {one(report[part])}" for part in (*PARTS, "total") if part in report)

