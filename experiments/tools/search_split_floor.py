"""Issue 26 part 6, the ship rule's last clause: the current shipped lighttrack-m300 (its carried
preset, refiners and all, as users run it) and a static box, scored with the search's fitness on the
search split. ``python experiments/tools/search_split_floor.py configs/search_sizes.yaml``"""

from __future__ import annotations

import json
import sys

import numpy as np
import torch


def main(argv=None) -> int:
    from lighttrack.eval.baselines import make_tracker
    from lighttrack.eval.metrics import got10k_sequence_ious, got10k_summary
    from lighttrack.search.fitness import track_sequence
    from lighttrack.search.runner import load_search_config, validation_sequences

    torch.set_num_threads(1)
    cfg = load_search_config((argv or sys.argv[1:])[0])
    sequences = validation_sequences(cfg)
    out = {}
    for name in ("lighttrack-m300", "static"):
        ious = {}
        for seq in sequences:
            pred, gt, visible = track_sequence(make_tracker(name, threads=1), seq, cfg.fitness.max_frames)
            ious[seq.name], _ = got10k_sequence_ious([pred], gt, cover=visible.astype(np.float64))
        s = got10k_summary(ious)
        out[name] = {"fitness": (s["ao"] + s["sr50"]) / 2, "ao": s["ao"], "sr50": s["sr50"], "frames": s["frames"]}
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
