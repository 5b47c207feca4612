"""Rank agreement between two scorings of the same architectures (supernet fitness against
stand-alone accuracy): Kendall tau-b, Spearman rho, precision at the top, and percentile bootstrap
intervals over the architectures. Pure functions of the score lists."""

from __future__ import annotations

import math
import random
from typing import Callable, Sequence

import numpy as np


def kendall_tau(a: Sequence[float], b: Sequence[float]) -> float:
    """Kendall tau-b (ties in either ranking handled); nan when either side is constant."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    conc = disc = ties_a = ties_b = 0
    for i in range(len(a)):
        for j in range(i + 1, len(a)):
            da, db = np.sign(a[i] - a[j]), np.sign(b[i] - b[j])
            if da == 0 and db == 0:
                continue
            if da == 0:
                ties_a += 1
            elif db == 0:
                ties_b += 1
            elif da == db:
                conc += 1
            else:
                disc += 1
    denom = math.sqrt((conc + disc + ties_a) * (conc + disc + ties_b))
    return float((conc - disc) / denom) if denom else float("nan")


def ranks(x: Sequence[float]) -> np.ndarray:
    """0-based ranks, ties given their average rank."""
    x = np.asarray(x, float)
    order = np.argsort(x, kind="mergesort")
    out = np.empty(len(x))
    out[order] = np.arange(len(x), dtype=float)
    for value in np.unique(x):
        idx = np.flatnonzero(x == value)
        out[idx] = out[idx].mean()
    return out


def spearman(a: Sequence[float], b: Sequence[float]) -> float:
    """Spearman rho (Pearson correlation of the ranks); nan when either side is constant."""
    ra, rb = ranks(a), ranks(b)
    if ra.std() == 0 or rb.std() == 0:
        return float("nan")
    return float(np.corrcoef(ra, rb)[0, 1])


def precision_at_top(a: Sequence[float], b: Sequence[float], k: int) -> float:
    """Share of the top ``k`` by ``a`` that are also in the top ``k`` by ``b``."""
    top_a = set(np.argsort(-np.asarray(a, float), kind="mergesort")[:k].tolist())
    top_b = set(np.argsort(-np.asarray(b, float), kind="mergesort")[:k].tolist())
    return len(top_a & top_b) / k


def bootstrap_interval(a: Sequence[float], b: Sequence[float], statistic: Callable[[Sequence[float], Sequence[float]], float],
                       resamples: int = 2000, level: float = 0.95, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval of ``statistic(a, b)``, resampling the (a, b) pairs with
    replacement; resamples where the statistic is undefined (nan) are dropped."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if len(a) != len(b) or len(a) < 3:
        raise ValueError(f"a bootstrap interval needs two score lists of equal length >= 3, got {len(a)} and {len(b)}")
    rng = random.Random(seed)
    values = []
    for _ in range(resamples):
        idx = [rng.randrange(len(a)) for _ in range(len(a))]
        v = statistic(a[idx], b[idx])
        if not math.isnan(v):
            values.append(v)
    if not values:
        return float("nan"), float("nan")
    lo, hi = np.quantile(values, [(1 - level) / 2, 1 - (1 - level) / 2])
    return float(lo), float(hi)


def agreement(a: Sequence[float], b: Sequence[float], top: int | None = None, resamples: int = 2000,
              seed: int = 0) -> dict:
    """Kendall tau and Spearman rho of ``a`` against ``b`` with 95 % bootstrap intervals, and
    precision at the top quarter (or ``top``)."""
    top = top or max(1, len(a) // 4)
    out = {"n": len(a)}
    for name, fn in (("kendall_tau", kendall_tau), ("spearman", spearman)):
        out[name] = fn(a, b)
        out[f"{name}_ci95"] = list(bootstrap_interval(a, b, fn, resamples, 0.95, seed))
    out[f"precision_at_top{top}"] = precision_at_top(a, b, top)
    return out
