"""How well one number separates two sets of frames: ROC AUC and the Youden threshold.

Used to ask what ``TrackResult.score`` is worth as a found / lost signal: frames where the box
is on the target (positives) against frames where it is lost (negatives). Pure functions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Separation:
    """ROC AUC of ``score`` between the two sets, and the threshold that maximises TPR − FPR."""

    auc: float
    threshold: float
    tpr: float  # share of positives with score >= threshold
    fpr: float  # share of negatives with score >= threshold
    positives: int
    negatives: int

    def to_json(self) -> dict:
        """Floats rounded, NaN (an empty set) as null: strict JSON."""
        return {k: (None if v != v else round(v, 6)) if isinstance(v, float) else v for k, v in self.__dict__.items()}


def roc_auc(positive, negative) -> float:
    """P(score of a random positive > that of a random negative), ties counting one half (the
    Mann–Whitney U statistic over the product of the set sizes); NaN when a set is empty."""
    pos = np.asarray(positive, np.float64).reshape(-1)
    neg = np.asarray(negative, np.float64).reshape(-1)
    if not len(pos) or not len(neg):
        return float("nan")
    values = np.concatenate([pos, neg])
    order = np.argsort(values, kind="mergesort")
    ranks = np.empty(len(values), np.float64)
    sorted_values = values[order]
    # average ranks over ties (1-based)
    starts = np.flatnonzero(np.r_[True, sorted_values[1:] != sorted_values[:-1]])
    ends = np.r_[starts[1:], len(values)]
    for start, end in zip(starts, ends):
        ranks[order[start:end]] = (start + 1 + end) / 2.0
    u = ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2.0
    return float(u / (len(pos) * len(neg)))


def rates_at(positive, negative, threshold: float) -> tuple[float, float]:
    """(TPR, FPR) of the rule ``score >= threshold``."""
    pos = np.asarray(positive, np.float64).reshape(-1)
    neg = np.asarray(negative, np.float64).reshape(-1)
    tpr = float((pos >= threshold).mean()) if len(pos) else float("nan")
    fpr = float((neg >= threshold).mean()) if len(neg) else float("nan")
    return tpr, fpr


def separation(positive, negative) -> Separation:
    """ROC AUC and the Youden threshold (the score value, among those seen, that maximises
    TPR − FPR; the lowest such value on ties)."""
    pos = np.asarray(positive, np.float64).reshape(-1)
    neg = np.asarray(negative, np.float64).reshape(-1)
    auc = roc_auc(pos, neg)
    if not len(pos) or not len(neg):
        return Separation(auc, float("nan"), float("nan"), float("nan"), len(pos), len(neg))
    candidates = np.unique(np.concatenate([pos, neg]))
    pos_sorted, neg_sorted = np.sort(pos), np.sort(neg)
    tpr = 1.0 - np.searchsorted(pos_sorted, candidates, side="left") / len(pos)
    fpr = 1.0 - np.searchsorted(neg_sorted, candidates, side="left") / len(neg)
    best = int(np.argmax(tpr - fpr))
    return Separation(auc, float(candidates[best]), float(tpr[best]), float(fpr[best]), len(pos), len(neg))


__all__ = ["Separation", "rates_at", "roc_auc", "separation"]
