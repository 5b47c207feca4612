"""How much a network's boxes follow the object's scale, as JSON.

For every clip's first frame (where the true box is known) the search crop is taken as if the
tracker's size estimate were off by a factor s (0.7 ... 1.4), and the log ratio of the predicted
to the true box size is recorded. A network that measures scale predicts the true size whatever
s is (slope 0); one that only echoes the size it was told predicts s times it (slope 1). The
slope says how far a tracker can trust its size updates (``Preset.lr``):

    python benchmarks/scale_response.py --tracker lighttrack-mobile --validation runs/demo_pretrained_data
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np

from lighttrack.data.clipsets import DemoStills, validation_clips

SCALES = (0.7, 0.85, 1.0, 1.2, 1.4)


def size_misses(tracker, frame: np.ndarray, box: np.ndarray, scales=SCALES) -> np.ndarray:
    """Mean log (predicted / true) size of the first frame's box, per crop scale factor."""
    from lighttrack.tracker.postprocess import box_bias

    tracker.init(frame, box)
    (center, size), = tracker.state()
    steps = tracker.probe(frame, [center] * len(scales), [size * s for s in scales])
    return np.array([box_bias(step.measured, box)[2:].mean() for step in steps])


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tracker", required=True, help="LightTrack checkpoint or shipped model name")
    p.add_argument("--validation", metavar="DIR", help="also the validation clips of the training photos in DIR")
    p.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    args = p.parse_args(argv)

    import torch

    from lighttrack.tracker import Tracker

    torch.set_num_threads(args.threads)
    tracker = Tracker.from_weights(args.tracker)
    tracker.preset = tracker.preset.replace(calibration=0.0)  # the network's own boxes
    sets = {"heldout": DemoStills(1, None, "smooth")}
    if args.validation:
        sets["validation"] = validation_clips(args.validation, "smooth", 1)
    out = {"tracker": args.tracker, "scales": list(SCALES), "sets": {}}
    log_s = np.log(SCALES)
    for name, clips in sets.items():
        slopes, rows = [], []
        for clip in clips.names:
            seq = clips[clip]
            misses = size_misses(tracker, seq.frame(0), np.asarray(seq.boxes[0], np.float64))
            slopes.append(float(np.polyfit(log_s, misses, 1)[0]))
            rows.append(misses)
        out["sets"][name] = {
            "clips": len(slopes),
            "slope_mean": round(float(np.mean(slopes)), 3),
            "slope_min": round(float(np.min(slopes)), 3),
            "slope_max": round(float(np.max(slopes)), 3),
            "mean_log_size_miss": [round(float(v), 3) for v in np.mean(rows, axis=0)],
        }
        print(f"{name}: slope {out['sets'][name]['slope_mean']}", file=sys.stderr)
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
