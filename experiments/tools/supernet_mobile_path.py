"""Issue 26 diagnostic: fitness of the official Mobile path through supernet checkpoints, beside the
official network itself, on the search split (the same fitness the search uses).

    python experiments/tools/supernet_mobile_path.py runs/supernet_official/last.pt [...] --out FILE
"""
from __future__ import annotations

import argparse
import json
import sys

import torch

from lighttrack.io import atomic_write_json
from lighttrack.models import MOBILE_ARCH, load_weights
from lighttrack.arch import Arch
from lighttrack.nn.net import extract
from lighttrack.search.fitness import SupernetFitness, score_sequences
from lighttrack.search.runner import calibration_set, load_checked_supernet, load_search_config, validation_sequences


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("supernets", nargs="*")
    p.add_argument("--config", default="configs/search_official.yaml")
    p.add_argument("--arch", action="append", default=[], help="extra arch strings to score")
    p.add_argument("--no-recalibrate", action="store_true")
    p.add_argument("--out")
    a = p.parse_args(argv)
    torch.set_num_threads(1)
    cfg = load_search_config(a.config)
    seqs = validation_sequences(cfg)
    calib = calibration_set(cfg)
    out = {"config": a.config, "max_frames": cfg.fitness.max_frames, "sequences": len(seqs)}
    official, _ = load_weights("lighttrack-mobile-official")
    out["official_network"] = score_sequences(official.eval(), seqs, None, "cpu", cfg.fitness.max_frames)
    print("official network", out["official_network"], flush=True)
    archs = [Arch.parse(MOBILE_ARCH) if isinstance(MOBILE_ARCH, str) else MOBILE_ARCH] + [Arch.parse(s) for s in a.arch]
    for path in a.supernets:
        cfg.supernet = path
        sn = load_checked_supernet(cfg)
        fit = SupernetFitness(sn, calib, seqs, None, "cpu", cfg.fitness.max_frames, cfg.fitness.bn_momentum,
                              backend=cfg.fitness.backend)
        for arch in archs:
            if a.no_recalibrate:  # the supernet's own running statistics
                rec = score_sequences(extract(sn, arch).eval(), seqs, None, "cpu", cfg.fitness.max_frames, cfg.fitness.backend)
            else:
                rec = fit.evaluate(arch)
            out.setdefault("supernets", {}).setdefault(path, {})[str(arch)] = rec
            print(path, arch, rec, flush=True)
    if a.out:
        atomic_write_json(a.out, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
