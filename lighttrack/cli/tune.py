"""``lighttrack tune``: search penalty_k, window_influence and lr on a validation split."""

from __future__ import annotations

import json
from pathlib import Path

from lighttrack.cli import COMMANDS
from lighttrack.cli.eval import _Subset, add_dataset_args, open_data, select_names
from lighttrack.errors import ConfigError
from lighttrack.eval.protocols import protocol_for
from lighttrack.eval.tune import check_split, search_space, tune, write_preset


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "tune",
        help=COMMANDS["tune"],
        description=("Search the tracker's post-processing hyperparameters (penalty_k, window_influence, lr) "
                     "with Optuna's TPE sampler (seeded) on a validation split, scoring each trial with the data "
                     "set's own protocol (one-pass AUC; GOT-10k AO), and write the best as a preset file "
                     "usable with --preset. The starting preset is trial 0. Splits named 'test' are refused."),
    )
    p.add_argument("--tracker", required=True, help="LightTrack checkpoint, ONNX folder or module:factory")
    add_dataset_args(p, split_help="validation split to tune on (required unless the data set has no splits)")
    p.add_argument("--preset", default="default", help="starting preset name or file (default 'default')")
    p.add_argument("--trials", type=int, default=30, help="number of trials (default 30)")
    p.add_argument("--seed", type=int, default=0, help="sampler seed (default 0)")
    p.add_argument("--tune", default="penalty_k,window_influence,lr", metavar="FIELDS",
                   help="comma-separated preset fields to search (default penalty_k,window_influence,lr; also "
                        "calibration and calibration_shift, the first-frame calibration of the preset)")
    p.add_argument("--backend", default="auto", choices=("auto", "onnxruntime", "torch"),
                   help="how LightTrack weights run (default auto: ONNX Runtime, or PyTorch on CUDA)")
    p.add_argument("--threads", type=int, help="torch / ONNX Runtime threads (default: the tracker's own)")
    p.add_argument("--storage", help="Optuna storage URL (e.g. sqlite:///tune.db) to resume a search")
    p.add_argument("--out", help="preset file to write (.yaml or .json; default runs/tune/<dataset>-<split>.yaml)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--json", action="store_true", help="print the search result as JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    space = search_space([f.strip() for f in args.tune.split(",") if f.strip()])
    check_split(args.split)
    if args.root and Path(args.root).name.lower().startswith("test"):
        raise ConfigError(f"refusing to tune on {args.root}: it looks like a test split")
    if not args.split and args.dataset not in ("synthetic", "folder", "davis"):
        raise ConfigError("--split is required for tuning (a validation split, e.g. --split val)")
    protocol = protocol_for(args.dataset)
    dataset = open_data(args)
    names = select_names(dataset, args)
    if len(names) != len(dataset.names):
        dataset = _Subset(dataset, names)
    result = tune(args.tracker, dataset, protocol, split=args.split, trials=args.trials, seed=args.seed,
                  base_preset=args.preset, storage=args.storage, progress=not args.no_progress, space=space,
                  backend=args.backend, threads=args.threads)
    out = Path(args.out) if args.out else Path("runs") / "tune" / (
        "-".join(x for x in (args.dataset, args.split) if x) + ".yaml")
    write_preset(result, out, dataset_info={"format": args.dataset, "root": args.root, "split": args.split})
    result["preset_file"] = str(out)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    b = result["best"]
    print(f"tuned on {args.dataset}{'/' + args.split if args.split else ''} ({len(result['sequences'])} sequences, "
          f"{len(result['trials'])} trials, Optuna TPE seed {args.seed}, metric {result['metric']})")
    print(f"start  ({result['base_preset']}): {result['metric']} {result['base_score']:.4f}")
    print(f"best: {result['metric']} {result['best_score']:.4f}  " + "  ".join(f"{k} {v:.4f}" for k, v in b.items()))
    print(f"preset: {out}  (use: lighttrack eval --preset {out} ...)")
    return 0
