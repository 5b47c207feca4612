"""Issue 26 part 4: does the official-Mobile supernet rank architectures as stand-alone training does?

1. Pick ``--k`` architectures of the paper's space spread evenly over ``--min-macs``..``--max-macs``
   (the space's smallest path, then for each MACs target the closest of 5,000 seeded samples).
2. Train each stand-alone with ``lighttrack train`` from the recipe ``--recipe`` as a one-path
   tracker that starts from the step-0 supernet ``--init`` (the official Mobile mapped onto that path
   by lighttrack.nn.inherit: the start every path of the supernet had), for the same fixed ``--steps``
   steps of batch ``--batch`` each. Recipes: configs/supernet_official.yaml (the supernet's data,
   augmentation, official-Mobile teacher, lr 0.004, train-mode BN: the first ground truth) or
   configs/retrain_searched.yaml (the retraining the searched trackers ship with: same teacher,
   lr 0.001, BN recomputed then frozen).
3. Score each, network alone, on the real-video validation split (benchmarks/realvideo.py: AUC).
4. Score each with the search's fitness on the search split (``--search-config``) in every supernet
   checkpoint given with ``--supernet``.
5. Kendall tau and Spearman rho (95 % bootstrap intervals over architectures) between each supernet's
   fitness and the stand-alone AUC, and for "more MACs is better" as the baseline. JSON.

Every stage keeps its results in ``--work`` (a rerun resumes).

    python benchmarks/ranking_official.py --supernet runs/supernet_official/last.pt --out docs/results/ranking_official.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import torch

from lighttrack.arch import Arch
from lighttrack.io import atomic_write_json
from lighttrack.search.constraints import Costs
from lighttrack.search.ranking import agreement
from lighttrack.space import SearchSpace

ROOT = Path(__file__).resolve().parents[1]


def pick_archs(space: SearchSpace, costs: Costs, k: int, lo: float, hi: float, seed: int) -> list[Arch]:
    rng = random.Random(seed)
    pool = {space.smallest().canonical()} | {space.sample(rng).canonical() for _ in range(5000)}
    pool = sorted(pool, key=lambda a: (costs.of(a)["macs"], str(a)))
    picked: list[Arch] = []
    for i in range(k):
        target = lo + (hi - lo) * i / (k - 1)
        free = [a for a in pool if a not in picked and costs.of(a)["macs"] <= hi]
        picked.append(min(free, key=lambda a: (abs(costs.of(a)["macs"] - target), str(a))))
    return picked


def claim(path: Path) -> bool:
    """Create ``path`` if no process has: the caller then trains that architecture."""
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        return True
    except FileExistsError:
        return False


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def standalone_command(arch: Arch, out: Path, args) -> list[str]:
    """The ``lighttrack train`` call of one stand-alone run: the recipe, this benchmark's fixed budget,
    then the user's ``--set`` overrides (last, so they win)."""
    return [sys.executable, "-m", "lighttrack", "train", args.recipe, f"output_dir={out}", "model.kind=tracker",
            "model.fix_inherited_bn=false", f"model.arch={arch}", f"model.init={args.init}", f"threads={args.threads}",
            "train.time_budget_s=null", "train.epochs=1", "train.schedule_epochs=1", f"train.steps_per_epoch={args.steps}",
            f"train.max_steps={args.steps}", f"train.batch_size={args.batch}", "train.warmup_epochs=0.1",
            "checkpoint.every_steps=50", f"distill.cache={args.work}/teacher_cache", *args.set]


def train_standalone(arch: Arch, out: Path, args) -> Path:
    final = out / "final.pt"
    if final.is_file():
        return final
    cmd = standalone_command(arch, out, args)
    if (out / "last.pt").is_file():
        cmd.append("--resume")
    with open(out.with_suffix(".log"), "a") as fh:
        subprocess.run(cmd, check=True, stdout=fh, stderr=subprocess.STDOUT)
    return final


def val_auc(name: str, weights: Path, args) -> dict:
    out = Path(args.work) / f"{name}.val.json"
    if not out.is_file():
        cmd = [sys.executable, str(ROOT / "benchmarks" / "realvideo.py"), "--trackers", "static",
               "--extra", f"{name}={weights},network-only", "--threads", str(args.threads),
               "--work", str(Path(args.work) / "realvideo"), "--out", str(out)]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return json.loads(out.read_text())["trackers"][name]


def supernet_fitness(archs: list[Arch], supernet: str, args) -> list[dict]:
    from lighttrack.search.fitness import FitnessCache, SupernetFitness
    from lighttrack.search.runner import calibration_set, load_checked_supernet, load_search_config, validation_sequences

    cfg = load_search_config(args.search_config)
    cfg.supernet = supernet
    sn = load_checked_supernet(cfg)
    tag = Path(supernet).parent.name + "_" + Path(supernet).stem
    cache = FitnessCache(Path(args.work) / f"fitness_{tag}.json", {"supernet": str(supernet), "mtime": os.path.getmtime(supernet)})
    fit = SupernetFitness(sn, calibration_set(cfg), validation_sequences(cfg), cfg.fitness.preset, "cpu",
                          cfg.fitness.max_frames, cfg.fitness.bn_momentum, cache, cfg.fitness.backend)
    rows = []
    for i, arch in enumerate(archs):
        rows.append(fit.record(arch))
        cache.save()
        log(f"{tag}: arch {i}: fitness {rows[-1]['fitness']:.4f}")
    return rows


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--supernet", action="append", default=[], help="supernet checkpoint(s) to rank with (repeatable)")
    p.add_argument("--recipe", default=str(ROOT / "configs" / "supernet_official.yaml"))
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="an override of the recipe for every stand-alone run (repeatable), e.g. train.lr=0.004 "
                        "to reproduce the first ground truth with the recipe's earlier rate")
    p.add_argument("--init", default="runs/supernet_official_step0/supernet.pt",
                   help="step-0 supernet the stand-alone runs start from (lighttrack train RECIPE train.max_steps=0)")
    p.add_argument("--search-config", default=str(ROOT / "configs" / "search_official.yaml"))
    p.add_argument("--archs", help="JSON list of architecture strings to train and score instead of picking --k "
                   "(e.g. the picks of benchmarks/search_vs_random.py)")
    p.add_argument("--k", type=int, default=12)
    p.add_argument("--min-macs", type=float, default=142e6)
    p.add_argument("--max-macs", type=float, default=600e6)
    p.add_argument("--steps", type=int, default=90)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=26)
    p.add_argument("--reverse", action="store_true",
                   help="take the architectures from the last (a second process on the other core; each claims its own)")
    p.add_argument("--stage", choices=("standalone", "fitness", "all"), default="all")
    p.add_argument("--work", default="runs/ranking_official")
    p.add_argument("--out")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    space = SearchSpace()
    costs = Costs(space)
    if args.archs:
        archs = [Arch.parse(a) for a in json.loads(Path(args.archs).read_text())]
    else:
        archs = pick_archs(space, costs, args.k, args.min_macs, args.max_macs, args.seed)
        atomic_write_json(work / "archs.json", [str(a) for a in archs])
    rows = [{"arch": str(a), "macs": costs.of(a)["macs"], "params": costs.of(a)["params"]} for a in archs]
    if args.stage in ("standalone", "all"):
        order = list(enumerate(zip(archs, rows)))
        for i, (arch, row) in (reversed(order) if args.reverse else order):
            t0 = time.time()
            tag = f"arch_{i:02d}" if not args.archs else "arch_" + hashlib.sha1(str(arch).encode()).hexdigest()[:8]
            if not (work / tag / "final.pt").is_file() and not claim(work / f"{tag}.claim"):
                log(f"arch {i}: another process trains it; skipped")
                continue
            weights = train_standalone(arch, work / tag, args)
            if not weights.is_file():
                continue
            res = val_auc(tag, weights, args)
            row.update(standalone_auc=res["auc"], standalone_sr50=res["success_rate_50"])
            log(f"arch {i}: {row['macs'] / 1e6:.0f} M MACs, stand-alone AUC {res['auc']:.4f} ({time.time() - t0:.0f} s)")
    for path in args.supernet if args.stage in ("fitness", "all") else []:
        for row, rec in zip(rows, supernet_fitness(archs, path, args)):
            row.setdefault("supernet_fitness", {})[path] = rec["fitness"]
    report = {"benchmark": "supernet ranking against stand-alone training (issue 26 part 4)",
              "recipe": args.recipe, "init": args.init, "search_config": args.search_config,
              "recipe_overrides": args.set, "standalone_steps": args.steps, "batch": args.batch, "seed": args.seed, "rows": rows}
    if all("standalone_auc" in r for r in rows):
        alone = [r["standalone_auc"] for r in rows]
        report["macs_only"] = agreement([r["macs"] for r in rows], alone)
        report["supernets"] = {path: agreement([r["supernet_fitness"][path] for r in rows], alone) for path in args.supernet
                               if all(path in r.get("supernet_fitness", {}) for r in rows)}
    atomic_write_json(work / "ranking.json", report)
    if args.out:
        atomic_write_json(args.out, report)
    print(json.dumps({k: v for k, v in report.items() if k != "rows"}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
