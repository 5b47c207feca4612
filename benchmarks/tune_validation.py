"""Tune a LightTrack checkpoint's post-processing (penalty_k, window_influence, lr) on the
validation clips of the training photos — unseen camera paths, both camera styles — and write the
best as a preset file. Never on the demo's held-out clips: those stay for the final report.

    python benchmarks/tune_validation.py --tracker runs/gpu1/a.pt --validation runs/demo_pretrained_data \
        --trials 30 --out runs/tune/validation.yaml

Each trial tracks every clip (``lighttrack.eval.tune``, Optuna TPE, seeded; trial 0 is the
starting preset). Rendered frames are kept in memory, so trials cost tracking time only.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from lighttrack.data.clipsets import ClipSet, synthetic_clips, validation_clips


class CachedClip:
    """A sequence whose rendered frames are kept after the first read (the clips are synthetic
    camera paths: rendering a handheld frame costs more than tracking it)."""

    def __init__(self, seq) -> None:
        self._seq, self._frames = seq, {}

    def __getattr__(self, name):
        return getattr(self._seq, name)

    def __len__(self) -> int:
        return len(self._seq)

    def frame(self, i: int):
        if i not in self._frames:
            self._frames[i] = self._seq.frame(i)
        return self._frames[i]


class ValidationClips(ClipSet):
    """Both camera styles' validation clips under one list of names, each clip cached."""

    split = "validation"

    def __init__(self, root: str, frames: int, synthetic: int = 0) -> None:
        items = {}
        for camera in ("handheld", "smooth"):
            clips = validation_clips(root, camera, frames)
            items.update({f"{camera}-{name}": (clips, name) for name in clips.names})
        if synthetic:
            clips = synthetic_clips(synthetic, frames)
            items.update({name: (clips, name) for name in clips.names})
        super().__init__(items)
        self._cache: dict[str, CachedClip] = {}

    def __getitem__(self, key):
        name = self.names[key] if isinstance(key, int) else key
        if name not in self._cache:
            self._cache[name] = CachedClip(super().__getitem__(name))
        return self._cache[name]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tracker", required=True, help="LightTrack checkpoint, ONNX folder or shipped model name")
    p.add_argument("--validation", required=True, metavar="DIR", help="training-photo copies (python -m lighttrack.demo.assets)")
    p.add_argument("--frames", type=int, default=40, help="frames per clip (default 40, as the demo)")
    p.add_argument("--trials", type=int, default=30, help="Optuna trials (default 30)")
    p.add_argument("--seed", type=int, default=0, help="sampler seed (default 0)")
    p.add_argument("--preset", default="default", help="starting preset (default 'default')")
    p.add_argument("--synthetic", type=int, default=0, metavar="N",
                   help="add N synthetic clips of a seed no training run used (unseen objects; see heldout.py)")
    p.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    p.add_argument("--tune", default="penalty_k,window_influence,lr", metavar="FIELDS",
                   help="comma-separated preset fields to search (default penalty_k,window_influence,lr; "
                        "also calibration, calibration_shift)")
    p.add_argument("--storage", help="Optuna storage URL (e.g. sqlite:///runs/tune/study.db): processes given the "
                                     "same one share the trials, and a rerun resumes")
    p.add_argument("--out", required=True, help="preset file to write (.yaml or .json)")
    args = p.parse_args(argv)

    import torch

    from lighttrack.eval.protocols import protocol_for
    from lighttrack.eval.tune import search_space, tune, write_preset

    torch.set_num_threads(args.threads)
    space = search_space([f.strip() for f in args.tune.split(",") if f.strip()])
    clips = ValidationClips(args.validation, args.frames, args.synthetic)
    result = tune(args.tracker, clips, protocol_for("folder"), split=clips.split, trials=args.trials, seed=args.seed,
                  base_preset=args.preset, progress=sys.stderr.isatty(), space=space, storage=args.storage)
    path = write_preset(result, args.out, name=Path(args.out).stem,
                        dataset_info={"format": "stills validation clips", "root": args.validation, "split": "validation",
                                      "synthetic_unseen_clips": args.synthetic})
    print(json.dumps({k: result[k] for k in ("base_score", "best_score", "best", "sequences")} | {"preset": str(path)}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
