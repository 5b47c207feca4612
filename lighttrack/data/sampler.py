"""Which (template, search) frames make up pair ``index`` of epoch ``epoch``.

Each data set contributes a fixed number of pairs per epoch (the recipe's USE column) and has a
frame range (RANGE): the search frame is drawn uniformly among usable frames (visible, valid box)
within ``frame_range`` frames of the template frame. Optional negative pairs take the search
frame from another sequence. Every draw is a pure function of ``(seed, epoch, index, attempt)``,
so any worker, on any machine, after any resume, produces the same pair for the same index.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from tqdm import tqdm

from lighttrack.data.datasets.base import Dataset
from lighttrack.errors import DataError


@dataclass
class Source:
    """One data set in the mix: ``pairs`` per epoch, search frame within ``frame_range``."""

    dataset: Dataset
    pairs: int
    frame_range: int = 100
    name: str = ""


@dataclass(frozen=True)
class PairSpec:
    source: int
    sequence: int  # index into the source's data set
    template_frame: int
    search_sequence: int
    search_frame: int
    negative: bool = False
    search_source: int = -1  # differs from ``source`` only for negative pairs


def usable_index(dataset: Dataset, progress: bool = False) -> tuple[list[int], list[np.ndarray], int, int]:
    """(sequence indices with >= 1 usable frame, their usable frames, sequences dropped, sequences
    whose annotations the reader had to repair)."""
    seqs, frames, dropped, repaired = [], [], 0, 0
    for i in tqdm(range(len(dataset)), desc=f"index {dataset.format}", unit="seq", disable=not progress, leave=False):
        try:
            seq = dataset[i]
            usable = seq.usable()
            repaired += bool(seq.issues)
        except Exception as err:  # a broken annotation must not stop training: count and go on
            warnings.warn(f"skipping sequence {i} of {dataset.format}: {err}")
            usable = np.zeros(0, np.int64)
        if len(usable):
            seqs.append(i)
            frames.append(usable)
        else:
            dropped += 1
    return seqs, frames, dropped, repaired


class PairSampler:
    """Deterministic pair drawing over several weighted data sets."""

    def __init__(self, sources: list[Source], negative_prob: float = 0.0, seed: int = 0,
                 pairs_per_epoch: int | None = None, progress: bool = False) -> None:
        if not sources:
            raise DataError("PairSampler needs at least one data set")
        self.sources = sources
        self.negative_prob = float(negative_prob)
        self.seed = int(seed)
        self.dropped: list[int] = []  # per source: sequences without a usable frame
        self.repaired: list[int] = []  # per source: sequences with reader-repaired annotations
        self._seqs: list[np.ndarray] = []
        self._frames: list[list[np.ndarray]] = []
        for src in sources:
            seqs, frames, dropped, repaired = usable_index(src.dataset, progress)
            if not seqs:
                raise DataError(f"data set {src.name or src.dataset.format} has no sequence with a visible, valid box")
            self._seqs.append(np.asarray(seqs))
            self._frames.append(frames)
            self.dropped.append(dropped)
            self.repaired.append(repaired)
        repaired = sum(self.repaired)
        if sum(self.dropped) or repaired:
            warnings.warn(
                f"training data: {sum(self.dropped)} sequence(s) without a usable frame skipped"
                + (f", {repaired} with repaired annotations" if repaired else "")
                + "; run `lighttrack data check` for details", RuntimeWarning)
        counts = np.array([max(0, int(s.pairs)) for s in sources])
        if counts.sum() == 0:
            raise DataError("PairSampler: every source asks for 0 pairs")
        if pairs_per_epoch is not None:  # rescale the mix to a requested total
            counts = np.floor(counts / counts.sum() * pairs_per_epoch).astype(int)
            counts[np.argmax(counts)] += int(pairs_per_epoch) - counts.sum()
        self.counts = counts
        self._plan_epoch: int | None = None
        self._plan: np.ndarray | None = None

    @property
    def pairs_per_epoch(self) -> int:
        return int(self.counts.sum())

    def _source_plan(self, epoch: int) -> np.ndarray:
        """Source id of every index of ``epoch``: exact per-source counts, shuffled per epoch."""
        if self._plan_epoch != epoch:
            plan = np.repeat(np.arange(len(self.sources)), self.counts)
            np.random.default_rng([self.seed, epoch, 0x5EED]).shuffle(plan)
            self._plan, self._plan_epoch = plan, epoch
        return self._plan

    def sample(self, epoch: int, index: int, attempt: int = 0) -> PairSpec:
        """The pair for ``(epoch, index)``; ``attempt`` > 0 draws a replacement for a bad sample."""
        plan = self._source_plan(epoch)
        rng = np.random.default_rng([self.seed, epoch, index % len(plan), attempt])
        src = int(plan[index % len(plan)]) if attempt == 0 else int(rng.choice(len(self.sources), p=self.counts / self.counts.sum()))
        k = int(rng.integers(len(self._seqs[src])))
        usable = self._frames[src][k]
        t = int(usable[rng.integers(len(usable))])
        seq = int(self._seqs[src][k])
        if self.negative_prob and rng.random() < self.negative_prob:
            nsrc = int(rng.choice(len(self.sources), p=self.counts / self.counts.sum()))
            nk = int(rng.integers(len(self._seqs[nsrc])))
            if nsrc == src and nk == k and len(self._seqs[nsrc]) > 1:
                nk = (nk + 1 + int(rng.integers(len(self._seqs[nsrc]) - 1))) % len(self._seqs[nsrc])
            nusable = self._frames[nsrc][nk]
            return PairSpec(src, seq, t, int(self._seqs[nsrc][nk]), int(nusable[rng.integers(len(nusable))]),
                            True, nsrc)
        window = self.sources[src].frame_range
        near = usable[(usable >= t - window) & (usable <= t + window)]
        s = int(near[rng.integers(len(near))])
        return PairSpec(src, seq, t, seq, s, False, src)
