"""Running and scoring the VOT2020+ multi-start protocol on VOT-layout sequences.

The tracker starts at every anchor on the ground truth's box (a mask's bounding box: our trackers
track boxes) and runs forward or backward as the toolkit does; evaluation reads the masks
themselves and scores each box against them as the toolkit scores a box tracker
(:mod:`lighttrack.eval.vot_overlap`, :mod:`lighttrack.eval.multistart`). Anything that would make
the numbers wrong (no anchors, an ``anchor.value`` of another length than the sequence, ground
truth that does not decode or does not match the frames, polygons) stops with one line naming
the sequence and file.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from lighttrack.data.imagesize import image_size
from lighttrack.data.vot_regions import POLYGON, Region, RegionError, read_regions, region_is_empty
from lighttrack.errors import InputError
from lighttrack.eval import multistart as MS
from lighttrack.eval.baselines import result_box
from lighttrack.eval.multistart_store import MultiStartStore
from lighttrack.eval.vot_overlap import vot_overlap


def has_anchors(seq) -> bool:
    """True for a VOT2020+ sequence: it ships an ``anchor.value``."""
    meta = seq.meta if isinstance(getattr(seq, "meta", None), dict) else {}
    return "anchor" in (meta.get("values") or {})


def sequence_anchors(seq) -> list[tuple[int, bool]]:
    """[(anchor frame, backward)] in the toolkit's order (forward anchors, then backward)."""
    meta = seq.meta if isinstance(seq.meta, dict) else {}
    where = Path(meta.get("dir", seq.name)) / "anchor.value"
    values = (meta.get("values") or {}).get("anchor")
    if values is None:
        raise InputError(f"sequence {seq.name}: no {where}: the multi-start protocol needs VOT2020+ anchors "
                         "(use --protocol vot-supervised for older VOT sets)")
    if len(values) != len(seq):
        raise InputError(f"{where}: {len(values)} values, but sequence {seq.name} has {len(seq)} frames")
    forward, backward = MS.find_anchors(values)
    if not forward and not backward:
        raise InputError(f"{where}: no anchor (no value is non-zero)")
    return [(a, False) for a in forward] + [(a, True) for a in backward]


def ground_truth(seq) -> list[Region]:
    """The sequence's ground-truth regions as the toolkit reads them (masks kept as masks)."""
    meta = seq.meta if isinstance(seq.meta, dict) else {}
    path = Path(meta.get("groundtruth_file") or Path(meta.get("dir", ".")) / "groundtruth.txt")
    try:
        regions = read_regions(path)
    except RegionError as err:
        raise InputError(f"sequence {seq.name}: {err}") from None
    if len(regions) != len(seq):
        raise InputError(f"{path}: {len(regions)} regions for {len(seq)} frames")
    polygon = next((i for i, r in enumerate(regions) if r.kind == POLYGON), None)
    if polygon is not None:
        raise InputError(f"{path}:{polygon + 1}: a polygon; the multi-start protocol scores rectangles and masks "
                         "(VOT2020+), use --protocol vot-supervised for polygon ground truth")
    return regions


def image_bounds(seq) -> tuple[int, int]:
    """(width, height) for bounding overlaps: the ``sequence`` file's, else the first frame's."""
    info = (seq.meta or {}).get("sequence") or {}
    try:
        return int(info["width"]), int(info["height"])
    except (KeyError, ValueError):
        pass
    size = image_size(seq.frame_paths[0]) if len(seq) else None
    if size is None:
        h, w = seq.frame(0).shape[:2]
        size = (w, h)
    return size


def track_multistart(tracker, seq, store: MultiStartStore) -> float:
    """Track every run of ``seq`` not yet in ``store`` (each written when it ends); seconds spent."""
    spent = 0.0
    for anchor, backward in sequence_anchors(seq):
        if store.is_complete(seq.name, [anchor]):
            continue
        frames = MS.run_frames(anchor, len(seq), backward)
        box = np.asarray(seq.boxes[anchor], dtype=np.float64)
        if not (np.all(np.isfinite(box)) and box[2] > 0 and box[3] > 0):
            raise InputError(f"sequence {seq.name}: anchor frame {anchor} has no ground-truth region to start from")
        boxes, times = np.full((len(frames), 4), np.nan), np.zeros(len(frames))
        t0 = time.perf_counter()
        tracker.init(seq.frame(frames[0]), box.copy())
        times[0] = time.perf_counter() - t0
        boxes[0] = box
        for k, f in enumerate(frames[1:], 1):
            image = seq.frame(f)
            t0 = time.perf_counter()
            boxes[k] = result_box(tracker.update(image))
            times[k] = time.perf_counter() - t0
        store.write_run(seq.name, anchor, boxes, times)
        spent += float(times.sum())
    return spent


def sequence_runs(seq, store: MultiStartStore, gt: list[Region] | None = None) -> list[MS.Run]:
    """Every run of ``seq`` read from ``store`` and scored against its ground truth."""
    gt = ground_truth(seq) if gt is None else gt
    bounds = image_bounds(seq)
    runs = []
    for anchor, backward in sequence_anchors(seq):
        frames = MS.run_frames(anchor, len(seq), backward)
        regions = store.read_run(seq.name, anchor, len(frames))
        try:
            overlaps = [vot_overlap(r, gt[f], bounds) for r, f in zip(regions, frames)]
        except ValueError as err:
            raise InputError(f"sequence {seq.name}, run from frame {anchor}: {err}") from None
        runs.append(MS.make_run(anchor, backward, overlaps, [region_is_empty(gt[f]) for f in frames]))
    return runs


def evaluate_multistart(dataset, store: MultiStartStore, names, low: int = MS.EAO_LOW,
                        high: int = MS.EAO_HIGH) -> tuple[dict, list[np.ndarray]]:
    """(summary with per-sequence figures, per-frame times) of a multi-start result folder."""
    runs, lengths, times = {}, {}, []
    for name in names:
        seq = dataset[name]
        runs[name] = sequence_runs(seq, store)
        lengths[name] = len(seq)
        t = store.read_times(name, [a for a, _ in sequence_anchors(seq)])
        if t is not None:
            times.append(t)
    return MS.multistart_summary(runs, lengths, low, high), times
