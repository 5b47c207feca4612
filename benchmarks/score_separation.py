"""What ``result.score`` is worth as a found / lost signal on real video (issue 23), as JSON.

Each tracker runs one pass over every clip of a side of the real-video split (from the first
frame, no resets). Every frame after the first where the target is visible is either **on target**
(IoU of the reported box with the truth >= 0.5) or **lost** (IoU < 0.1); frames between the two
count for neither. Reported per tracker: the ROC AUC of ``result.score`` between the two sets, the
threshold that maximises TPR − FPR (Youden) with its rates, and the rates of the preset's own
``lost_score`` (``ok`` is ``score >= lost_score``).

``--source realvideo`` keeps the drone clips only (the issue-23 rule sets ``lost_score`` on the
22 drone clips of the training side).

    LIGHTTRACK_REALVIDEO=/work/data/realvideo LIGHTTRACK_DAVIS=../shared/data/davis2016 \\
        python benchmarks/score_separation.py --split train --source realvideo \\
        --tracker official=lighttrack-mobile-official --out runs/score/train.json
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

import numpy as np

from lighttrack.io import report_json

ON_TARGET, LOST = 0.5, 0.1


def parse_tracker(text: str) -> tuple[str, str, str | None]:
    """``NAME=SPEC[,PRESET]`` (PRESET: a name or file, or ``network-only``; none: the carried one)."""
    from lighttrack.errors import InputError

    name, sep, rest = text.partition("=")
    spec, _, preset = rest.partition(",")
    if not sep or not name.strip() or not spec.strip():
        raise InputError(f"--tracker: expected NAME=SPEC[,PRESET], got {text!r}")
    return name.strip(), spec.strip(), preset.strip() or None


def make(spec: str, preset: str | None, threads: int):
    from lighttrack.tracker.presets import get_preset, network_only
    from lighttrack.tracker.tracker import Tracker, carried_preset

    if preset == "network-only":
        preset = network_only(carried_preset(spec) or get_preset("default"))
    return Tracker.from_weights(spec, preset=preset, threads=threads, color="bgr")


def frame_signals(tracker, seq) -> tuple[np.ndarray, np.ndarray]:
    """(score, IoU with the truth) of every frame after the first where the target is visible."""
    import cv2

    from lighttrack.eval.metrics import iou

    scores, boxes = [], []
    for i, path in enumerate(seq.frame_paths):
        frame = cv2.imread(str(path))
        if i == 0:
            tracker.init(frame, seq.boxes[0])
            continue
        result = tracker.update(frame)
        scores.append(result.score)
        boxes.append(result.box)
    keep = np.asarray(seq.visible[1:], bool)
    overlaps = iou(np.asarray(boxes, np.float64)[keep], np.asarray(seq.boxes[1:], np.float64)[keep])
    return np.asarray(scores, np.float64)[keep], overlaps


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tracker", action="append", required=True, help="NAME=SPEC[,PRESET] (repeatable)")
    p.add_argument("--split", default="val", choices=("train", "val"))
    p.add_argument("--source", default="all", choices=("all", "realvideo", "davis2016"))
    p.add_argument("--max-frames", type=int, default=0, help="cut each clip to its first N frames (a smoke run)")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", help="write the JSON here too (atomically)")
    args = p.parse_args(argv)

    from lighttrack.data.realvideo import open_realvideo_split
    from lighttrack.eval.separation import rates_at, separation

    split = open_realvideo_split(args.split)
    names = [n for n in split.names if args.source == "all" or n.startswith(args.source + "/")]
    report = {"benchmark": "score_separation", "split": args.split, "source": args.source, "clips": len(names),
              "on_target_iou": ON_TARGET, "lost_iou": LOST, "trackers": {},
              "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "loadavg_start": list(os.getloadavg())}}
    for text in args.tracker:
        name, spec, preset = parse_tracker(text)
        t0 = time.perf_counter()
        scores, overlaps = [], []
        for clip in names:
            seq = split[clip]
            if args.max_frames:
                seq = seq.head(args.max_frames)
            s, o = frame_signals(make(spec, preset, args.threads), seq)
            scores.append(s)
            overlaps.append(o)
        s, o = np.concatenate(scores), np.concatenate(overlaps)
        on, lost = s[o >= ON_TARGET], s[o < LOST]
        tracker = make(spec, preset, args.threads)
        own = tracker.preset.lost_score
        tpr, fpr = rates_at(on, lost, own)
        report["trackers"][name] = {
            "spec": spec, "preset": tracker.preset.name, "frames": int(len(s)),
            **separation(on, lost).to_json(),
            "preset_lost_score": own, "preset_tpr": None if tpr != tpr else round(tpr, 6),
            "preset_fpr": None if fpr != fpr else round(fpr, 6),
            "seconds": round(time.perf_counter() - t0, 1),
        }
    report["machine"]["loadavg_end"] = list(os.getloadavg())
    report_json(report, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
