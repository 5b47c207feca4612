"""Run a tracker over a benchmark (resumable, optionally in parallel) and evaluate the results.

A *run folder* holds::

    run.json        what ran: tracker, preset, data set, protocol, repetitions
    results/        result files in the benchmark's own format (see lighttrack.eval.results)
    metrics.json    the evaluation (written by ``evaluate_run``)

Every sequence is written atomically when it finishes; a sequence whose files are all present
with the right number of lines is skipped, so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import json
import math
import multiprocessing as mp
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any, Iterable

import cv2
import numpy as np
from tqdm import tqdm

from lighttrack.errors import DataError, InputError
from lighttrack.eval import metrics as M
from lighttrack.eval.baselines import describe_tracker, make_tracker, result_box, tracker_is_deterministic
from lighttrack.eval.multistart_run import evaluate_multistart, sequence_anchors, track_multistart
from lighttrack.eval.multistart_store import MultiStartStore
from lighttrack.eval.protocols import Protocol
from lighttrack.eval.results import ResultStore, parse_numbers
from lighttrack.io import atomic_write_json

RUN_FILE = "run.json"
METRICS_FILE = "metrics.json"
RESULTS_DIR = "results"


# --------------------------------------------------------------------------------------------
# Sequences


def gt_regions(seq) -> list:
    """Ground-truth regions for VOT: polygons when available, else the boxes.

    Looked up in ``meta["polygons"]`` (or ``"regions"``), then in ``<meta["dir"]>/groundtruth.txt``
    (the VOT reader keeps only boxes; the 8-value polygons are re-read from the file when it has
    one line per frame). Mask ground truth (VOT2020+) falls back to the boxes.
    """
    meta = seq.meta if isinstance(getattr(seq, "meta", None), dict) else {}
    for key in ("polygons", "regions"):
        regions = meta.get(key)
        if regions is not None and len(regions) == len(seq):
            return [np.asarray(r, dtype=np.float64) for r in regions]
    gt_file = Path(meta["dir"]) / "groundtruth.txt" if meta.get("dir") else None
    if gt_file is not None and gt_file.is_file():
        try:
            rows = [parse_numbers(line) for line in gt_file.read_text().splitlines() if line.strip()]
        except ValueError:
            rows = []
        if len(rows) == len(seq) and all(len(r) == 4 or (len(r) >= 6 and len(r) % 2 == 0) for r in rows):
            return [np.asarray(r, dtype=np.float64) for r in rows]
    return [b for b in np.asarray(seq.boxes, dtype=np.float64)]


def image_size(seq) -> tuple[int, int]:
    """``(W, H)`` of the sequence's frames (from meta when known, else from frame 0)."""
    meta = getattr(seq, "meta", {}) or {}
    for key in ("resolution", "image_size", "size"):
        value = meta.get(key)
        if value is None:
            continue
        if isinstance(value, str):
            nums = [float(v) for v in value.strip("()[] ").replace(",", " ").split()]
        else:
            nums = [float(v) for v in value]
        if len(nums) == 2 and all(n > 0 for n in nums):
            return int(nums[0]), int(nums[1])
    h, w = seq.frame(0).shape[:2]
    return int(w), int(h)


def gt_withheld(seq) -> bool:
    """True for server-only splits: only the first frame has a box."""
    b = np.asarray(seq.boxes, dtype=np.float64)
    return len(b) > 1 and not np.any(np.all(np.isfinite(b[1:]), axis=1))


def _first_valid(boxes: np.ndarray) -> int | None:
    ok = M.valid_boxes(boxes)
    idx = np.flatnonzero(ok)
    return int(idx[0]) if len(idx) else None


# --------------------------------------------------------------------------------------------
# Tracking one sequence


def track_one_pass(tracker, seq) -> tuple[np.ndarray, np.ndarray]:
    """Initialise on the first frame with a box and track to the end.

    Frames before the initialisation frame get NaN boxes and time 0.
    """
    n = len(seq)
    boxes = np.full((n, 4), np.nan)
    times = np.zeros(n)
    start = _first_valid(np.asarray(seq.boxes, dtype=np.float64))
    if start is None:
        raise InputError(f"sequence {seq.name}: no frame has a ground-truth box to start from")
    init_box = np.asarray(seq.boxes[start], dtype=np.float64)
    frame = seq.frame(start)
    t0 = time.perf_counter()
    tracker.init(frame, init_box.copy())
    times[start] = time.perf_counter() - t0
    boxes[start] = init_box
    for i in range(start + 1, n):
        frame = seq.frame(i)
        t0 = time.perf_counter()
        out = tracker.update(frame)
        times[i] = time.perf_counter() - t0
        boxes[i] = result_box(out)
    return boxes, times


def track_supervised(tracker, seq) -> tuple[list, list]:
    """VOT supervised protocol for one sequence (see ``metrics.vot_supervised_run``)."""
    regions = gt_regions(seq)
    bounds = image_size(seq)
    return M.vot_supervised_run(
        len(seq), regions,
        init=lambda i, box: tracker.init(seq.frame(i), box),
        update=lambda i: result_box(tracker.update(seq.frame(i))),
        bounds=bounds)


def track_sequence(tracker, seq, protocol: Protocol, repetitions: int = 1) -> tuple[list, list]:
    runs, times = [], []
    for _ in range(repetitions):
        if protocol.kind == "vot":
            r, t = track_supervised(tracker, seq)
        else:
            r, t = track_one_pass(tracker, seq)
        runs.append(r)
        times.append(t)
    return runs, times


# --------------------------------------------------------------------------------------------
# Running a benchmark


def default_repetitions(protocol: Protocol, deterministic: bool) -> int:
    """GOT-10k asks for 3 runs and VOT for 15 of a stochastic tracker; a deterministic tracker
    runs once (the toolkits' own rule). One-pass benchmarks always run once."""
    if protocol.kind == "got10k":
        return 1 if deterministic else 3
    if protocol.kind == "vot":
        return 1 if deterministic else 15
    return 1


def _check_run_info(run_dir: Path, info: dict) -> None:
    path = run_dir / RUN_FILE
    if not path.is_file():
        return
    try:
        old = json.loads(path.read_text())
    except ValueError:
        return
    defaults = {"network_only": False}
    for key in ("tracker", "preset", "dataset", "protocol_name", "network_only", "tracker_preset"):
        if key == "tracker_preset" and key not in old:
            continue  # a run recorded before the resolved preset was
        if old.get(key, defaults.get(key)) != info.get(key, defaults.get(key)):
            raise InputError(
                f"{run_dir} already holds a run with {key} = {old.get(key)!r} (now {info.get(key)!r}); "
                "choose another --out folder or delete it")


_WORKER: dict[str, Any] = {}


def _worker_init(spec, preset, dataset, protocol, store_root, fmt, repetitions, threads, backend="auto", network_only=False):
    if threads:
        try:
            # local: a worker running a torch-free baseline (KCF, CSRT, static) loads torch only here
            import torch

            torch.set_num_threads(threads)
        except Exception:  # torch is optional for the baselines
            pass
    try:
        cv2.setNumThreads(1)
    except Exception:
        pass
    _WORKER.update(tracker=make_tracker(spec, preset, backend=backend, threads=threads, network_only=network_only), dataset=dataset, protocol=protocol,
                   store=make_store(store_root, fmt), repetitions=repetitions)


def make_store(root, fmt: str):
    """The result files of a run: the multi-start layout or one of ``ResultStore``'s."""
    return MultiStartStore(root) if fmt == "vot-multistart" else ResultStore(root, fmt)


def _is_complete(store, seq, reps: int) -> bool:
    if isinstance(store, MultiStartStore):
        return store.is_complete(seq.name, [a for a, _ in sequence_anchors(seq)])
    return store.is_complete(seq.name, len(seq), reps)


def _run_named(name: str, tracker, dataset, protocol, store: ResultStore, repetitions: int):
    seq = dataset[name]
    if protocol.kind == "multistart":  # one run per anchor, each written when it ends
        return name, len(seq), track_multistart(tracker, seq, store)
    runs, times = track_sequence(tracker, seq, protocol, repetitions)
    store.write(seq.name, runs, times)
    return name, len(seq), float(sum(np.sum(t) for t in times))


def _worker_task(name: str):
    w = _WORKER
    return _run_named(name, w["tracker"], w["dataset"], w["protocol"], w["store"], w["repetitions"])


def run_benchmark(dataset, tracker_spec: str, run_dir: str | Path, protocol: Protocol, *,
                  preset: Any = None, workers: int = 1, repetitions: int | None = None,
                  names: Iterable[str] | None = None, progress: bool = True,
                  dataset_info: dict | None = None, tracker=None, backend: str = "auto",
                  network_only: bool = False) -> dict:
    """Track every (remaining) sequence of ``dataset`` and write the result files.

    ``tracker`` (optional) is an already built tracker used instead of ``tracker_spec`` when
    ``workers == 1`` (the library path; the CLI always builds from the spec). ``backend``
    (auto, onnxruntime, torch) is how LightTrack weights run; ``network_only`` runs them without
    the preset's refiners. Returns
    ``{"ran": [...], "skipped": [...], "frames": n, "seconds": s}``.
    """
    run_dir = Path(run_dir)
    store = make_store(run_dir / RESULTS_DIR, protocol.result_format)
    if tracker is None:  # also with workers: checks the spec and fills the ONNX cache once
        tracker = make_tracker(tracker_spec, preset, backend=backend, network_only=network_only)
    deterministic = tracker_is_deterministic(tracker) if tracker is not None else True
    reps = 1 if protocol.kind == "multistart" else repetitions or default_repetitions(protocol, deterministic)
    preset_label = None if preset is None else (getattr(preset, "name", None) or str(preset))
    info = {
        "tracker": str(tracker_spec),
        "network_only": bool(network_only),
        # the preset the tracker really runs: a preset changed under the same name must not resume
        **({"tracker_preset": tracker.preset.to_dict()} if hasattr(getattr(tracker, "preset", None), "to_dict") else {}),
        "tracker_kind": describe_tracker(tracker_spec),
        "preset": preset_label,
        "dataset": dataset_info or {"format": getattr(dataset, "format", "unknown"),
                                    "root": str(getattr(dataset, "root", "")),
                                    "split": getattr(dataset, "split", None)},
        "protocol_name": protocol.name,
        "protocol": protocol.to_json(),
        "repetitions": reps,
    }
    _check_run_info(run_dir, info)
    run_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_json(run_dir / RUN_FILE, info)

    all_names = list(names) if names is not None else list(dataset.names)
    todo, skipped, total_frames = [], [], 0
    for name in all_names:
        seq = dataset[name]
        if _is_complete(store, seq, reps):
            skipped.append(seq.name)
        else:
            todo.append(seq.name)
            total_frames += len(seq) * reps
    ran, seconds, frames = [], 0.0, 0
    bar = None
    if progress and todo:
        bar = tqdm(total=total_frames, unit="frame", desc=f"{protocol.name}", dynamic_ncols=True)
    try:
        if workers <= 1 or len(todo) <= 1:
            if tracker is None:
                tracker = make_tracker(tracker_spec, preset, backend=backend, network_only=network_only)
            for name in todo:
                if bar is not None:
                    bar.set_postfix_str(name)
                _, n, secs = _run_named(name, tracker, dataset, protocol, store, reps)
                ran.append(name)
                seconds += secs
                frames += n * reps
                if bar is not None:
                    bar.update(n * reps)
        else:
            threads = max(1, (os.cpu_count() or 1) // workers)
            with ProcessPoolExecutor(
                    max_workers=workers, mp_context=mp.get_context("spawn"), initializer=_worker_init,
                    initargs=(tracker_spec, preset, dataset, protocol, str(store.root),
                              protocol.result_format, reps, threads, backend, network_only)) as pool:
                futures = [pool.submit(_worker_task, name) for name in todo]
                for fut in as_completed(futures):
                    name, n, secs = fut.result()
                    ran.append(name)
                    seconds += secs
                    frames += n * reps
                    if bar is not None:
                        bar.set_postfix_str(name)
                        bar.update(n * reps)
    finally:
        if bar is not None:
            bar.close()
    return {"ran": ran, "skipped": skipped, "frames": frames, "seconds": seconds, "repetitions": reps}


# --------------------------------------------------------------------------------------------
# Evaluating a run


def _speed_from_times(times_list: list[np.ndarray]) -> dict:
    t = np.concatenate([np.asarray(x, dtype=np.float64).reshape(-1) for x in times_list]) if times_list else np.zeros(0)
    t = t[np.isfinite(t) & (t > 0)]
    if len(t) == 0:
        return {"fps": None, "seconds": 0.0}
    return {"fps": float(len(t) / t.sum()), "seconds": float(t.sum())}


def evaluate_results(dataset, store: ResultStore, protocol: Protocol,
                     names: Iterable[str] | None = None) -> dict:
    """Score the result files in ``store`` against ``dataset`` under ``protocol``.

    Raises :class:`InputError` for missing sequences or files with the wrong number of lines;
    protocol-level treatments (NaN boxes, absent targets) are listed under ``notes``.
    """
    all_names = list(names) if names is not None else list(dataset.names)
    if not all_names:
        raise DataError("the data set has no sequences")
    if protocol.kind == "multistart":  # its own files and checks (lighttrack.eval.multistart_run)
        summary, times = evaluate_multistart(dataset, store, all_names)
        per_seq = summary.pop("per_sequence")
        summary.update(_speed_from_times(times))
        return {"protocol": protocol.to_json(), "evaluated": True, "summary": summary,
                "per_sequence": per_seq, "notes": []}
    missing = [n for n in all_names if store.repetitions(n) == 0]
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise InputError(f"results missing for {len(missing)} of {len(all_names)} sequences: {shown} "
                         f"(looked in {store.root})")
    notes: list[str] = []
    withheld = [n for n in all_names if gt_withheld(dataset[n])]
    if withheld:
        return {"protocol": protocol.to_json(), "evaluated": False,
                "reason": (f"ground truth is withheld for {len(withheld)} sequence(s) (a server-only "
                           "split); the result files are ready to pack for the evaluation server"),
                "notes": notes}
    times_all: list[np.ndarray] = []
    per_seq: dict[str, Any] = {}

    if protocol.kind == "ope":
        scores = []
        for name in all_names:
            seq = dataset[name]
            runs = store.read_runs(name, len(seq), allow_longer=protocol.rule == "lasot")
            pred = runs[0]
            nan_rows = int(np.sum(~np.all(np.isfinite(pred), axis=1)))
            score = M.ope_sequence(pred, seq.boxes, seq.visible, rule=protocol.rule)
            scores.append(score)
            per_seq[name] = score.to_json()
            per_seq[name]["nan_predictions"] = nan_rows
            notes.extend(f"{name}: {n}" for n in score.notes)
            t = store.read_times(name)
            if t is not None:
                times_all.append(t)
        summary = M.ope_summary(scores, rule=protocol.rule)
    elif protocol.kind == "got10k":
        seq_ious, seq_times = {}, {}
        for name in all_names:
            seq = dataset[name]
            runs = store.read_runs(name, len(seq))
            cover = seq.meta.get("cover") if isinstance(seq.meta, dict) else None
            if cover is not None:
                cover = np.asarray(cover, dtype=np.float64).reshape(-1)
                if len(cover) != len(seq):
                    cover = None
            if cover is None:
                cover = (np.asarray(seq.visible, dtype=bool) & M.valid_boxes(seq.boxes)).astype(float)
            ious, nan_boxes = M.got10k_sequence_ious(runs, seq.boxes, cover, image_size(seq))
            if nan_boxes:
                notes.append(f"{name}: {nan_boxes} NaN predicted box(es) scored IoU 0")
            seq_ious[name] = ious
            per_seq[name] = {"ao": float(np.mean(ious)) if len(ious) else None,
                             "sr50": float(np.mean(ious > 0.5)) if len(ious) else None,
                             "frames": len(seq), "repetitions": len(runs)}
            t = store.read_times(name)
            if t is not None:
                times_all.append(t)
                seq_times[name] = t
        summary = M.got10k_summary(seq_ious, seq_times)
        summary.pop("per_sequence", None)
    elif protocol.kind == "vot":
        items = {}
        for name in all_names:
            seq = dataset[name]
            runs = store.read_runs(name, len(seq))
            items[name] = {"runs": runs, "gt": gt_regions(seq), "bounds": image_size(seq)}
            t = store.read_times(name)
            if t is not None:
                times_all.append(t)
        summary = M.vot_summary(items)
        per_seq = summary.pop("per_sequence")
        short = [y for y, v in summary["eao"].items() if not math.isfinite(v)]
        if short:
            notes.append("EAO undefined for " + ", ".join(short) + ": no fragment reaches the "
                         "interval (sequences too short and no failures)")
    else:  # pragma: no cover
        raise ValueError(protocol.kind)
    summary.update(_speed_from_times(times_all))
    return {"protocol": protocol.to_json(), "evaluated": True, "summary": summary,
            "per_sequence": per_seq, "notes": notes}


def evaluate_run(dataset, run_dir: str | Path, protocol: Protocol, names=None) -> dict:
    """Evaluate a run folder, write ``metrics.json`` beside it and return the dict."""
    run_dir = Path(run_dir)
    store = make_store(run_dir / RESULTS_DIR, protocol.result_format)
    result = evaluate_results(dataset, store, protocol, names)
    info = {}
    if (run_dir / RUN_FILE).is_file():
        try:
            info = json.loads((run_dir / RUN_FILE).read_text())
        except ValueError:
            info = {}
    result["run"] = info
    result["name"] = run_dir.name
    atomic_write_json(run_dir / METRICS_FILE, _json_safe(result))
    return result


def _json_safe(obj):
    if isinstance(obj, dict):
        return {k: _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v) for v in obj]
    if isinstance(obj, (np.floating, float)):
        v = float(obj)
        return v if math.isfinite(v) else None
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.ndarray):
        return _json_safe(obj.tolist())
    return obj


# --------------------------------------------------------------------------------------------
# Printing


def _f(v, digits=3):
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "n/a"
    return f"{v:.{digits}f}"


def format_result(result: dict, name: str = "") -> str:
    """The numbers the official toolkit would print, plus the protocol followed."""
    proto = result["protocol"]
    lines = [f"protocol: {proto['name']} - {proto['description']}"]
    if not result.get("evaluated"):
        lines.append(f"not evaluated: {result['reason']}")
        return "\n".join(lines)
    s = result["summary"]
    label = name or result.get("name", "")
    fps = _f(s.get("fps"), 1)
    if proto["kind"] == "ope":
        if proto["rule"] == "trackingnet":
            lines.append(f"{label}  Success(AUC) {_f(s['auc'])}  Precision {_f(s['precision'])}  "
                         f"Norm.Precision {_f(s['norm_precision'])}  (precision@20px {_f(s['precision_at_20'])})  "
                         f"fps {fps}  [{s['sequences']} sequences, {s['frames']} frames]")
        else:
            lines.append(f"{label}  Success(AUC) {_f(s['auc'])}  Precision@20px {_f(s['precision'])}  "
                         f"Norm.Precision@0.20 {_f(s['norm_precision'])}  fps {fps}  "
                         f"[{s['sequences']} sequences, {s['frames']} frames]")
    elif proto["kind"] == "got10k":
        lines.append(f"{label}  AO {_f(s['ao'])}  SR0.50 {_f(s['sr50'])}  SR0.75 {_f(s['sr75'])}  "
                     f"speed {_f(s.get('speed_fps'), 1)} fps (mean of 1/t)  "
                     f"[{s['sequences']} sequences, {s['frames']} frames pooled]")
    elif proto["kind"] == "multistart":
        low, high = s["eao_interval"]
        lines.append(f"{label}  EAO {_f(s['eao'])} [{low}, {high}]  Accuracy {_f(s['accuracy'])}  "
                     f"Robustness {_f(s['robustness'])}  fps {fps}  [{s['sequences']} sequences, "
                     f"{s['runs']} runs from anchors, {s['failures']} failed]")
    else:
        eao = "  ".join(f"EAO{y[3:]} {_f(v)}" for y, v in s["eao"].items())
        lines.append(f"{label}  Accuracy {_f(s['accuracy'])}  Robustness {_f(s['robustness_per100'])} "
                     f"(failures/100 frames)  Lost {_f(s['lost'], 1)}  Reliability {_f(s['reliability'])}  "
                     f"{eao}  fps {fps}")
    notes = result.get("notes") or []
    if notes:
        lines.append(f"notes ({len(notes)}):")
        lines.extend(f"  {n}" for n in notes[:10])
        if len(notes) > 10:
            lines.append(f"  ... {len(notes) - 10} more in metrics.json")
    return "\n".join(lines)
