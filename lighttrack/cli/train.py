"""``lighttrack train CONFIG [key=value ...]``: train a TrackerNet, the supernet or the backbone supernet."""

from __future__ import annotations

import json
from pathlib import Path

from lighttrack.cli import COMMANDS
from lighttrack.train import distributed
from lighttrack.train.config import load_config
from lighttrack.train.trainer import Trainer


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "train",
        help=COMMANDS["train"],
        description=(
            "Train from a YAML experiment (configs/*.yaml). Any key can be overridden with dotted "
            "key=value pairs (YAML values), e.g. train.batch_size=8 data.train.0.pairs=1000. "
            "Checkpoints go to <output_dir>/last.pt every checkpoint.every_steps steps; --resume continues "
            "exactly. Multi-process: torchrun --nproc_per_node K -m lighttrack train CONFIG."
        ),
    )
    p.add_argument("config", help="YAML experiment file")
    p.add_argument("overrides", nargs="*", metavar="key=value", help="dotted config overrides")
    p.add_argument(
        "--resume",
        nargs="?",
        const="auto",
        default=None,
        metavar="CHECKPOINT",
        help="continue from a training checkpoint (default: <output_dir>/last.pt)",
    )
    p.add_argument("--print-config", action="store_true", help="print the resolved config and exit")
    p.add_argument("--dry-run", action="store_true", help="check the config, data and resume checkpoint, then exit")
    p.set_defaults(func=run)


def run(args) -> int:
    overrides = list(args.overrides)
    if args.resume and args.resume != "auto" and "=" in args.resume and not Path(args.resume).exists():
        # `train CFG --resume key=value`: argparse hands the override to --resume's optional value
        overrides.append(args.resume)
        args.resume = "auto"
    cfg = load_config(args.config, overrides)
    if args.print_config:
        print(cfg.to_yaml(), end="")
        return 0

    try:
        trainer = Trainer(cfg, resume=args.resume)
        if args.dry_run:
            if trainer.info.is_main:
                print(
                    json.dumps(
                        {
                            "kind": trainer.kind,
                            "pairs_per_epoch": len(trainer.dataset),
                            "steps_per_epoch": trainer.steps_per_epoch,
                            "total_steps": trainer.total_steps,
                            "start_step": trainer.step,
                            "device": str(trainer.device),
                            "world_size": trainer.info.world_size,
                            "out_dir": str(trainer.out_dir),
                        },
                        indent=2,
                    )
                )
            return 0
        summary = trainer.fit()
        if trainer.info.is_main:
            print(json.dumps(summary, indent=2, default=str))
    finally:
        distributed.teardown()
    return 0
