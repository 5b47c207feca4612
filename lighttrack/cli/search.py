"""``lighttrack search CONFIG --supernet CKPT``: architecture search under MACs / params / latency budgets."""

from __future__ import annotations

import json
import os

from lighttrack.cli import COMMANDS
from lighttrack.io import atomic_write_text
from lighttrack.models import resolve_arch
from lighttrack.search.runner import load_search_config, retrain_config, run_search


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "search",
        help=COMMANDS["search"],
        description=(
            "Evolutionary search (LightTrack's evolution, aging evolution or random search) over the "
            "supernet's space. Each candidate inherits the supernet weights, gets its BatchNorm "
            "statistics recalibrated on fixed training pairs, and is scored by tracking the validation "
            "split: fitness = (AO + SR0.5) / 2. Writes results.json, pareto.json/png, best_<set>.json and "
            "retrain_<set>.yaml (a `lighttrack train` config) to the output folder. State is saved every "
            "generation (--resume continues). Parallel: torchrun --nproc_per_node K -m lighttrack search CONFIG."
        ),
    )
    p.add_argument("config", help="search YAML (configs/search_*.yaml)")
    p.add_argument("settings", nargs="*", metavar="KEY=VALUE",
                   help="override config keys, as for 'lighttrack train' (dotted keys, YAML values): "
                        "output_dir=runs/s fitness.max_frames=20 settings.population=10")
    p.add_argument("--supernet", help="supernet checkpoint (supernet.pt or a supernet training checkpoint)")
    p.add_argument("--output-dir", help="output folder (default runs/search/<name>)")
    p.add_argument("--algorithm", choices=["evolution", "aging", "random"], help="override the config's algorithm")
    p.add_argument("--seed", type=int, help="override the config's seed")
    p.add_argument("--device", help="cpu, cuda, cuda:N or auto")
    p.add_argument("--random-baseline", action="store_true", help="also run random search with the same number of evaluations")
    p.add_argument("--resume", action="store_true", help="continue the search saved in the output folder")
    p.add_argument("--dry-run", action="store_true", help="run every input check (checkpoint, budgets, data), then exit")
    p.add_argument("--retrain-config", metavar="ARCH",
                   help="write only a `lighttrack train` config for ARCH (path string, Arch JSON file, or a "
                        "pareto.json point's path) to --out / stdout, then exit")
    p.add_argument("--out", help="with --retrain-config: the YAML file to write")
    p.set_defaults(func=run)


def run(args) -> int:
    overrides = {"supernet": args.supernet, "output_dir": args.output_dir, "algorithm": args.algorithm,
                 "seed": args.seed, "device": args.device}
    if args.random_baseline:
        overrides["random_baseline"] = True
    cfg = load_search_config(args.config, overrides, args.settings)
    if args.retrain_config:
        text = retrain_config(cfg, resolve_arch(args.retrain_config), None)
        if args.out:
            atomic_write_text(args.out, text)
            print(f"wrote {args.out}: lighttrack train {args.out}")
        else:
            print(text, end="")
        return 0
    results = run_search(cfg, resume=args.resume, dry_run=args.dry_run)
    if int(os.environ.get("RANK", "0")) != 0:
        return 0  # rank 0 reports
    if args.dry_run:
        print(json.dumps(results, indent=2))
        return 0
    for name, entry in results["constraint_sets"].items():
        best = entry.get("best")
        if best:
            lat = ", ".join(f"{k.split('/', 1)[1]} {v:.2f} ms" for k, v in best.items() if k.startswith("latency_ms/"))
            print(f"{entry['describe']}\n  best {best['path']}\n  fitness {best['fitness']:.4f} (AO {best['ao']:.4f}, "
                  f"SR0.5 {best['sr50']:.4f}), {best['macs'] / 1e6:.1f} M MACs, {best['params'] / 1e6:.3f} M params"
                  + (f", {best['search_size']}-px search crops" if best.get("search_size") else "")
                  + (f", {lat}" if lat else "") + (f"\n  retrain: lighttrack train {best['retrain_config']}" if best.get("retrain_config") else ""))
        else:
            print(f"{entry['describe']}\n  no candidate could be scored")
    return 0
