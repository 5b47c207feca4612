"""Pareto fronts of fitness (higher is better) against a cost (lower is better), and their plot."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Sequence


def pareto_front(points: Sequence[dict], cost: str, score: str = "fitness") -> list[dict]:
    """The non-dominated points: no other point has cost <= and score >= with one strict.

    Points without a finite score or cost are ignored; the front is sorted by cost.
    """
    valid = [p for p in points if _finite(p.get(score)) and _finite(p.get(cost))]
    valid.sort(key=lambda p: (p[cost], -p[score]))
    front, best = [], -math.inf
    for p in valid:
        if p[score] > best:
            front.append(p)
            best = p[score]
    return front


def _finite(v) -> bool:
    return isinstance(v, (int, float)) and math.isfinite(v)


COST_LABELS = {"macs": ("MACs (M, paper convention)", 1e-6), "params": ("parameters (M)", 1e-6)}


def plot_fronts(points: Sequence[dict], costs: Sequence[str], path: str | os.PathLike, score: str = "fitness",
                highlight: dict[str, dict] | None = None, limits: dict[str, list[float]] | None = None) -> Path | None:
    """One panel per cost: every evaluated candidate, the front, highlighted picks, limit lines.

    Returns None (and writes nothing) when matplotlib is not installed.
    """
    try:
        # local: choosing the Agg backend is process-wide, so it happens when a plot is drawn, not on import
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    path = Path(path)
    fig, axes = plt.subplots(1, len(costs), figsize=(5.5 * len(costs), 4.2), squeeze=False)
    for ax, cost in zip(axes[0], costs):
        label, scale = COST_LABELS.get(cost, (cost.replace("latency_ms/", "latency (ms) on "), 1.0))
        pts = [p for p in points if _finite(p.get(score)) and _finite(p.get(cost))]
        ax.scatter([p[cost] * scale for p in pts], [p[score] for p in pts], s=8, alpha=0.35, color="0.5", label="evaluated")
        front = pareto_front(points, cost, score)
        ax.plot([p[cost] * scale for p in front], [p[score] for p in front], "-o", color="C0", ms=4, label="Pareto front")
        for i, (name, p) in enumerate((highlight or {}).items()):
            if _finite(p.get(cost)) and _finite(p.get(score)):
                ax.scatter([p[cost] * scale], [p[score]], marker="*", s=140, color=f"C{i + 1}", zorder=5, label=f"best: {name}")
        for value in (limits or {}).get(cost, []):
            ax.axvline(value * scale, color="C3", ls="--", lw=1)
        ax.set_xlabel(label)
        ax.set_ylabel("fitness (AO + SR0.5) / 2")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    os.replace(tmp, path)
    return path
