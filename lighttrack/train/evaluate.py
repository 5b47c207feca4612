"""Held-out tracking score of a trained network: the real Tracker over ``data.val`` sequences.

``python -m lighttrack.train.evaluate configs/x.yaml [key=value ...] --weights runs/x/final.pt``
prints the success AUC (one-pass evaluation, absent frames excluded) of the trained network and,
with ``--untrained``, of the same architecture with its initial (seeded) weights, so a run can
show that it learned.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace

import numpy as np
import torch

import lighttrack
from lighttrack.eval import metrics as M
from lighttrack.eval.runner import track_one_pass
from lighttrack.models import resolve_arch
from lighttrack.nn.net import TrackerNet
from lighttrack.tracker.tracker import Tracker
from lighttrack.train.config import load_config
from lighttrack.train.data import open_val_sequences


def score_sequences(net, sequences, preset: str = "default", max_frames: int | None = None) -> dict:
    net = net.eval()
    scores, names = [], []
    t0 = time.perf_counter()
    frames = 0
    with torch.no_grad():
        for seq in sequences:
            if max_frames is not None and len(seq) > max_frames:
                seq = replace(seq, frame_paths=seq.frame_paths[:max_frames], boxes=seq.boxes[:max_frames], visible=seq.visible[:max_frames])
            tracker = Tracker(net, preset=preset)
            boxes, _ = track_one_pass(tracker, seq)
            scores.append(M.ope_sequence(boxes, seq.boxes, seq.visible, rule="lasot"))
            names.append(seq.name)
            frames += len(seq)
    summary = M.ope_summary(scores, rule="lasot")
    return {
        "auc": float(summary["auc"]),
        "precision": float(summary.get("precision", np.nan)),
        "sequences": len(scores),
        "frames": frames,
        "seconds": round(time.perf_counter() - t0, 1),
        "per_sequence_auc": {n: round(float(s.auc), 4) for n, s in zip(names, scores)},
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m lighttrack.train.evaluate", description=__doc__.splitlines()[0])
    p.add_argument("config")
    p.add_argument("overrides", nargs="*")
    p.add_argument("--weights", help="TrackerNet checkpoint (default <output_dir>/final.pt)")
    p.add_argument("--untrained", action="store_true", help="also score the untrained network (same seed)")
    p.add_argument("--preset", default="default")
    p.add_argument("--max-frames", type=int, default=None)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_intermixed_args(argv)
    torch.set_num_threads(args.threads)


    cfg = load_config(args.config, args.overrides)
    seqs = open_val_sequences(cfg)
    if not seqs:
        print("config has no data.val sequences", file=sys.stderr)
        return 2
    weights = args.weights or str(cfg.out_dir / "final.pt")
    result = {"config": args.config, "weights": weights, "val": [f"{s.format}:{s.root}:{s.split}" for s in cfg.data.val]}
    result["trained"] = score_sequences(lighttrack.load(weights), seqs, args.preset, args.max_frames)
    if args.untrained:
        torch.manual_seed(cfg.seed)
        net = TrackerNet(resolve_arch(cfg.model.arch), cfg.data.template_size)
        result["untrained"] = score_sequences(net, seqs, args.preset, args.max_frames)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
