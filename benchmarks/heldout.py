"""Held-out scores of trackers on the demo's evaluation clips, as JSON (the model cards' tables).

The clips: every object of the 12 photos shipped in ``lighttrack/assets/demo/stills`` (17 objects;
no shipped training run saw these photos), filmed by the virtual camera in each style asked for
(``handheld``: fast pans with shake, zooms, motion blur, exposure drift, noise, an occluder;
``smooth``: a slow, steady pan and zoom). One-pass evaluation, success AUC, precision at 20 px,
normalised precision, frames per second on this machine.

``--synthetic N`` adds N synthetic clips of a seed no training run used: unseen objects, a check
on choices that the validation clips (seen objects) would favour.

``--validation DIR`` adds clips filmed over the *training* photos (the folder that
``python -m lighttrack.demo.assets`` makes, e.g. ``runs/demo_pretrained_data``) with a camera seed
no training run used: unseen clips of seen photos, the split we choose weights on — the held-out
clips are only for reporting.

    python benchmarks/heldout.py --tracker mobile=lighttrack-mobile --tracker kcf --tracker csrt \\
        --tracker static --out results/heldout.json
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from lighttrack.data.clipsets import DemoStills, synthetic_clips, validation_clips
from lighttrack.io import report_json


def parse_tracker(text: str) -> tuple[str, str, str]:
    """``name=spec[@preset]`` or a bare baseline name -> (name, spec, preset)."""
    name, _, spec = text.partition("=")
    spec = spec or name
    spec, _, preset = spec.partition("@")
    return name, spec, preset or None  # None: the preset the weights carry, else "default"


def network_only_row(tracker: tuple):
    """(NAME-network-only, spec, preset without refiners) for a LightTrack tracker whose preset
    switches refiners on (calibration, voting, alignment); None for anything else."""
    from lighttrack.errors import LightTrackError
    from lighttrack.tracker.presets import get_preset, network_only
    from lighttrack.tracker.refiners import refiners_for
    from lighttrack.tracker.tracker import carried_preset

    name, spec, preset = tracker
    try:
        chosen = get_preset(preset) if preset else carried_preset(spec)
    except LightTrackError:  # a baseline, an ONNX folder or anything else without weights
        return None
    if chosen is None or not refiners_for(chosen):
        return None
    return f"{name}-network-only", spec, network_only(chosen)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tracker", action="append", required=True,
                   help="NAME=SPEC[@PRESET]; SPEC: anything `lighttrack eval --tracker` takes (kcf, csrt, static, "
                        "a weights file, an ONNX folder, lighttrack-mobile / lighttrack-m300)")
    p.add_argument("--camera", action="append", choices=("handheld", "smooth"),
                   help="camera styles to evaluate (default: both)")
    p.add_argument("--frames", type=int, default=40, help="frames per clip (default 40, as the demo)")
    p.add_argument("--validation", metavar="DIR", help="also score the validation clips of the training photos in DIR")
    p.add_argument("--synthetic", type=int, default=0, metavar="N",
                   help="also score N synthetic clips of a seed no training run used (unseen objects)")
    p.add_argument("--network-only", action="store_true",
                   help="also score every LightTrack tracker whose preset aligns without template alignment "
                        "(row NAME-network-only): what the network's own boxes score")
    p.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    p.add_argument("--work", default="runs/heldout", help="result files (a rerun resumes; default runs/heldout)")
    p.add_argument("--out", help="also write the JSON here")
    args = p.parse_args(argv)

    import torch

    from lighttrack.eval.protocols import protocol_for
    from lighttrack.eval.runner import evaluate_run, run_benchmark

    torch.set_num_threads(args.threads)
    protocol = protocol_for("folder")
    cameras = args.camera or ["handheld", "smooth"]
    splits = [(f"heldout-{c}", c, lambda c=c: DemoStills(args.frames, None, c)) for c in cameras]
    if args.validation:
        splits += [(f"validation-{c}", c, lambda c=c: validation_clips(args.validation, c, args.frames)) for c in cameras]
    if args.synthetic:
        splits.append(("synthetic-unseen", "synthetic", lambda: synthetic_clips(args.synthetic, args.frames)))
    trackers = [parse_tracker(text) for text in args.tracker]
    if args.network_only:
        trackers += [row for row in map(network_only_row, trackers) if row is not None]
    result: dict = {"frames_per_clip": args.frames, "threads": args.threads, "splits": {}}
    for split, camera, make in splits:
        dataset = make()
        table = {}
        for name, spec, preset in trackers:
            run_dir = Path(args.work) / split / name
            t0 = time.perf_counter()
            run_benchmark(dataset, spec, run_dir, protocol, preset=preset, progress=False,
                          dataset_info={"format": "synthetic" if camera == "synthetic" else "stills", "camera": camera, "split": split})
            summary = evaluate_run(dataset, run_dir, protocol).get("summary", {})
            table[name] = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in summary.items()
                           if k in ("auc", "precision", "norm_precision", "success_rate_50", "fps")}
            print(f"{split:20s} {name:24s} AUC {summary.get('auc', float('nan')):.3f} "
                  f"({time.perf_counter() - t0:.0f} s)", file=sys.stderr, flush=True)
        result["splits"][split] = {"clips": len(dataset), "camera": camera, "trackers": table}
    report_json(result, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
