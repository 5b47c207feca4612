"""VOT2020+ multi-start evaluation: anchors, failures, accuracy, robustness and EAO.

The protocol (VOT2020-2022 short-term and VOT-STb2022, as vot-toolkit 0.9 analyses it):

* A sequence's ``anchor.value`` marks its anchor frames: > 0 a forward anchor, < 0 a backward one.
  From every anchor the tracker is initialised on the ground truth and runs to the sequence's end
  (forward) or back to its first frame (backward); no resets.
* Each run's overlaps (:func:`lighttrack.eval.vot_overlap.vot_overlap`, image-bounded; the
  initialisation frame holds a code, overlap 0 against a visible target) fail at the first of 10
  consecutive frames with overlap <= 0.1 where the ground truth is not empty (an empty ground-truth
  frame restarts the count); a run's *progress* is the number of frames before that (its length
  when it never fails).
* Per sequence: robustness = sum of progress / sum of run lengths; accuracy = sum of the overlaps
  within progress / sum of progress. Over sequences: accuracy weighted by each sequence's
  progress, robustness by its number of frames.
* EAO: each run's overlaps after a failure become 0. For a length j = 1 … high-1, a run longer
  than j contributes the mean of its overlaps 1..j; a failed run not longer than j contributes
  the sum of its overlaps from 1 divided by j - 1 (the toolkit's divisor); the curve is the mean
  of the contributions over all runs of all sequences, and the score the mean of the curve over
  low … high (VOT: 115 … 755, where the toolkit's curve stops at high - 1).

Pure functions: the runner tracks and reads files, these compute.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence as Seq

import numpy as np

GRACE = 10
THRESHOLD = 0.1
EAO_LOW, EAO_HIGH = 115, 755


@dataclass(frozen=True)
class Run:
    """One anchor's run: its anchor frame, direction, overlaps per run frame and progress."""

    anchor: int
    backward: bool
    overlaps: np.ndarray
    progress: int

    @property
    def failed(self) -> bool:
        return self.progress < len(self.overlaps)


@dataclass(frozen=True)
class SequenceAR:
    accuracy: float
    robustness: float
    progress: int  # sum of the runs' progress: the accuracy's weight
    frames: int  # the sequence's length: the robustness's weight


def find_anchors(values) -> tuple[list[int], list[int]]:
    """(forward anchors, backward anchors), 0-based frames, from an ``anchor.value`` column."""
    v = np.asarray(values, dtype=np.float64).reshape(-1)
    return np.flatnonzero(v > 0).tolist(), np.flatnonzero(v < 0).tolist()


def run_frames(anchor: int, length: int, backward: bool) -> list[int]:
    """The sequence frames one run visits, in the order the tracker sees them."""
    return list(range(anchor, -1, -1)) if backward else list(range(anchor, length))


def failure_progress(overlaps, gt_empty, grace: int = GRACE, threshold: float = THRESHOLD) -> int:
    """Frames before the failure (``len(overlaps)`` when the run never fails)."""
    left = grace
    for j, (overlap, empty) in enumerate(zip(overlaps, gt_empty)):
        if overlap <= threshold and not empty:
            left -= 1
            if left == 0:
                return j + 1 - grace
        else:
            left = grace
    return len(overlaps)


def make_run(anchor: int, backward: bool, overlaps, gt_empty, grace: int = GRACE, threshold: float = THRESHOLD) -> Run:
    o = np.asarray(overlaps, dtype=np.float64)
    return Run(anchor, backward, o, failure_progress(o, gt_empty, grace, threshold))


def sequence_ar(runs: Seq[Run], length: int) -> SequenceAR:
    progress = sum(r.progress for r in runs)
    total = sum(len(r.overlaps) for r in runs)
    overlap_sum = float(sum(np.sum(r.overlaps[:r.progress]) for r in runs))
    return SequenceAR(overlap_sum / progress if progress > 0 else 0.0, progress / total if total else 0.0,
                      progress, length)


def average_ar(per_sequence: Seq[SequenceAR]) -> tuple[float, float]:
    """(accuracy, robustness) over sequences, each weighted as the toolkit weights it."""
    wa = sum(s.progress for s in per_sequence)
    wr = sum(s.frames for s in per_sequence)
    accuracy = sum(s.accuracy * s.progress for s in per_sequence) / wa if wa else 0.0
    robustness = sum(s.robustness * s.frames for s in per_sequence) / wr if wr else 0.0
    return accuracy, robustness


def eao_contributions(runs: Seq[Run], high: int = EAO_HIGH) -> tuple[np.ndarray, np.ndarray]:
    """(sum of contributions, number of contributing runs) per length 0 … high-1."""
    phi, active = np.zeros(high), np.zeros(high)
    for run in runs:
        o = run.overlaps.copy()
        o[run.progress:] = 0.0
        n = len(o)
        cumulative = np.cumsum(o[1:]) if n > 1 else np.zeros(0)
        j = np.arange(1, min(n, high))
        phi[j] += cumulative[j - 1] / j  # mean of overlaps 1..j
        active[j] += 1
        if run.failed and n < high:
            tail = np.arange(max(n, 1), high)
            phi[tail] += (cumulative[-1] if len(cumulative) else 0.0) / (tail - 1)
            active[tail] += 1
    return phi, active


def eao_curve(runs_by_sequence: Seq[Seq[Run]], high: int = EAO_HIGH) -> np.ndarray:
    """The expected-average-overlap curve over all runs of all sequences (0 where none counts)."""
    phi, active = np.zeros(high), np.zeros(high)
    for runs in runs_by_sequence:
        p, a = eao_contributions(runs, high)
        phi += p
        active += a
    return np.divide(phi, active, out=np.zeros(high), where=active > 0)


def eao_score(curve: np.ndarray, low: int = EAO_LOW, high: int = EAO_HIGH) -> float:
    return float(np.mean(curve[low:high + 1]))


def multistart_summary(runs_by_sequence: dict[str, list[Run]], lengths: dict[str, int],
                       low: int = EAO_LOW, high: int = EAO_HIGH) -> dict:
    """Accuracy, robustness and EAO of a whole data set, with the per-sequence figures."""
    per_seq = {name: sequence_ar(runs, lengths[name]) for name, runs in runs_by_sequence.items()}
    accuracy, robustness = average_ar(list(per_seq.values()))
    curve = eao_curve(list(runs_by_sequence.values()), high)
    runs = [r for rs in runs_by_sequence.values() for r in rs]
    return {
        "accuracy": accuracy, "robustness": robustness, "eao": eao_score(curve, low, high),
        "eao_interval": [low, high], "eao_curve": curve.tolist(),
        "sequences": len(per_seq), "frames": int(sum(lengths.values())), "runs": len(runs),
        "failures": int(sum(r.failed for r in runs)),
        "per_sequence": {name: {"accuracy": s.accuracy, "robustness": s.robustness,
                                "runs": len(runs_by_sequence[name]),
                                "failures": int(sum(r.failed for r in runs_by_sequence[name]))}
                         for name, s in per_seq.items()},
    }
