"""Training losses of LightTrack (spec lighttrack.md §7.2) and the in-place distillation terms.

- classification: binary cross-entropy with logits on the network's 0.1-scaled logits, averaged
  separately over positive and negative cells and mixed 0.5 / 0.5 (so the 5 positive cells of a
  16x16 map weigh as much as the ~250 negatives);
- regression: IoU loss ``-log((I + 1) / (U + 1))`` on (l, t, r, b) distances, areas from the
  distance sums, averaged over the cells whose grid point lies inside the ground-truth box;
- total: ``cls + 1.2 * reg``.

All functions take batched tensors: logits (B,1,S,S) or (B,S,S), labels (B,S,S) with 1 = positive,
0 = negative (anything else is ignored), ltrb (B,4,S,S), weights (B,S,S).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

CLS_WEIGHT = 1.0
REG_WEIGHT = 1.2


def _flat_logits(logits: torch.Tensor) -> torch.Tensor:
    return logits.squeeze(1) if logits.dim() == 4 else logits


def balanced_bce(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """0.5 * mean BCE over positives + 0.5 * mean BCE over negatives.

    A batch without positives (negative pairs only) gives 0.5 * the negative mean, and one with
    neither gives a zero that still carries the graph.
    """
    logits = _flat_logits(logits).float()
    labels = labels.to(logits.dtype)
    if logits.shape != labels.shape:
        raise ValueError(f"cls logits {tuple(logits.shape)} and labels {tuple(labels.shape)} differ in shape")
    loss = F.binary_cross_entropy_with_logits(logits, labels.clamp(0, 1), reduction="none")
    total = logits.sum() * 0.0
    for mask in (labels == 1, labels == 0):
        count = mask.sum()
        if count > 0:
            total = total + 0.5 * (loss * mask).sum() / count
    return total


def iou_loss_map(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Per-cell ``-log((I+1)/(U+1))`` for (B,4,S,S) l,t,r,b distances -> (B,S,S)."""
    pred = pred.float()
    target = target.float()
    pl, pt, pr, pb = pred.unbind(1)
    tl, tt, tr, tb = target.unbind(1)
    pred_area = (pl + pr) * (pt + pb)
    target_area = (tl + tr) * (tt + tb)
    w_inter = torch.minimum(pl, tl) + torch.minimum(pr, tr)
    h_inter = torch.minimum(pt, tt) + torch.minimum(pb, tb)
    inter = w_inter.clamp(min=0) * h_inter.clamp(min=0)
    union = pred_area + target_area - inter
    return -torch.log((inter + 1.0) / (union + 1.0))


def iou_loss(pred: torch.Tensor, target: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """IoU loss averaged (weighted) over cells with weight > 0; zero (with graph) when none."""
    if pred.shape != target.shape or pred.dim() != 4 or pred.shape[1] != 4:
        raise ValueError(f"ltrb prediction {tuple(pred.shape)} and target {tuple(target.shape)} must both be (B,4,S,S)")
    weight = weight.to(torch.float32)
    if weight.shape != pred.shape[:1] + pred.shape[2:]:
        raise ValueError(f"reg weight {tuple(weight.shape)} does not match the (B,S,S) of {tuple(pred.shape)}")
    mask = weight > 0
    if not bool(mask.any()):
        return pred.float().sum() * 0.0
    per_cell = iou_loss_map(pred, target)
    return (per_cell[mask] * weight[mask]).sum() / weight[mask].sum()


def tracking_loss(
    cls_logits: torch.Tensor,
    ltrb: torch.Tensor,
    batch: dict,
    cls_weight: float = CLS_WEIGHT,
    reg_weight: float = REG_WEIGHT,
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """(total, {"cls", "reg"}) for one batch in the PairDataset dict format."""
    cls = balanced_bce(cls_logits, batch["cls_label"])
    reg = iou_loss(ltrb, batch["reg_target"], batch["reg_weight"])
    return cls_weight * cls + reg_weight * reg, {"cls": cls.detach(), "reg": reg.detach()}


def distillation_loss(
    cls_logits: torch.Tensor,
    ltrb: torch.Tensor,
    teacher_cls: torch.Tensor,
    teacher_ltrb: torch.Tensor,
    reg_mask: torch.Tensor,
    reg_weight: float = REG_WEIGHT,
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """In-place distillation from the largest path (BigNAS/AttentiveNAS style, adapted to tracking).

    cls: BCE of the student's logits against the teacher's (detached) probabilities over every
    cell; reg: IoU loss between student and teacher distances on the cells where the ground truth
    asks for a box (``reg_mask`` > 0).
    """
    soft = torch.sigmoid(_flat_logits(teacher_cls).detach().float())
    kd_cls = F.binary_cross_entropy_with_logits(_flat_logits(cls_logits).float(), soft)
    kd_reg = iou_loss(ltrb, teacher_ltrb.detach().float(), reg_mask)
    return kd_cls + reg_weight * kd_reg, {"kd_cls": kd_cls.detach(), "kd_reg": kd_reg.detach()}
