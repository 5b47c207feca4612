"""Assembling a ``Sequence`` from the pieces every video layout has: frame files and GT rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lighttrack.data.annotations import fill_gaps, fit_to_frames, missing_problem, natural_key, valid_box_mask
from lighttrack.data.sequence import Problem, Sequence


def video_sequence(
    name: str,
    frames: list[Path],
    boxes: np.ndarray,
    problems: list[Problem] | None = None,
    hidden: np.ndarray | None = None,
    meta: dict | None = None,
    first_frame_only: bool = False,
    gaps: bool = True,
) -> Sequence:
    """Align frames and boxes, padding or trimming with a reported problem where they disagree.

    ``hidden`` marks frames where the data set says the target is not visible (absent, fully
    occluded, out of view); frames without a valid box are never visible. ``first_frame_only``
    is for test splits that ship the initial box alone: the remaining rows are NaN, silently.
    """
    issues = list(problems or [])
    if gaps:
        frames, missing = fill_gaps(list(frames))
        issues += missing_problem(missing)
    if not frames:
        issues.append(Problem("missing_frames", "no frame images found"))
    n = len(frames)
    if first_frame_only and len(boxes) <= 1:
        full = np.full((n, 4), np.nan)
        full[: min(n, len(boxes))] = boxes[:n]
        boxes = full
    else:
        boxes, fit = fit_to_frames(boxes, n)
        issues += fit
    visible = valid_box_mask(boxes)
    if hidden is not None:
        flags = np.zeros(n, dtype=bool)
        given = np.asarray(hidden, dtype=bool)[:n]
        flags[: len(given)] = given
        visible &= ~flags
    meta = dict(meta or {})
    if first_frame_only:
        meta["first_frame_only"] = True
    return Sequence(name, [str(p) for p in frames], boxes, visible, meta, tuple(issues))


def child_dirs(path: Path) -> list[Path]:
    """Sub-directories of ``path`` in natural order, hidden ones skipped."""
    if not path.is_dir():
        return []
    return sorted((p for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")),
                  key=lambda p: natural_key(p.name))


def read_list(path: Path) -> list[str] | None:
    """Non-empty, non-comment lines of a list file, or None if there is no such file."""
    if not path.is_file():
        return None
    lines = (ln.strip() for ln in path.read_text(errors="replace").splitlines())
    return [ln for ln in lines if ln and not ln.startswith("#")]


def packaged_list(filename: str) -> list[str]:
    """A split or frame-range table shipped in ``lighttrack/data/splits``."""
    here = Path(__file__).resolve().parent.parent / "splits" / filename
    return read_list(here) or []
