"""Result files in each benchmark's own format, so official toolkits and servers can read them.

Layouts under a run's ``results/`` folder:

* ``ope`` (OTB, UAV123, LaSOT, generic): ``<seq>.txt`` one ``x,y,w,h`` line per frame and
  ``times/<seq>_time.txt`` one time in seconds per line (the got10k toolkit's OTB layout).
* ``trackingnet``: ``<seq>.txt`` (what the server's zip holds) and ``times/<seq>_time.txt``.
* ``got10k``: ``<seq>/<seq>_001.txt`` (one per repetition) and ``<seq>/<seq>_time.txt`` with one
  column per repetition.
* ``vot``: ``baseline/<seq>/<seq>_001.txt`` (one per repetition); each line is ``1`` (init),
  ``2`` (failure), ``0`` (skipped) or a region (4 values ``x,y,w,h`` or a polygon); plus
  ``baseline/<seq>/<seq>_time.txt``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from lighttrack.errors import InputError
from lighttrack.io import atomic_write_text

FORMATS = ("ope", "trackingnet", "got10k", "vot")


def _fmt(v: float) -> str:
    return "nan" if not np.isfinite(v) else f"{v:.4f}".rstrip("0").rstrip(".") if v != 0 else "0"


def format_boxes(boxes) -> str:
    b = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    return "".join(",".join(_fmt(v) for v in row) + "\n" for row in b)


def format_times(times) -> str:
    t = np.asarray(times, dtype=np.float64)
    if t.ndim == 1:
        t = t[:, None]
    return "".join(",".join(f"{v:.8f}" for v in row) + "\n" for row in t)


_SPLIT = re.compile(r"[,\s;]+")


def parse_numbers(line: str) -> list[float]:
    parts = [p for p in _SPLIT.split(line.strip()) if p]
    return [float(p) for p in parts]


def _numeric_lines(path: str | Path):
    """(line number, values) of every non-empty line; unreadable files and lines name themselves."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"result file not found: {path}")
    for i, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            yield i, parse_numbers(line)
        except ValueError:
            raise InputError(f"{path}:{i}: cannot read numbers from {line.strip()[:60]!r}") from None


def read_boxes(path: str | Path, expected: int | None = None, allow_longer: bool = False) -> np.ndarray:
    """Read an ``(N, 4)`` box file (comma, tab or space separated; ``nan`` allowed).

    Raises :class:`InputError` naming the file and line for unreadable lines or a wrong number
    of lines (``allow_longer`` truncates extra lines instead, as the LaSOT toolkit does).
    """
    rows = []
    for i, vals in _numeric_lines(path):
        if len(vals) != 4:
            raise InputError(f"{path}:{i}: expected 4 values x,y,w,h, got {len(vals)}")
        rows.append(vals)
    boxes = np.asarray(rows, dtype=np.float64).reshape(-1, 4)
    if expected is not None and len(boxes) != expected:
        if allow_longer and len(boxes) > expected:
            return boxes[:expected]
        raise InputError(f"{path}: {len(boxes)} lines, but the sequence has {expected} frames")
    return boxes


def read_times(path: str | Path) -> np.ndarray | None:
    path = Path(path)
    if not path.is_file():
        return None
    try:
        rows = [parse_numbers(line) for line in path.read_text(errors="replace").splitlines() if line.strip()]
    except ValueError:  # a damaged time file: the times are unknown, the boxes still count
        return None
    if not rows:
        return None
    try:
        return np.asarray(rows, dtype=np.float64)
    except ValueError:
        return np.concatenate([np.asarray(r, dtype=np.float64) for r in rows])


def format_trajectory(traj) -> str:
    lines = []
    for e in traj:
        if isinstance(e, (int, np.integer)):
            lines.append(str(int(e)))
        else:
            lines.append(",".join(_fmt(v) for v in np.asarray(e, dtype=np.float64).reshape(-1)))
    return "\n".join(lines) + "\n"


def read_trajectory(path: str | Path, expected: int | None = None) -> list:
    """Read a VOT trajectory file: a code (0/1/2) or a region per line. A NaN region is an
    empty region (overlap 0)."""
    traj: list = []
    for i, vals in _numeric_lines(path):
        if len(vals) == 1:
            code = int(vals[0])
            if code not in (0, 1, 2) or vals[0] != code:
                raise InputError(f"{path}:{i}: a one-value line must be 0, 1 or 2, got {vals[0]}")
            traj.append(code)
        elif len(vals) == 4 or (len(vals) >= 6 and len(vals) % 2 == 0):
            traj.append(np.asarray(vals, dtype=np.float64))
        else:
            raise InputError(f"{path}:{i}: a region needs 4 values or an even number >= 6")
    if expected is not None and len(traj) != expected:
        raise InputError(f"{path}: {len(traj)} lines, but the sequence has {expected} frames")
    return traj


class ResultStore:
    """The result files of one run in one benchmark format."""

    def __init__(self, root: str | Path, fmt: str):
        if fmt not in FORMATS:
            raise ValueError(f"unknown result format {fmt!r}")
        self.root = Path(root)
        self.fmt = fmt

    # -- paths ---------------------------------------------------------------------------
    def box_path(self, seq: str, rep: int = 1) -> Path:
        if self.fmt in ("ope", "trackingnet"):
            return self.root / f"{seq}.txt"
        if self.fmt == "got10k":
            return self.root / seq / f"{seq}_{rep:03d}.txt"
        return self.root / "baseline" / seq / f"{seq}_{rep:03d}.txt"

    def time_path(self, seq: str) -> Path:
        if self.fmt in ("ope", "trackingnet"):
            return self.root / "times" / f"{seq}_time.txt"
        if self.fmt == "got10k":
            return self.root / seq / f"{seq}_time.txt"
        return self.root / "baseline" / seq / f"{seq}_time.txt"

    def repetitions(self, seq: str) -> int:
        if self.fmt in ("ope", "trackingnet"):
            return 1 if self.box_path(seq).is_file() else 0
        n = 0
        while self.box_path(seq, n + 1).is_file():
            n += 1
        return n

    # -- completeness (resume) -----------------------------------------------------------
    def is_complete(self, seq: str, n_frames: int, repetitions: int = 1) -> bool:
        """True when every repetition's file and the time file exist with ``n_frames`` lines."""
        paths = [self.box_path(seq, r) for r in range(1, repetitions + 1)] + [self.time_path(seq)]
        for p in paths:
            if not p.is_file():
                return False
            if sum(1 for line in p.read_text(errors="replace").splitlines() if line.strip()) != n_frames:
                return False
        return True

    # -- writing -------------------------------------------------------------------------
    def write(self, seq: str, runs: list, times: list) -> None:
        """Write all repetitions of one sequence (boxes or VOT trajectories) and their times.
        The time file is written last, so a sequence counts as complete only when whole."""
        if self.fmt in ("ope", "trackingnet") and len(runs) != 1:
            raise ValueError("one-pass formats hold a single run")
        for r, run in enumerate(runs, 1):
            text = format_trajectory(run) if self.fmt == "vot" else format_boxes(run)
            atomic_write_text(self.box_path(seq, r), text)
        t = np.stack([np.asarray(x, dtype=np.float64) for x in times], axis=1)
        if self.fmt in ("ope", "trackingnet"):
            t = t[:, 0]
        atomic_write_text(self.time_path(seq), format_times(t))

    # -- reading -------------------------------------------------------------------------
    def read_runs(self, seq: str, n_frames: int, allow_longer: bool = False) -> list:
        reps = self.repetitions(seq)
        if reps == 0:
            raise InputError(f"no results for sequence {seq!r} (expected {self.box_path(seq)})")
        if self.fmt == "vot":
            return [read_trajectory(self.box_path(seq, r), n_frames) for r in range(1, reps + 1)]
        return [read_boxes(self.box_path(seq, r), n_frames, allow_longer) for r in range(1, reps + 1)]

    def read_times(self, seq: str) -> np.ndarray | None:
        return read_times(self.time_path(seq))
