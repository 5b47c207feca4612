"""Losses of spec §7.2 on hand-made maps."""

import math

import pytest
import torch
import torch.nn.functional as F

from lighttrack.train.losses import balanced_bce, distillation_loss, iou_loss, iou_loss_map, tracking_loss


def softplus(v: float) -> float:
    return math.log1p(math.exp(v))


def test_balanced_bce_weighs_positives_and_negatives_equally():
    labels = torch.tensor([[[1.0, 0.0, 0.0], [0.0, 0.0, 0.0]]])
    logits = torch.tensor([[[[2.0, -1.0, -1.0], [-1.0, -1.0, 3.0]]]])  # (1,1,2,3)
    pos = softplus(-2.0)
    neg = (4 * softplus(-1.0) + softplus(3.0)) / 5
    assert balanced_bce(logits, labels).item() == pytest.approx(0.5 * pos + 0.5 * neg, rel=1e-6)
    # the same number from torch's own BCE, masked by hand
    bce = F.binary_cross_entropy_with_logits(logits[:, 0], labels, reduction="none")
    ref = 0.5 * bce[labels == 1].mean() + 0.5 * bce[labels == 0].mean()
    assert balanced_bce(logits, labels).item() == pytest.approx(ref.item(), rel=1e-6)


def test_balanced_bce_zero_logits_is_log2_and_ignores_other_labels():
    labels = torch.tensor([[[1.0, 0.0], [-1.0, 0.0]]])
    assert balanced_bce(torch.zeros(1, 2, 2), labels).item() == pytest.approx(math.log(2), rel=1e-6)
    # no positives (negative pair): half the negative mean
    assert balanced_bce(torch.zeros(1, 2, 2), torch.zeros(1, 2, 2)).item() == pytest.approx(0.5 * math.log(2), rel=1e-6)


def test_iou_loss_hand_made():
    target = torch.full((1, 4, 1, 2), 2.0)  # two cells, 4x4 boxes
    pred = torch.ones(1, 4, 1, 2)  # 2x2 boxes inside them
    per_cell = iou_loss_map(pred, target)
    assert per_cell[0, 0, 0].item() == pytest.approx(-math.log((4 + 1) / (16 + 1)), rel=1e-6)
    assert iou_loss(target.clone(), target, torch.ones(1, 1, 2)).item() == pytest.approx(0.0, abs=1e-7)
    # only weighted cells count
    pred2 = pred.clone()
    pred2[..., 1] = 2.0  # perfect in cell 1
    w = torch.tensor([[[0.0, 1.0]]])
    assert iou_loss(pred2, target, w).item() == pytest.approx(0.0, abs=1e-7)
    w = torch.tensor([[[1.0, 0.0]]])
    assert iou_loss(pred2, target, w).item() == pytest.approx(-math.log(5 / 17), rel=1e-6)


def test_iou_loss_without_positive_cells_is_zero_with_graph():
    pred = torch.ones(1, 4, 2, 2, requires_grad=True)
    loss = iou_loss(pred, torch.ones(1, 4, 2, 2), torch.zeros(1, 2, 2))
    assert loss.item() == 0.0
    loss.backward()
    assert torch.all(pred.grad == 0)


def test_tracking_loss_total_is_cls_plus_1_2_reg():
    s = 4
    batch = {
        "cls_label": torch.zeros(2, s, s),
        "reg_target": torch.full((2, 4, s, s), 8.0),
        "reg_weight": torch.zeros(2, s, s),
    }
    batch["cls_label"][:, 1, 1] = 1
    batch["reg_weight"][:, 1, 1] = 1
    logits = torch.randn(2, 1, s, s, generator=torch.Generator().manual_seed(0))
    ltrb = torch.full((2, 4, s, s), 4.0)
    total, terms = tracking_loss(logits, ltrb, batch)
    assert total.item() == pytest.approx(terms["cls"].item() + 1.2 * terms["reg"].item(), rel=1e-6)
    assert terms["reg"].item() == pytest.approx(-math.log((64 + 1) / (256 + 1)), rel=1e-6)


def test_distillation_is_minimal_when_student_equals_teacher():
    torch.manual_seed(0)
    t_cls, t_reg = torch.randn(1, 1, 3, 3), torch.rand(1, 4, 3, 3) * 10 + 1
    mask = torch.ones(1, 3, 3)
    same, terms = distillation_loss(t_cls.clone(), t_reg.clone(), t_cls, t_reg, mask)
    other, _ = distillation_loss(t_cls + 1.0, t_reg * 2, t_cls, t_reg, mask)
    assert terms["kd_reg"].item() == pytest.approx(0.0, abs=1e-6)
    assert other.item() > same.item()
