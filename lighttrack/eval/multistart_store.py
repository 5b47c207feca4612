"""Multi-start result files in the vot-toolkit's own layout, so either tool reads the other's.

``<results>/baseline/<seq>/<seq>_<anchor:08d>.txt`` holds one run: ``1`` (initialisation) on the
anchor frame, then one region per frame in the order the tracker saw them (backward runs
backward); ``<seq>_<anchor:08d>_time.value`` the seconds per frame. A lost target is written
``nan,nan,nan,nan``, which the toolkit reads as 'no region'. Reading also accepts the toolkit's
binary ``.bin`` trajectories and mask regions (``m…``), as ``vot evaluate`` writes them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lighttrack.data.vot_regions import Region, RegionError, read_regions
from lighttrack.errors import InputError
from lighttrack.io import atomic_write_text

EXPERIMENT = "baseline"


def _value(v: float) -> str:
    return "nan" if not np.isfinite(v) else f"{v:.4f}".rstrip("0").rstrip(".") or "0"


class MultiStartStore:
    """The runs of one multi-start result folder."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def run_stem(self, seq: str, anchor: int) -> Path:
        return self.root / EXPERIMENT / seq / f"{seq}_{anchor:08d}"

    def run_path(self, seq: str, anchor: int) -> Path | None:
        """The run's file (``.txt`` before ``.bin``, as the toolkit looks), or None."""
        stem = self.run_stem(seq, anchor)
        for suffix in (".txt", ".bin"):
            if stem.with_suffix(suffix).is_file():
                return stem.with_suffix(suffix)
        return None

    def is_complete(self, seq: str, anchors: list[int]) -> bool:
        return all(self.run_path(seq, a) is not None and self.run_stem(seq, a).with_name(
            f"{seq}_{a:08d}_time.value").is_file() for a in anchors)

    def write_run(self, seq: str, anchor: int, boxes: np.ndarray, times: np.ndarray) -> None:
        """One run: ``boxes`` (N, 4) for the run's frames, the first (initialisation) ignored.
        The time file is written last: a run counts as done only when both exist."""
        lines = ["1"] + [",".join(_value(v) for v in b) for b in np.asarray(boxes, dtype=np.float64)[1:]]
        stem = self.run_stem(seq, anchor)
        atomic_write_text(stem.with_suffix(".txt"), "\n".join(lines) + "\n")
        atomic_write_text(stem.with_name(f"{seq}_{anchor:08d}_time.value"),
                          "".join(f"{t:.8f}\n" for t in np.asarray(times, dtype=np.float64)))

    def read_run(self, seq: str, anchor: int, expected: int) -> list[Region]:
        """One run's regions; InputError (one line, naming the file) when it is missing, cannot
        be read or has another length than the run."""
        path = self.run_path(seq, anchor)
        if path is None:
            raise InputError(f"no result for sequence {seq!r} anchor frame {anchor}: "
                             f"{self.run_stem(seq, anchor).with_suffix('.txt')} is missing")
        try:
            regions = read_regions(path)
        except RegionError as err:
            raise InputError(str(err)) from None
        if len(regions) != expected:
            raise InputError(f"{path}: {len(regions)} regions, but the run from frame {anchor} has {expected} frames")
        return regions

    def read_times(self, seq: str, anchors: list[int]) -> np.ndarray | None:
        times = []
        for a in anchors:
            path = self.run_stem(seq, a).with_name(f"{seq}_{a:08d}_time.value")
            if not path.is_file():
                continue
            try:
                times += [float(v) for v in path.read_text().split()]
            except ValueError:
                continue  # a damaged time file: the times are unknown, the regions still count
        return np.asarray(times) if times else None
