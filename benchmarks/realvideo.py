"""Every tracker's scores on the real-video validation split, in one run, as JSON (issue 18).

The split: ``lighttrack/data/splits/realvideo_split.txt`` (``val``: 12 drone clips of UAV123 at
10 fps, UAVDT and DTB70 + the 15 DAVIS-2016 val clips; no weights train on them), read from
``$LIGHTTRACK_REALVIDEO`` and ``$LIGHTTRACK_DAVIS`` (or ``--realvideo`` / ``--davis``). One-pass
evaluation with the package's own runner and metrics (protocol ``ope``: frames where the target
is absent are left out): success AUC, precision at 20 px, normalised precision, frames per second
of ``init`` + ``update`` on this machine (frame decoding excluded), overall and per source.

The trackers (``--trackers`` picks a subset, comma-separated):

    official, official-network-only
                                  the official LightTrack-Mobile weights (issue 23) with the preset
                                  they carry, and the same preset with every refiner off
    mobile-ours, mobile-ours-network-only
                                  the same for our own CPU-trained LightTrack-Mobile
    m300, m300-network-only       the same for the shipped m300
    m200, m200-network-only       the same for the shipped m200 (issue 26)
    kcf, csrt                     OpenCV
    nanotrack                     NanoTrack v2 through OpenCV's TrackerNano (--nanotrack DIR; default
                                  the graphs shipped in lighttrack/assets/peers/nanotrack-v2)
    static                        the first box on every frame

Each tracker's result files go to ``<work>/<split>[-max<N>]/<tracker>/``; a rerun skips every
clip already finished there, so a killed run continues where it stopped.

    LIGHTTRACK_REALVIDEO=/work/data/realvideo LIGHTTRACK_DAVIS=../shared/data/davis2016 \\
        nice -n 10 python benchmarks/realvideo.py --out docs/results/realvideo_val.json \\
        --per-clip runs/realvideo/val_per_clip.json
    python benchmarks/realvideo.py --trackers kcf,static --max-frames 20   # a quick smoke run
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import platform
import sys
import time
from pathlib import Path

from lighttrack.io import atomic_write_text, report_json

REPO = Path(__file__).resolve().parents[1]
DEFAULT_NANOTRACK = REPO / "lighttrack" / "assets" / "peers" / "nanotrack-v2"  # shipped unchanged (Apache-2.0)

# name -> (spec, preset): preset None = what the weights carry; "network-only" = that without alignment
TRACKERS = {
    "official": ("lighttrack-mobile-official", None),
    "official-network-only": ("lighttrack-mobile-official", "network-only"),
    "mobile-ours": ("lighttrack-mobile-ours", None),
    "mobile-ours-network-only": ("lighttrack-mobile-ours", "network-only"),
    "m300": ("lighttrack-m300", None),
    "m300-network-only": ("lighttrack-m300", "network-only"),
    "m200": ("lighttrack-m200", None),
    "m200-network-only": ("lighttrack-m200", "network-only"),
    "kcf": ("kcf", None),
    "csrt": ("csrt", None),
    "nanotrack": ("nanotrack:{nanotrack}", None),
    "static": ("static", None),
}
HEADLINE = ("auc", "precision", "norm_precision", "success_rate_50", "fps")


class FirstFrames:
    """The data set with every clip cut to its first ``n`` frames (``--max-frames``)."""

    def __init__(self, dataset, n: int):
        self._ds, self.n = dataset, n
        self.names = list(dataset.names)

    def __len__(self):
        return len(self.names)

    def __getitem__(self, key):
        seq = self._ds[self.names[key] if isinstance(key, int) else key]
        n = self.n
        return seq.head(n)


def resolve_preset(spec: str, preset):
    """The preset to run with: None (carried) or the carried preset without alignment."""
    if preset != "network-only":
        return preset
    from lighttrack.tracker.presets import get_preset, network_only
    from lighttrack.tracker.tracker import carried_preset

    return network_only(carried_preset(spec) or get_preset("default"))


def parse_extra(items: list[str]) -> dict[str, tuple[str, str | None]]:
    """``--extra NAME=SPEC[,PRESET]`` items as TRACKERS entries (PRESET: a preset name or file, or
    ``network-only``; without it, the preset the weights carry)."""
    from lighttrack.errors import InputError

    out = {}
    for item in items:
        name, sep, rest = item.partition("=")
        spec, _, preset = rest.partition(",")
        if not sep or not name.strip() or not spec.strip():
            raise InputError(f"--extra: expected NAME=SPEC[,PRESET], got {item!r}")
        if name.strip() in TRACKERS:
            raise InputError(f"--extra: {name.strip()!r} is one of the built-in trackers; choose another name")
        out[name.strip()] = (spec.strip(), preset.strip() or None)
    return out


def build_tracker(spec: str, preset, threads: int):
    """``make_tracker`` (the ``lighttrack eval --tracker`` factory), with the thread count where it
    takes one."""
    from lighttrack.eval.baselines import make_tracker

    if "threads" in inspect.signature(make_tracker).parameters:
        return make_tracker(spec, preset, threads=threads)
    return make_tracker(spec, preset)


def backend_name(tracker) -> str | None:
    backend = getattr(tracker, "backend", None)
    return None if backend is None else str(getattr(backend, "name", type(backend).__name__))


def _rounded(summary: dict) -> dict:
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in summary.items() if k in HEADLINE}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--realvideo", help="built real-video clips (default: $LIGHTTRACK_REALVIDEO)")
    p.add_argument("--davis", help="DAVIS-2016 in the folder layout (default: $LIGHTTRACK_DAVIS)")
    p.add_argument("--split", default="val", choices=("val", "train"), help="side of the split (default val)")
    p.add_argument("--split-file", help="another split file in the same format (default: the packaged one)")
    p.add_argument("--trackers", default=",".join(TRACKERS),
                   help=f"comma-separated subset of {', '.join(TRACKERS)} (default: all)")
    p.add_argument("--extra", action="append", metavar="NAME=SPEC[,PRESET]",
                   help="one more tracker to score (repeatable): a --tracker spec of lighttrack eval (weights, "
                        "a shipped model name) and optionally a preset name / file or 'network-only'")
    p.add_argument("--nanotrack", default=str(DEFAULT_NANOTRACK),
                   help="folder with NanoTrack v2's two ONNX files (default: the shipped lighttrack/assets/peers/nanotrack-v2)")
    p.add_argument("--max-frames", type=int, help="use only the first N frames of every clip (a quick smoke run)")
    p.add_argument("--threads", type=int, default=1, help="torch / OpenCV / ONNX Runtime threads (default 1)")
    p.add_argument("--work", default="runs/realvideo", help="run folders (a rerun resumes; default runs/realvideo)")
    p.add_argument("--out", help="also write the JSON here")
    p.add_argument("--per-clip", metavar="FILE", help="write every clip's scores per tracker here (JSON)")
    args = p.parse_args(argv)

    from lighttrack.errors import LightTrackError

    try:
        result, per_clip = run(args)
    except LightTrackError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    report_json(result, args.out)
    if args.per_clip:
        atomic_write_text(args.per_clip, json.dumps(per_clip, indent=1) + "\n")
    return 0


def run(args) -> tuple[dict, dict]:
    import cv2

    from lighttrack.data.realvideo import open_realvideo_split
    from lighttrack.errors import InputError
    from lighttrack.eval.baselines import describe_tracker
    from lighttrack.eval.protocols import protocol_for
    from lighttrack.eval.results import ResultStore
    from lighttrack.eval.runner import (
        RESULTS_DIR,
        evaluate_results,
        evaluate_run,
        run_benchmark,
    )

    trackers = dict(TRACKERS)
    extra = parse_extra(args.extra or [])
    trackers.update(extra)
    names = [n.strip() for n in args.trackers.split(",") if n.strip()]
    names += [n for n in extra if n not in names]
    unknown = [n for n in names if n not in trackers]
    if unknown or not names:
        raise InputError(f"--trackers: unknown {', '.join(unknown) or '(none)'}; choose from {', '.join(trackers)}")
    if args.max_frames is not None and args.max_frames < 2:
        raise InputError("--max-frames must be at least 2 (the first frame only initialises)")
    try:
        import torch

        torch.set_num_threads(args.threads)
    except ImportError:  # pragma: no cover - torch is a dependency of the package
        pass
    cv2.setNumThreads(args.threads)

    data = open_realvideo_split(args.split, args.realvideo, args.davis, args.split_file)  # reads every clip
    dataset = FirstFrames(data, args.max_frames) if args.max_frames else data
    protocol = protocol_for("realvideo")
    by_source = {}
    for name in dataset.names:
        by_source.setdefault(name.split("/", 1)[0], []).append(name)
    # checks before work: every tracker is built (weights read, ONNX files loaded) before any runs
    chosen = []
    for name in names:
        spec, preset = trackers[name]
        spec = spec.format(nanotrack=args.nanotrack)
        preset = resolve_preset(spec, preset)
        chosen.append((name, spec, preset, build_tracker(spec, preset, args.threads)))

    folder = Path(args.work) / (args.split + (f"-max{args.max_frames}" if args.max_frames else ""))
    info = {"format": "realvideo-split", "split": args.split, "split_file": str(data.split_file),
            "roots": {k: str(v) for k, v in data.roots.items()}, "max_frames": args.max_frames}
    result = {
        "benchmark": "real-video validation split (issue 18)" if args.split == "val" else f"real-video {args.split} split",
        "split": args.split,
        "split_file": str(data.split_file),
        "roots": info["roots"],
        "clips": len(dataset),
        "clips_per_source": {k: len(v) for k, v in by_source.items()},
        "frames": int(sum(len(dataset[n]) for n in dataset.names)),
        "max_frames": args.max_frames,
        "protocol": protocol.name,
        "work": str(folder),
        "machine": {"cpus": os.cpu_count(), "threads": args.threads, "loadavg_start": _load(),
                    "python": platform.python_version(), "opencv": cv2.__version__},
        "trackers": {},
    }
    per_clip: dict = {"split": args.split, "max_frames": args.max_frames, "trackers": {}}
    for name, spec, preset, tracker in chosen:
        run_dir = folder / name
        load_before, t0 = _load(), time.perf_counter()
        done = run_benchmark(dataset, spec, run_dir, protocol, preset=preset, progress=False,
                             dataset_info=info, tracker=tracker)
        wall = time.perf_counter() - t0
        metrics = evaluate_run(dataset, run_dir, protocol)
        store = ResultStore(run_dir / RESULTS_DIR, protocol.result_format)
        sources = {src: _rounded(evaluate_results(dataset, store, protocol, clip_names)["summary"])
                   for src, clip_names in by_source.items()}
        entry = {
            "spec": spec if not spec.startswith("nanotrack:") else "nanotrack:DIR",
            "kind": describe_tracker(spec),
            "preset": getattr(preset, "name", None) or getattr(getattr(tracker, "preset", None), "name", None),
            "backend": backend_name(tracker),
            **_rounded(metrics["summary"]),
            "by_source": sources,
            "clips_run": len(done["ran"]),
            "clips_reused": len(done["skipped"]),
            "wall_s": round(wall, 1),
            "loadavg_1m": [load_before[0], _load()[0]] if done["ran"] else None,
        }
        result["trackers"][name] = entry
        per_clip["trackers"][name] = {clip: {k: (round(v, 4) if isinstance(v, float) else v)
                                             for k, v in score.items()}
                                      for clip, score in metrics["per_sequence"].items()}
        print(f"{name:22s} AUC {entry.get('auc', float('nan')):.3f}  prec {entry.get('precision', float('nan')):.3f}  "
              f"fps {entry.get('fps') or float('nan'):.1f}  ({len(done['ran'])} clips run, "
              f"{len(done['skipped'])} reused, {wall:.0f} s)", file=sys.stderr, flush=True)
    result["machine"]["loadavg_end"] = _load()
    return result, per_clip


def _load() -> list[float]:
    return [round(v, 2) for v in os.getloadavg()]


if __name__ == "__main__":
    raise SystemExit(main())
