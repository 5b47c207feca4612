"""``data check`` and ``data stats``: what is wrong with a data set, and what is in it.

Checks per sequence: problems the reader found (GT rows vs frames, missing frame files, empty or
unreadable GT), invalid boxes (zero or negative size, infinite, partly NaN, or NaN on a frame the
data set calls visible), and unreadable images (missing, empty, truncated; ``decode=True`` also
decodes every frame). Frames are only opened, not decoded, by default, so a full GOT-10k check is
I/O bound rather than CPU bound.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np
from tqdm import tqdm

from lighttrack.data.annotations import _ranges
from lighttrack.data.datasets.base import Dataset
from lighttrack.data.sequence import Problem, Sequence, check_image_file

SIZE_BINS = (0, 8, 16, 32, 64, 128, 256, 512)


@dataclass
class SequenceReport:
    name: str
    frames: int
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def box_problems(seq: Sequence) -> list[Problem]:
    b = seq.boxes
    finite = np.isfinite(b)
    partial = np.flatnonzero(finite.any(axis=1) & ~finite.all(axis=1))
    # all-zero rows are a common "absent" convention (GOT-10k, LaSOT); other empty boxes are errors
    zero_row = np.all(b == 0, axis=1)
    bad_size = np.flatnonzero(finite.all(axis=1) & ((b[:, 2] <= 0) | (b[:, 3] <= 0)) & ~zero_row)
    out = []
    if len(partial):
        out.append(Problem("invalid_boxes", f"partly NaN/inf box at frame(s) {_ranges((partial + 1).tolist())}"))
    if len(bad_size):
        out.append(Problem("invalid_boxes", f"zero or negative size box at frame(s) {_ranges((bad_size + 1).tolist())}"))
    if seq.meta.get("first_frame_only") and len(b) and not np.all(finite[0]):
        out.append(Problem("invalid_boxes", "the first frame has no box"))
    return out


def frame_problems(seq: Sequence, decode: bool = False) -> list[Problem]:
    if seq.loader is not None:
        return []
    missing, broken = [], []
    # frames a reader marks optional (YouTube-BB's absent rows) may have no file
    optional = np.asarray(seq.meta.get("optional_frames", np.zeros(len(seq), bool)), dtype=bool)
    for i, path in enumerate(seq.frame_paths):
        why = check_image_file(path)
        if why == "missing" and i < len(optional) and optional[i]:
            continue
        if why is None and decode:
            why = None if cv2.imread(path, cv2.IMREAD_REDUCED_COLOR_8) is not None else "not decodable"
        if why == "missing":
            missing.append(i + 1)
        elif why:
            broken.append((i + 1, why))
    out = []
    if missing:
        out.append(Problem("missing_frames", f"{len(missing)} frame file(s) missing (frame {_ranges(missing)})"))
    if broken:
        listed = ", ".join(f"{i} ({why})" for i, why in broken[:4])
        more = f" and {len(broken) - 4} more" if len(broken) > 4 else ""
        out.append(Problem("unreadable", f"frame {listed}{more}"))
    return out


def check_sequence(seq: Sequence, decode: bool = False) -> SequenceReport:
    problems = list(seq.issues)
    known_missing = any(p.kind == "missing_frames" for p in problems)
    problems += box_problems(seq)
    for p in frame_problems(seq, decode):
        if not (known_missing and p.kind == "missing_frames"):
            problems.append(p)
    if len(seq) and not seq.usable().size and not seq.meta.get("first_frame_only"):
        problems.append(Problem("no_visible", "no frame has a visible target with a valid box"))
    return SequenceReport(seq.name, len(seq), problems)


def check_dataset(ds: Dataset, decode: bool = False, progress: bool = True, limit: int | None = None) -> list[SequenceReport]:
    n = len(ds) if limit is None else min(limit, len(ds))
    reports = []
    for i in tqdm(range(n), desc="checking", unit="seq", disable=not progress, leave=False):
        name = ds.names[i]
        try:
            reports.append(check_sequence(ds[i], decode))
        except Exception as err:  # a reader crash on one sequence is itself a finding
            reports.append(SequenceReport(name, 0, [Problem("layout", f"cannot read sequence: {err}")]))
    return reports


def format_report(reports: list[SequenceReport], width: int = 100) -> str:
    """One table: sequence | frames | problem (one row per problem), then a summary line."""
    bad = [r for r in reports if not r.ok]
    lines = []
    if bad:
        name_w = min(40, max(8, *(len(r.name) for r in bad)))
        lines.append(f"{'sequence':<{name_w}}  {'frames':>6}  {'problem':<15}  detail")
        lines.append(f"{'-' * name_w}  {'-' * 6}  {'-' * 15}  {'-' * max(6, width - name_w - 27)}")
        for r in bad:
            for k, p in enumerate(r.problems):
                name = r.name if k == 0 else ""
                frames = str(r.frames) if k == 0 else ""
                lines.append(f"{name[:name_w]:<{name_w}}  {frames:>6}  {p.kind:<15}  {p.detail}")
    frames = sum(r.frames for r in reports)
    count = sum(len(r.problems) for r in reports)
    lines.append(f"{len(reports)} sequences, {frames} frames checked: "
                 + (f"{len(bad)} sequence(s) with {count} problem(s)" if bad else "no problems found"))
    return "\n".join(lines)


def dataset_stats(ds: Dataset, progress: bool = True) -> dict:
    """Counts (sequences, frames, visible / absent frames) and a histogram of sqrt(w*h) in px."""
    frames = visible = 0
    lengths, sizes, aspects = [], [], []
    for i in tqdm(range(len(ds)), desc="reading", unit="seq", disable=not progress, leave=False):
        seq = ds[i]
        frames += len(seq)
        usable = seq.usable()
        visible += int(seq.visible.sum())
        lengths.append(len(seq))
        b = seq.boxes[usable]
        sizes.append(np.sqrt(b[:, 2] * b[:, 3]))
        aspects.append(b[:, 2] / b[:, 3])
    sizes_all = np.concatenate(sizes) if sizes else np.zeros(0)
    aspects_all = np.concatenate(aspects) if aspects else np.zeros(0)
    edges = list(SIZE_BINS) + [np.inf]
    hist, _ = np.histogram(sizes_all, bins=edges)
    labels = [f"{lo}-{hi}" if np.isfinite(hi) else f">={lo}" for lo, hi in zip(edges[:-1], edges[1:])]
    return {
        "format": ds.format, "root": str(ds.root) if ds.root else None, "split": ds.split,
        "sequences": len(ds), "frames": frames, "visible_frames": visible, "absent_frames": frames - visible,
        "usable_frames": int(len(sizes_all)),
        "frames_per_sequence": {"min": int(min(lengths, default=0)), "median": float(np.median(lengths)) if lengths else 0,
                                "max": int(max(lengths, default=0))},
        "box_size_px": {"median": float(np.median(sizes_all)) if len(sizes_all) else None,
                        "histogram": dict(zip(labels, hist.tolist()))},
        "aspect_w_over_h": {"median": float(np.median(aspects_all)) if len(aspects_all) else None},
    }


def format_stats(stats: dict) -> str:
    lines = [
        f"format {stats['format']}  root {stats['root']}" + (f"  split {stats['split']}" if stats["split"] else ""),
        f"sequences        {stats['sequences']}",
        f"frames           {stats['frames']}  (per sequence: min {stats['frames_per_sequence']['min']}, "
        f"median {stats['frames_per_sequence']['median']:g}, max {stats['frames_per_sequence']['max']})",
        f"visible frames   {stats['visible_frames']}",
        f"absent frames    {stats['absent_frames']}",
        f"usable frames    {stats['usable_frames']}  (visible with a valid box)",
        "box size sqrt(w*h), px:",
    ]
    hist = stats["box_size_px"]["histogram"]
    peak = max(hist.values(), default=0) or 1
    for label, count in hist.items():
        lines.append(f"  {label:>8}  {count:>9}  {'#' * int(round(40 * count / peak))}")
    return "\n".join(lines)
