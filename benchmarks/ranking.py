"""Ranking quality of the supernet (spec nas.md §4): supernet fitness vs stand-alone fitness.

1. Train a supernet (uniform single-path sampling, the real Trainer) for ``--supernet-steps``.
2. Pick ``--k`` architectures spread over the MACs range (stratified by MACs quantile, seeded).
3. Score each with the search's fitness: inherit weights -> BN recalibration on fixed pairs ->
   track the validation sequences with the real Tracker -> (AO + SR0.5) / 2.
4. Train each architecture stand-alone from scratch (same data, ``--standalone-steps``) and score
   it with the same tracking fitness (its own BN statistics).
5. Report Kendall tau, Spearman rho, sparse Kendall tau (scores rounded to ``--sparse-decimals``)
   and precision@top-k between the two rankings, plus the MACs-only baseline (how well "bigger is
   better" alone predicts the stand-alone ranking).

At tiny CPU scale (synthetic data, minutes of training) the numbers say more about noise than
about LightTrack's supernet; the harness is the point, and it scales with the flags (and with
``--space paper`` / real data via ``--train-config``).

    .venv/bin/python benchmarks/ranking.py --out results/ranking_tiny.json
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch

from lighttrack.search.ranking import kendall_tau, precision_at_top, spearman
from lighttrack.space import SearchSpace

TINY = SearchSpace(depths=(1, 1, 1, 1, 1), output_positions=((2, 0), (3, 0)), head_layers=2)


def _data(args) -> dict:
    return {
        "train": [{"format": "synthetic", "pairs": args.pairs, "frame_range": 20,
                   "options": {"num_sequences": 64, "length": 40, "seed": args.seed + 1}}],
        "val": [{"format": "synthetic", "options": {"num_sequences": args.val_seqs, "length": args.val_len, "seed": 777}}],
        "template_size": 128, "search_size": 256, "workers": 0,
    }


def _train_cfg(args, name: str, out: Path, kind: str, steps: int, arch: str | None = None):
    from lighttrack.train.config import from_dict

    model = {"kind": kind}
    if arch:
        model["arch"] = arch
    data = _data(args)
    data.pop("val")
    return from_dict({
        "name": name, "output_dir": str(out), "seed": args.seed, "device": "cpu", "threads": args.threads,
        "model": model, "data": data,
        "train": {"epochs": 1000, "schedule_epochs": 1000, "max_steps": steps, "batch_size": args.batch, "lr": args.lr,
                  "lr_end": args.lr / 10, "warmup_lr": args.lr / 5, "warmup_epochs": 0,
                  "freeze_backbone_epochs": 0, "backbone_lr_mult": 1.0, "steps_per_epoch": max(1, steps // 4)},
        "checkpoint": {"every_steps": 100000}, "log": {"tensorboard": False, "progress": False, "every_steps": 10},
    })


def train_supernet(args, space: SearchSpace, out: Path) -> str:
    from lighttrack.train.trainer import Trainer

    cfg = _train_cfg(args, "ranking_supernet", out, "supernet", args.supernet_steps)
    cfg.model.depths = list(space.depths)
    cfg.model.head_layers = space.head_layers
    cfg.model.output_positions = ",".join(f"ops_{s}{b}" for s, b in space.output_positions)
    assert cfg.model.search_space() == space
    return Trainer(cfg).fit()["products"]["supernet"]


def _checkpoint_step(path) -> int | None:
    from lighttrack.nn.checkpoint import read_checkpoint

    step = read_checkpoint(path).get("step")
    return int(step) if step is not None else None


def pick_archs(space: SearchSpace, costs, k: int, seed: int) -> list:
    """``k`` distinct archs, one per MACs quantile bin of 2000 uniform samples."""
    rng = random.Random(seed)
    pool = list({space.sample(rng).canonical() for _ in range(2000)})
    pool.sort(key=lambda a: (costs.of(a)["macs"], str(a)))
    bins = np.array_split(np.arange(len(pool)), k)
    return [pool[int(rng.choice(list(b)))] for b in bins]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--space", choices=["tiny", "paper"], default="tiny")
    p.add_argument("--k", type=int, default=8)
    p.add_argument("--supernet", help="reuse a trained supernet checkpoint (skips step 1)")
    p.add_argument("--supernet-steps", type=int, default=120)
    p.add_argument("--standalone-steps", type=int, default=40)
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--lr", type=float, default=0.02)
    p.add_argument("--pairs", type=int, default=2000)
    p.add_argument("--val-seqs", type=int, default=6)
    p.add_argument("--val-len", type=int, default=20)
    p.add_argument("--calib-batches", type=int, default=4)
    p.add_argument("--calib-batch-size", type=int, default=8)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--sparse-decimals", type=int, default=2)
    p.add_argument("--workdir", default="runs/ranking")
    p.add_argument("--out", required=True)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    log = lambda m: print(f"[{time.strftime('%H:%M:%S')}] {m}", file=sys.stderr, flush=True)  # noqa: E731

    from lighttrack.io import atomic_write_json
    from lighttrack.search.constraints import Costs
    from lighttrack.search.fitness import SupernetFitness, score_sequences
    from lighttrack.search.runner import SearchConfig, calibration_set, validation_sequences
    from lighttrack.train.checkpoint import load_supernet
    from lighttrack.train.trainer import Trainer

    work = Path(args.workdir)
    space = TINY if args.space == "tiny" else SearchSpace()
    t0 = time.time()
    supernet_path = args.supernet or train_supernet(args, space, work / "supernet")
    log(f"supernet ready: {supernet_path} ({time.time() - t0:.0f} s)")
    supernet = load_supernet(supernet_path)
    costs = Costs(supernet.space)
    scfg = SearchConfig(name="ranking", seed=args.seed, data=_data(args), constraints=[{"name": "all"}])
    scfg.fitness.calibration_batches, scfg.fitness.calibration_batch_size = args.calib_batches, args.calib_batch_size
    sequences = validation_sequences(scfg)
    fitness = SupernetFitness(supernet, calibration_set(scfg), sequences)
    archs = pick_archs(supernet.space, costs, args.k, args.seed)
    rows = []
    for i, arch in enumerate(archs):
        sup = fitness.record(arch)
        arch_file = work / f"arch_{i}.json"
        arch_file.parent.mkdir(parents=True, exist_ok=True)
        arch_file.write_text(arch.to_json())
        cfg = _train_cfg(args, f"ranking_arch_{i}", work / f"arch_{i}", "tracker", args.standalone_steps, str(arch_file))
        trainer = Trainer(cfg)
        trainer.fit()
        net = trainer.model.eval()
        alone = score_sequences(net, sequences)
        row = {"arch": arch.to_dict(), "macs": costs.of(arch)["macs"], "params": costs.of(arch)["params"],
               "supernet_fitness": sup["fitness"], "standalone_fitness": alone["fitness"],
               "supernet_ao": sup["ao"], "standalone_ao": alone["ao"]}
        rows.append(row)
        log(f"arch {i + 1}/{len(archs)}: {row['macs'] / 1e6:.0f} M MACs, supernet {row['supernet_fitness']:.4f}, "
            f"stand-alone {row['standalone_fitness']:.4f} ({time.time() - t0:.0f} s)")
    sup_f = [r["supernet_fitness"] for r in rows]
    alone_f = [r["standalone_fitness"] for r in rows]
    macs = [r["macs"] for r in rows]
    rounded = lambda v: [round(x, args.sparse_decimals) for x in v]  # noqa: E731
    top = max(1, args.k // 4)
    report = {
        "command": " ".join([sys.executable.split("/")[-1], *sys.argv]),
        "space": args.space, "k": args.k, "supernet": str(supernet_path),
        "supernet_steps": _checkpoint_step(supernet_path), "standalone_steps": args.standalone_steps,
        "batch": args.batch, "val_sequences": args.val_seqs, "val_length": args.val_len, "seed": args.seed,
        "kendall_tau": kendall_tau(sup_f, alone_f), "spearman": spearman(sup_f, alone_f),
        "sparse_kendall_tau": kendall_tau(rounded(sup_f), rounded(alone_f)),
        f"precision_at_top{top}": precision_at_top(sup_f, alone_f, top),
        "macs_only_kendall_tau": kendall_tau(macs, alone_f), "macs_only_spearman": spearman(macs, alone_f),
        "seconds": time.time() - t0, "rows": rows,
    }
    atomic_write_json(args.out, report)
    print(json.dumps({k: v for k, v in report.items() if k != "rows"}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
