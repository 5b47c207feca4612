"""Long-run campaign (issue 19, part 3): memory growth and time drift over long runs. Prints JSON.

Two parts (``--part video``, ``--part eval``, both by default):

- **video**: a generated 1280x720 video (``--frames``, default 20,000) of 8 textured targets
  moving over a textured, slowly panning and slowly changing background, deterministic from
  ``--seed`` (a shortened run is a prefix of the full one). It is written once as a real MP4
  file (OpenCV ``VideoWriter``, mp4v) into ``--video-dir`` (reused when it is already there with
  the same settings) and read back by the reader ``lighttrack track`` uses
  (``lighttrack.tracker.video.open_source``). One process tracks all 8 targets with 8
  ``Tracker.from_weights("lighttrack-mobile", backend=...)`` instances (the shipped Mobile with the
  preset its weights carry), one frame read and 8 ``update`` calls per frame, once per
  ``--backend`` (onnxruntime and torch by default; ``--threads`` 1: one ONNX Runtime thread per
  tracker session, one torch thread in the process). Per frame it records the wall time
  (``perf_counter``) and the process CPU time (``process_time``) of the 8 updates; every
  ``--rss-every`` frames the process's resident memory (``/proc/self/statm``), the load average
  and the whole machine's busy CPU time (``/proc/stat``), from which the CPU the *other*
  processes used is derived.
- **eval**: ``--clips`` (100) generated clips of 60-120 frames at 320x240 in the ``folder``
  layout (``<clip>/img/*.jpg`` + ``groundtruth.txt``; every 10 clips in a row hold 900 frames),
  then ``lighttrack eval --tracker
  lighttrack-mobile --dataset folder --workers 2`` as one subprocess, as a user runs it; every
  ``--sample-s`` seconds the resident memory and CPU time of its process tree (the CLI and its
  worker processes) are summed, and each clip's completion (its time file, written last) is
  noted.

Criteria (``criteria`` in the JSON; each part reports ``pass`` per criterion):

- memory: ``growth_pct = 100 * (max RSS after warm-up - RSS at the end of warm-up) / RSS at the
  end of warm-up`` must be <= 5. Warm-up: the first ``--warmup`` frames (video, default 1,000)
  or the first 10 % of clips completed (eval). The RSS at the end of warm-up is the first sample
  taken at or after it. Eval: the samples until the last clip completes (then the workers exit
  and the CLI evaluates; that phase's largest RSS is reported apart).
- time: ``drift_pct = 100 * (mean of the last window - mean of the first window) / mean of the
  first window`` must lie within +-10 (a speed-up fails too: it also means the run is not
  steady). Windows: the first and the last ``--window`` frames (video, default 1,000, frame 0,
  the init, left out), the first and the last 10 % of clips to complete (eval). Both wall and
  CPU time are judged: wall time also moves with other load on the machine, which the JSON
  records. Eval judges three times: ``frame_time``, the per-frame update times the runner
  writes (``results/times``, init frames left out); ``wall_per_frame`` and ``cpu_per_frame``,
  the run's pace: wall seconds and the tree's CPU seconds between the completions that bound a
  window, per frame of the clips completed in it (with 2 workers a window's edges cut clips in
  progress: a few % of noise).

A shortened run scales warm-up and windows down to a fifth of the frames. Ctrl-C (or SIGTERM)
stops a run without writing any JSON; ``--out`` is written atomically, ``--merge`` keeps the
parts of the JSON already there that this run does not redo (run the backends one after another):

    nohup nice -n 5 .venv/bin/python benchmarks/longrun.py --part video --backend onnxruntime \\
        --video-dir runs/longrun/video --out runs/longrun/longrun.json --merge > runs/longrun/ort.log 2>&1
    python benchmarks/longrun.py --part eval --out runs/longrun/longrun.json --merge
    python benchmarks/longrun.py --frames 500 --part video     # an estimate: 2.5 min on 2 busy cores (both backends)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from lighttrack.eval import metrics as M
from lighttrack.io import atomic_write_json, atomic_write_text, report_json
from lighttrack.procfs import descendants

MAX_RSS_GROWTH_PCT = 5.0
MAX_DRIFT_PCT = 10.0
PAGE = os.sysconf("SC_PAGE_SIZE")
TICKS = os.sysconf("SC_CLK_TCK")
SCENE_VERSION = 1


# ----------------------------------------------------------------------------- the criteria
def growth_pct(baseline: float, peak: float) -> float:
    """How much ``peak`` exceeds ``baseline``, in % of ``baseline``."""
    if not baseline > 0:
        raise ValueError(f"baseline must be positive, got {baseline}")
    return 100.0 * (peak - baseline) / baseline


def drift_pct(first: float, last: float) -> float:
    """The change from ``first`` to ``last``, in % of ``first`` (positive: slower)."""
    if not first > 0:
        raise ValueError(f"first must be positive, got {first}")
    return 100.0 * (last - first) / first


def memory_figures(samples: list[tuple[int, float]], warmup: int) -> dict:
    """RSS figures from ``(position, rss_bytes)`` samples (position: frame or clips completed)
    after a warm-up that ends at position ``warmup``: the first sample at or after it is the
    baseline; growth is the largest later sample against it."""
    after = [(p, r) for p, r in samples if p >= warmup]
    if not after:
        raise ValueError(f"no memory sample at or after the warm-up ({warmup})")
    base = after[0][1]
    peak = max(r for _, r in after)
    growth = growth_pct(base, peak)
    return {"warmup_end": int(warmup), "baseline_at": int(after[0][0]), "baseline_mb": _mb(base),
            "max_after_warmup_mb": _mb(peak), "last_mb": _mb(after[-1][1]),
            "min_before_warmup_mb": _mb(min((r for p, r in samples if p < warmup), default=base)),
            "growth_pct": round(growth, 3), "last_growth_pct": round(growth_pct(base, after[-1][1]), 3),
            "samples": len(samples), "pass": bool(round(growth, 3) <= MAX_RSS_GROWTH_PCT)}  # judged as shown


def drift_figures(first: np.ndarray, last: np.ndarray, unit: float = 1e3) -> dict:
    """Mean of the first and last window (in ms with ``unit`` 1e3), the drift and its verdict."""
    a, b = float(np.mean(first)), float(np.mean(last))
    drift = drift_pct(a, b)
    return {"first_ms": round(a * unit, 3), "last_ms": round(b * unit, 3), "drift_pct": round(drift, 2),
            "first_median_ms": round(float(np.median(first)) * unit, 3), "last_median_ms": round(float(np.median(last)) * unit, 3),
            "pass": bool(abs(round(drift, 2)) <= MAX_DRIFT_PCT)}  # judged as shown


def _mb(nbytes: float) -> float:
    return round(nbytes / 2**20, 1)


# ----------------------------------------------------------------------------- processes
def rss_bytes(pid: int | str = "self") -> int:
    """Resident memory of one process (``/proc/<pid>/statm``), 0 when it is gone."""
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def cpu_seconds(pid: int | str = "self") -> float:
    """User + system CPU time of one process so far (``/proc/<pid>/stat``), 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS
    except (OSError, IndexError, ValueError):
        return 0.0


def machine_busy_seconds() -> float:
    """CPU seconds every core of the machine has spent busy since boot (``/proc/stat``)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    busy = sum(fields[:8]) - idle  # user nice system idle iowait irq softirq steal (guest is in user)
    return busy / TICKS


def tree(pid: int) -> list[int]:
    """``pid`` and every process below it."""
    return [pid, *descendants(pid)]


def load() -> list[float]:
    return [round(v, 2) for v in os.getloadavg()]


def machine() -> dict:
    """The versions, read without importing torch: importing it costs ~200 MB of resident memory,
    which the ONNX Runtime run's figures must not carry."""
    from importlib import metadata

    def version(name: str) -> str | None:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return None

    return {"cpu_count": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
            "torch": version("torch"), "onnxruntime": version("onnxruntime"), "opencv": cv2.__version__}


class Interrupted(Exception):
    pass


def _on_term(signum, frame):
    raise Interrupted(f"signal {signum}")


# ----------------------------------------------------------------------------- the scene
def _texture(rng: np.random.Generator, h: int, w: int, contrast: float) -> np.ndarray:
    from lighttrack.data.synthetic import texture

    return texture(rng, h, w, contrast=contrast)


class Scene:
    """8 (``targets``) textured objects over a textured background, as pure functions of the frame
    index: every motion is a sum of sinusoids whose periods do not depend on the length, so frame
    ``i`` is the same whatever ``frames`` is. Each target keeps to its own cell of a 4x2 grid
    (with some overlap into the neighbours'), so the truth never swaps identities."""

    def __init__(self, seed: int = 0, targets: int = 8, width: int = 1280, height: int = 720, pad: int = 48) -> None:
        self.seed, self.targets, self.width, self.height, self.pad = seed, targets, width, height, pad
        rng = np.random.default_rng([self.seed, 19, 3])
        W, H, P = self.width, self.height, self.pad
        # background: two textures blended with a slowly changing weight, panned and re-lit slowly
        self.back = [_texture(rng, H + 2 * P, W + 2 * P, 0.8).astype(np.float32) for _ in range(2)]
        self.back_periods = rng.uniform([1500, 2500, 3000, 4000], [2500, 4000, 5000, 7000])
        self.back_phase = rng.uniform(0, 2 * np.pi, 4)
        cols = math.ceil(self.targets / 2)
        rows = 2 if self.targets > 1 else 1
        cw, ch = W / cols, H / rows
        self.patches, self.masks, self.params = [], [], []
        for k in range(self.targets):
            patch = _texture(rng, 64, 64, 1.4)
            mask = np.ones((64, 64), np.float32)
            if rng.random() < 0.5:
                mask[:] = 0
                cv2.ellipse(mask, (32, 32), (32, 32), 0, 0, 360, 1.0, -1)
            self.patches.append(patch.astype(np.float32))
            self.masks.append(mask)
            cell = ((k % cols) + 0.5) * cw, ((k // cols) + 0.5) * ch
            side = rng.uniform(0.16, 0.28) * min(cw, ch)  # 51-90 px at 1280x720; sizes vary x0.78-1.28, aspect x0.86-1.16
            self.params.append({  # the centre's reach keeps the box inside its cell (its largest extent is < 1.7 side)
                "cell": np.array(cell), "reach": np.maximum(np.array([0.5 * cw, 0.5 * ch]) - 0.85 * side, 1.0),
                "side": side, "aspect": float(np.exp(rng.uniform(-0.4, 0.4))),
                "periods": rng.uniform([240, 900, 260, 1000, 500, 700], [900, 3000, 900, 3000, 2500, 2500]),
                "phases": rng.uniform(0, 2 * np.pi, 6), "mix": rng.uniform(0.3, 0.7, 2)})

    def boxes(self, i: int | np.ndarray) -> np.ndarray:
        """x, y, w, h of every target in frame(s) ``i``: shape (targets, 4) or (len(i), targets, 4)."""
        t = np.asarray(i, np.float64)[..., None]
        out = []
        for p in self.params:
            s = np.sin(2 * np.pi * t / p["periods"] + p["phases"])
            ux = p["mix"][0] * s[..., 0] + (1 - p["mix"][0]) * s[..., 1]
            uy = p["mix"][1] * s[..., 2] + (1 - p["mix"][1]) * s[..., 3]
            scale = np.exp(0.25 * s[..., 4])
            aspect = p["aspect"] * np.exp(0.15 * s[..., 5])
            w, h = p["side"] * scale * np.sqrt(aspect), p["side"] * scale / np.sqrt(aspect)
            cx = p["cell"][0] + ux * p["reach"][0]
            cy = p["cell"][1] + uy * p["reach"][1]
            out.append(np.stack([cx - w / 2, cy - h / 2, w, h], axis=-1))
        return np.stack(out, axis=-2)

    def render(self, i: int) -> np.ndarray:
        """Frame ``i``: HxWx3 uint8 RGB."""
        W, H, P = self.width, self.height, self.pad
        per, ph = self.back_periods, self.back_phase
        s = np.sin(2 * np.pi * i / per + ph)
        ox, oy = int(round(P + (P - 1) * s[0])), int(round(P + (P - 1) * s[1]))
        weight = 0.5 + 0.5 * s[2]
        gain = 1.0 + 0.12 * s[3]
        a = self.back[0][oy:oy + H, ox:ox + W]
        b = self.back[1][oy:oy + H, ox:ox + W]
        frame = cv2.addWeighted(a, weight * gain, b, (1 - weight) * gain, 0.0)
        for patch, mask, box in zip(self.patches, self.masks, self.boxes(i)):
            _paste(frame, patch, mask, box)
        return np.clip(frame, 0, 255).astype(np.uint8)


def _paste(frame: np.ndarray, patch: np.ndarray, mask: np.ndarray, box: np.ndarray) -> None:
    """Blend ``patch`` (through ``mask``) onto box x, y, w, h of the float frame, sub-pixel exact,
    warping into the box's own region only."""
    x, y, w, h = (float(v) for v in box)
    H, W = frame.shape[:2]
    x0, y0 = max(int(math.floor(x)) - 1, 0), max(int(math.floor(y)) - 1, 0)
    x1, y1 = min(int(math.ceil(x + w)) + 1, W), min(int(math.ceil(y + h)) + 1, H)
    if x1 <= x0 or y1 <= y0:
        return
    ph, pw = patch.shape[:2]
    sx, sy = w / pw, h / ph
    matrix = np.array([[sx, 0, x - x0 + 0.5 * sx - 0.5], [0, sy, y - y0 + 0.5 * sy - 0.5]], np.float32)
    size = (x1 - x0, y1 - y0)
    warped = cv2.warpAffine(patch, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    alpha = cv2.warpAffine(mask, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)[..., None]
    roi = frame[y0:y1, x0:x1]
    roi += alpha * (warped - roi)


def scene_key(args, frames: int) -> dict:
    return {"version": SCENE_VERSION, "seed": args.seed, "targets": args.targets, "width": args.width,
            "height": args.height, "frames": frames, "fps": 30, "codec": args.codec}


def make_video(scene: Scene, path: Path, frames: int, key: dict, codec: str = "mp4v") -> dict:
    """Write (or reuse) the scene as a video file; its settings go into ``<path>.json``."""
    sidecar = path.with_suffix(path.suffix + ".json")
    if path.is_file() and sidecar.is_file():
        try:
            known = json.loads(sidecar.read_text())
        except ValueError:
            known = {}
        if known.get("key") == key:
            return {**known, "reused": True}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")
    writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*codec), 30.0, (scene.width, scene.height))
    if not writer.isOpened():
        raise RuntimeError(f"OpenCV cannot write {codec} video to {tmp}")
    t = time.perf_counter()
    try:
        for i in range(frames):
            writer.write(cv2.cvtColor(scene.render(i), cv2.COLOR_RGB2BGR))
            if (i + 1) % 1000 == 0 or i + 1 == frames:
                _progress(f"video: wrote {i + 1}/{frames} frames ({time.perf_counter() - t:.0f} s)")
        writer.release()
        os.replace(tmp, path)
    finally:
        writer.release()
        if tmp.exists():
            tmp.unlink()
    info = {"key": key, "file": str(path), "bytes": path.stat().st_size, "generate_s": round(time.perf_counter() - t, 1)}
    atomic_write_json(sidecar, info)
    return {**info, "reused": False}


# ----------------------------------------------------------------------------- video part
def windows(frames: int, warmup: int, window: int) -> tuple[int, int]:
    """Warm-up and window (in frames) for a run of ``frames``: at most a fifth of the run each."""
    cap = max(1, frames // 5)
    return min(warmup, cap), min(window, cap)


def tracking_scores(pred: np.ndarray, truth: np.ndarray) -> dict:
    """Success AUC and precision at 20 px over every target and frame after the first
    (``pred``, ``truth``: (frames, targets, 4))."""
    p, g = pred[1:].reshape(-1, 4), truth[1:].reshape(-1, 4)
    ious = M.iou(p, g)
    errors = M.center_error(p, g)
    per_target = [round(float(np.mean(M.success_curve(M.iou(pred[1:, k], truth[1:, k])))), 4) for k in range(pred.shape[1])]
    return {"auc": round(float(np.mean(M.success_curve(ious))), 4),
            "precision_20px": round(float(M.precision_curve(errors)[20]), 4),
            "auc_per_target": per_target}


def track_video(path: Path, scene: Scene, frames: int, backend: str, threads: int, warmup: int, window: int,
                rss_every: int, weights: str = "lighttrack-mobile", separate_sessions: bool = False) -> dict:
    """Track every target of the scene in the video with one Tracker each; the figures.

    ``separate_sessions``: each ONNX Runtime tracker loads its own sessions (and memory arena), as
    before issue 24 made the trackers of a process share them; for comparison."""
    from lighttrack.tracker import Tracker, backends
    from lighttrack.tracker.video import open_source

    load_before = load()
    rss_before_trackers = rss_bytes()
    t_start = time.perf_counter()
    shared = backends.shared_session
    if separate_sessions:
        backends.shared_session = lambda path, key, make: make()
    try:
        trackers = [Tracker.from_weights(weights, backend=backend, threads=threads) for _ in range(scene.targets)]
    finally:
        backends.shared_session = shared
    build_s = time.perf_counter() - t_start
    truth = scene.boxes(np.arange(frames))
    pred = np.zeros_like(truth)
    wall = np.zeros(frames)
    cpu = np.zeros(frames)
    read = np.zeros(frames)
    samples: list[tuple[int, float]] = []
    machine_samples: list[tuple[int, float, float, float]] = []  # frame, wall clock, machine busy, own cpu
    loads: list[list[float]] = []
    source = open_source(path)
    n = 0
    try:
        it = iter(source)
        t_loop = time.perf_counter()
        while n < frames:
            t = time.perf_counter()
            try:
                i, frame = next(it)
            except StopIteration:
                break
            read[n] = time.perf_counter() - t
            if frame is None:
                raise RuntimeError(f"frame {i} of {path} does not decode")
            w0, c0 = time.perf_counter(), time.process_time()
            if n == 0:
                for tracker, box in zip(trackers, truth[0]):
                    tracker.init(frame, box)
                pred[0] = truth[0]
            else:
                for k, tracker in enumerate(trackers):
                    pred[n, k] = tracker.update(frame).box
            wall[n], cpu[n] = time.perf_counter() - w0, time.process_time() - c0
            if n % rss_every == 0 or n == frames - 1:
                samples.append((n, rss_bytes()))
                machine_samples.append((n, time.perf_counter(), machine_busy_seconds(), time.process_time()))
                loads.append(load())
            n += 1
            if n % 500 == 0:
                done = time.perf_counter() - t_loop
                _progress(f"{backend}: frame {n}/{frames}, {1e3 * wall[max(1, n - 500):n].mean():.1f} ms per frame (8 updates), "
                          f"RSS {_mb(samples[-1][1])} MB, load {loads[-1][0]}, eta {done / n * (frames - n) / 60:.1f} min")
    finally:
        source.close()
    if n < frames:
        raise RuntimeError(f"{path} gave {n} frames, {frames} expected")
    loop_s = time.perf_counter() - t_loop
    first, last = slice(1, 1 + window), slice(frames - window, frames)
    figures = {
        "backend": backend, "threads": threads, "weights": weights, "preset": trackers[0].preset.name,
        "sessions": "one per tracker" if separate_sessions or backend != "onnxruntime" else "shared by the trackers",
        "tracker": trackers[0].name, "frames": frames, "targets": scene.targets,
        "updates_per_frame": scene.targets, "warmup_frames": warmup, "window_frames": window,
        "rss_every_frames": rss_every, "build_s": round(build_s, 2), "loop_s": round(loop_s, 1),
        "memory": {**memory_figures(samples, warmup), "rss_before_trackers_mb": _mb(rss_before_trackers)},
        "wall": drift_figures(wall[first], wall[last]),
        "cpu": drift_figures(cpu[first], cpu[last]),
        "per_frame_ms": {"wall_mean": round(1e3 * wall[1:].mean(), 3), "wall_p99": round(1e3 * float(np.percentile(wall[1:], 99)), 3),
                         "cpu_mean": round(1e3 * cpu[1:].mean(), 3), "read_mean": round(1e3 * read.mean(), 3),
                         "wall_per_1000": [round(1e3 * float(wall[max(1, j):j + 1000].mean()), 2) for j in range(0, frames, 1000)][:40],
                         "cpu_per_1000": [round(1e3 * float(cpu[max(1, j):j + 1000].mean()), 2) for j in range(0, frames, 1000)][:40]},
        "rss_mb_per_1000": [_mb(r) for p, r in samples if p % 1000 == 0][:40],
        "load": {"before": load_before, "after": load(), "max_1min": max(v[0] for v in loads),
                 "other_cores_first_window": _other_cores(machine_samples, 1, 1 + window),
                 "other_cores_last_window": _other_cores(machine_samples, frames - window, frames - 1),
                 "other_cores_whole_run": _other_cores(machine_samples, 0, frames - 1)},
    }
    figures["tracking"] = {**tracking_scores(pred, truth),  # the first row of each slice is left out as an init frame
                           "auc_first_window": tracking_scores(pred[:first.stop], truth[:first.stop])["auc"],
                           "auc_last_window": tracking_scores(pred[last.start - 1:], truth[last.start - 1:])["auc"]}
    figures["pass"] = {"rss_growth": figures["memory"]["pass"], "wall_drift": figures["wall"]["pass"], "cpu_drift": figures["cpu"]["pass"]}
    return figures


def _other_cores(samples: list[tuple[int, float, float, float]], start: int, stop: int) -> float | None:
    """Cores the rest of the machine kept busy between the samples nearest frames ``start`` and
    ``stop``: machine busy CPU minus this process's CPU, over the wall time between them."""
    if len(samples) < 2:
        return None
    a = min(samples, key=lambda s: abs(s[0] - start))
    b = min(samples, key=lambda s: abs(s[0] - stop))
    if b[1] <= a[1]:
        return None
    return round(max(0.0, (b[2] - a[2]) - (b[3] - a[3])) / (b[1] - a[1]), 3)


def run_video(args) -> dict:
    frames = args.frames
    warmup, window = windows(frames, args.warmup, args.window)
    scene = Scene(seed=args.seed, targets=args.targets, width=args.width, height=args.height)
    temp = None
    if args.video_dir:
        folder = Path(args.video_dir)
    else:
        temp = folder = Path(tempfile.mkdtemp(prefix="lighttrack_longrun_"))
    try:
        key = scene_key(args, frames)
        name = f"scene-s{args.seed}-t{args.targets}-{args.width}x{args.height}-{frames}.{'avi' if args.codec == 'MJPG' else 'mp4'}"
        video = make_video(scene, folder / name, frames, key, args.codec)
        out = {"file": video["file"] if args.video_dir else f"(temporary) {name}", "codec": args.codec, "bytes": video["bytes"],
               "generate_s": video.get("generate_s"), "reused": video["reused"], "width": args.width, "height": args.height,
               "frames": frames, "targets": args.targets, "seed": args.seed, "reader": "lighttrack.tracker.video.open_source",
               "backends": {}}
        for backend in args.backend:
            _progress(f"video: tracking {frames} frames, {args.targets} targets, backend {backend}, {args.threads} thread(s)")
            separate = backend == "onnxruntime" and args.sessions == "separate"
            out["backends"][backend + ("-separate-sessions" if separate else "")] = track_video(
                folder / name, scene, frames, backend, args.threads, warmup, window, args.rss_every, separate_sessions=separate)
        return out
    finally:
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)


# ----------------------------------------------------------------------------- eval part
def clip_lengths(clips: int, seed: int, low: int = 60, high: int = 120) -> list[int]:
    """Frames per clip: each block of 10 clips is a shuffle of the same 10 lengths from ``low``
    to ``high``, so any 10 clips in a row hold about as many frames as any other 10 (a clip's
    start-up, its first-frame calibration, is spread over as many frames in the first window of
    the run as in the last)."""
    rng = np.random.default_rng([seed, 19, 5])
    block = np.linspace(low, high, 10).round().astype(int)
    return [int(v) for _ in range(0, clips, 10) for v in rng.permutation(block)][:clips]


def write_clips(root: Path, clips: int, seed: int, size: tuple[int, int] = (320, 240), frames: tuple[int, int] = (60, 120)) -> dict:
    """``clips`` generated clips in the folder layout (reused when ``root`` already holds them):
    ``lighttrack.data.synthetic`` clips (a target, look-alike distractors, an occluder, blur),
    JPEG frames, 0-based x,y,w,h ground truth."""
    from lighttrack.data.synthetic import synthetic_sequence

    lengths = clip_lengths(clips, seed, *frames)
    marker = root / "clips.json"
    key = {"clips": clips, "seed": seed, "size": list(size), "lengths": lengths}
    if marker.is_file() and json.loads(marker.read_text()) == key:
        return key
    marker.unlink(missing_ok=True)
    t = time.perf_counter()
    for k, length in enumerate(lengths):
        seq = synthetic_sequence(seed=seed, index=k, length=length, size=size)
        folder = root / f"clip{k:03d}"
        shutil.rmtree(folder, ignore_errors=True)  # no frames of another setting left behind
        (folder / "img").mkdir(parents=True)
        for i in range(length):
            cv2.imwrite(str(folder / "img" / f"{i + 1:05d}.jpg"), cv2.cvtColor(seq.frame(i), cv2.COLOR_RGB2BGR),
                        [cv2.IMWRITE_JPEG_QUALITY, 90])
        atomic_write_text(folder / "groundtruth.txt", "".join(",".join(f"{v:.2f}" for v in b) + "\n" for b in seq.boxes))
        if (k + 1) % 20 == 0:
            _progress(f"eval: wrote {k + 1}/{clips} clips ({time.perf_counter() - t:.0f} s)")
    atomic_write_json(marker, key)
    return key


def lighttrack_command() -> list[str]:
    """The ``lighttrack`` console script beside this Python (as a user runs it), else ``-m``."""
    script = Path(sys.executable).with_name("lighttrack")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "lighttrack"]


def eval_windows(completions: list[dict], share: float = 0.1) -> tuple[int, int]:
    """Clips in the warm-up and in each window: ``share`` of the clips, at least 1 (and at most a
    third of them)."""
    n = len(completions)
    k = max(1, min(int(round(share * n)), n // 3 or 1))
    return k, k


def eval_figures(completions: list[dict], samples: list[tuple[int, float]], tree_cpu: list[tuple]) -> dict:
    """Memory and drift of an eval run from its clip completions (in order, each with ``t``,
    ``frames``, ``frame_s``: the runner's per-frame times), the tree's RSS samples
    ``(clips completed, bytes)`` and CPU samples ``(t, tree CPU seconds[, machine busy seconds])``."""
    warm, k = eval_windows(completions)
    n = len(completions)
    frame_s = [np.asarray(c["frame_s"], np.float64) for c in completions]
    first, last = np.concatenate(frame_s[:k]), np.concatenate(frame_s[n - k:])
    # memory while clips are tracked: after the last one the workers exit and the CLI evaluates
    tracking = [(p, r) for p, r in samples if p < n]
    after = [r for p, r in samples if p >= n]
    out = {"clips": n, "warmup_clips": warm, "window_clips": k,
           "memory": {**memory_figures(tracking, warm), "after_last_clip_max_mb": _mb(max(after)) if after else None},
           "frame_time": drift_figures(first, last)}
    # the run's own pace: wall and tree CPU seconds per frame tracked between completions
    if k >= 5:  # (needs enough completions per window: with 2 workers they come in pairs)
        def pace(lo: int, hi: int) -> tuple[float, float, float | None]:
            frames = sum(c["frames"] for c in completions[lo + 1:hi + 1])
            a, b = _sample_at(tree_cpu, completions[lo]["t"]), _sample_at(tree_cpu, completions[hi]["t"])
            other = None
            if len(a) > 2 and b[0] > a[0]:  # cores the rest of the machine kept busy meanwhile
                other = round(max(0.0, (b[2] - a[2]) - (b[1] - a[1])) / (b[0] - a[0]), 3)
            return (completions[hi]["t"] - completions[lo]["t"]) / frames, (b[1] - a[1]) / frames, other
        (wa, ca, oa), (wb, cb, ob) = pace(0, k), pace(n - 1 - k, n - 1)
        out["wall_per_frame"] = drift_figures(np.array([wa]), np.array([wb]))
        out["cpu_per_frame"] = drift_figures(np.array([ca]), np.array([cb]))
        out["other_cores"] = {"first_window": oa, "last_window": ob}
    out["pass"] = {"rss_growth": out["memory"]["pass"], "frame_time_drift": out["frame_time"]["pass"],
                   **({"wall_drift": out["wall_per_frame"]["pass"], "cpu_drift": out["cpu_per_frame"]["pass"]} if "wall_per_frame" in out else {})}
    return out


def _sample_at(tree_cpu: list[tuple], t: float) -> tuple:
    """The last CPU sample taken at or before time ``t`` (the first one if none)."""
    best = tree_cpu[0]
    for sample in tree_cpu:
        if sample[0] > t:
            break
        best = sample
    return best


def run_eval(args) -> dict:
    temp = None
    if args.clips_dir:
        root = Path(args.clips_dir)
    else:
        temp = root = Path(tempfile.mkdtemp(prefix="lighttrack_longrun_clips_"))
    run_dir = Path(tempfile.mkdtemp(prefix="lighttrack_longrun_eval_"))
    proc = None
    try:
        key = write_clips(root / "clips", args.clips, args.seed, frames=tuple(args.clip_frames))
        frames = dict(zip((f"clip{k:03d}" for k in range(args.clips)), key["lengths"]))
        cmd = lighttrack_command() + ["eval", "--tracker", "lighttrack-mobile", "--dataset", "folder", "--root", str(root / "clips"),
                                      "--workers", str(args.workers), "--out", str(run_dir / "run"), "--no-progress", "--json"]
        if args.eval_backend:
            cmd += ["--backend", args.eval_backend]
        _progress(f"eval: {' '.join(cmd)}")
        load_before = load()
        times_dir = run_dir / "run" / "results" / "times"
        seen: dict[str, float] = {}
        completions: list[dict] = []
        samples: list[tuple[int, float]] = []
        tree_cpu: list[tuple[float, float]] = []
        peak_procs = 0
        t0 = time.perf_counter()
        with open(run_dir / "eval.log", "wb") as log:
            proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            while True:
                alive = proc.poll() is None
                now = time.perf_counter() - t0
                pids = tree(proc.pid) if alive else []
                peak_procs = max(peak_procs, len(pids))
                if alive:
                    samples.append((len(completions), sum(rss_bytes(p) for p in pids)))
                    tree_cpu.append((now, sum(cpu_seconds(p) for p in pids), machine_busy_seconds()))
                if times_dir.is_dir():
                    for f in sorted(times_dir.glob("*_time.txt")):
                        name = f.name[:-len("_time.txt")]
                        if name in seen:
                            continue
                        seen[name] = now
                        lines = [float(v) for v in f.read_text().split()]
                        completions.append({"clip": name, "t": now, "frames": frames.get(name, len(lines)), "frame_s": lines[1:]})
                        if len(completions) % 10 == 0:
                            _progress(f"eval: {len(completions)}/{args.clips} clips after {now:.0f} s, tree RSS {_mb(samples[-1][1]) if samples else '?'} MB")
                if not alive:
                    break
                time.sleep(args.sample_s)
        wall_s = time.perf_counter() - t0
        if proc.returncode != 0:
            raise RuntimeError(f"lighttrack eval exited {proc.returncode}: {(run_dir / 'eval.log').read_text()[-2000:]}")
        text = (run_dir / "eval.log").read_text()
        doc = json.loads(text[text.index("{"):])
        if len(completions) != args.clips:
            raise RuntimeError(f"{len(completions)} of {args.clips} clips completed")
        out = {"command": " ".join(["lighttrack"] + cmd[len(lighttrack_command()):]).replace(str(root), "CLIPS").replace(str(run_dir), "RUN"),
               "clips": args.clips, "frames": sum(frames.values()), "clip_frames": [min(frames.values()), max(frames.values())],
               "clip_size": key["size"], "workers": args.workers, "processes_max": peak_procs, "sample_s": args.sample_s, "wall_s": round(wall_s, 1),
               "first_completion_s": round(completions[0]["t"], 1),
               **eval_figures(completions, samples, tree_cpu),
               "tracking": {k: doc.get(k) for k in ("auc", "precision", "norm_precision", "success_rate_50", "fps") if k in doc}
               or {k: v for k, v in (doc.get("summary") or doc.get("overall") or {}).items() if not isinstance(v, (dict, list))},
               "rss_mb_after_each_10_clips": [_mb(next(r for p, r in samples if p >= c)) for c in range(10, args.clips, 10)],
               "load": {"before": load_before, "after": load()}}
        return out
    finally:
        if proc is not None and proc.poll() is None:
            for pid in reversed(tree(proc.pid)):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            proc.wait()
        shutil.rmtree(run_dir, ignore_errors=True)
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)


# ----------------------------------------------------------------------------- main
def _progress(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def all_pass(report: dict) -> bool:
    verdicts = [v for b in report.get("video", {}).get("backends", {}).values() for v in b["pass"].values()]
    verdicts += list(report.get("eval", {}).get("pass", {}).values())
    return bool(verdicts) and all(verdicts)


def parse_args(argv: list[str] | None = None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 1)[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--part", action="append", choices=("video", "eval"), help="run only this part (repeatable; default both)")
    ap.add_argument("--frames", type=int, default=20000, help="frames of the video (default 20000)")
    ap.add_argument("--targets", type=int, default=8, help="targets (and Tracker instances) in the video (default 8)")
    ap.add_argument("--width", type=int, default=1280)
    ap.add_argument("--height", type=int, default=720)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--codec", default="mp4v", choices=("mp4v", "MJPG"), help="video codec (mp4v: .mp4, MJPG: .avi)")
    ap.add_argument("--backend", action="append", choices=("onnxruntime", "torch"), help="backend(s) of the video part (default both)")
    ap.add_argument("--sessions", choices=("shared", "separate"), default="shared",
                    help="ONNX Runtime: the trackers share their sessions (default) or each loads its own, as before issue 24 "
                    "(run each in its own process: a process's resident memory does not shrink back)")
    ap.add_argument("--threads", type=int, default=1, help="ONNX Runtime threads per tracker / torch threads (default 1)")
    ap.add_argument("--warmup", type=int, default=1000, help="warm-up frames before the memory baseline (default 1000)")
    ap.add_argument("--window", type=int, default=1000, help="frames in the first and last window compared for drift (default 1000)")
    ap.add_argument("--rss-every", type=int, default=50, help="sample memory every N frames (default 50)")
    ap.add_argument("--video-dir", help="where the video is written and reused (default: a temporary folder)")
    ap.add_argument("--clips", type=int, default=100, help="clips of the eval part (default 100)")
    ap.add_argument("--clip-frames", type=int, nargs=2, default=[60, 120], metavar=("MIN", "MAX"), help="frames per clip (default 60 120)")
    ap.add_argument("--workers", type=int, default=2, help="lighttrack eval --workers (default 2)")
    ap.add_argument("--eval-backend", help="lighttrack eval --backend (default: the CLI's default)")
    ap.add_argument("--clips-dir", help="where the eval clips are written and reused (default: a temporary folder)")
    ap.add_argument("--sample-s", type=float, default=0.1, help="seconds between samples of the eval process tree (default 0.1)")
    ap.add_argument("--out", help="also write the JSON here (atomically)")
    ap.add_argument("--merge", action="store_true", help="keep what --out already holds for the parts / backends not run now")
    args = ap.parse_args(argv)
    args.part = args.part or ["video", "eval"]
    args.backend = args.backend or ["onnxruntime", "torch"]
    if args.frames < 10 or args.targets < 1 or args.clips < 3:
        ap.error("--frames must be >= 10, --targets >= 1, --clips >= 3")
    return args


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    previous = signal.signal(signal.SIGTERM, _on_term)
    report: dict = {}
    if args.merge and args.out and Path(args.out).is_file():
        report = json.loads(Path(args.out).read_text())
    report.update({"benchmark": "long run (issue 19 part 3)",
                   "criteria": {"max_rss_growth_pct": MAX_RSS_GROWTH_PCT, "max_abs_drift_pct": MAX_DRIFT_PCT},
                   "machine": machine()})
    seconds = {}
    try:
        if "video" in args.part:
            t = time.perf_counter()
            video = run_video(args)
            seconds["video"] = round(time.perf_counter() - t, 1)
            old = report.get("video", {}).get("backends", {}) if report.get("video", {}).get("frames") == args.frames else {}
            video["backends"] = {**old, **video["backends"]}
            video["command"] = ("python benchmarks/longrun.py --part video " + " ".join(f"--backend {b}" for b in video["backends"])
                                + f" --frames {args.frames} --targets {args.targets} --threads {args.threads}")
            report["video"] = video
        if "eval" in args.part:
            t = time.perf_counter()
            report["eval"] = run_eval(args)
            seconds["eval"] = round(time.perf_counter() - t, 1)
            report["eval"]["campaign_command"] = f"python benchmarks/longrun.py --part eval --clips {args.clips} --workers {args.workers}"
    except (KeyboardInterrupt, Interrupted) as err:
        _progress(f"interrupted ({err or 'Ctrl-C'}): no JSON written")
        raise SystemExit(130) from None
    finally:
        signal.signal(signal.SIGTERM, previous)
    report["all_pass"] = all_pass(report)
    report["seconds"] = {**report.get("seconds", {}), **seconds}
    report_json(report, args.out)
    return report


if __name__ == "__main__":
    sys.exit(0 if main()["all_pass"] else 1)
