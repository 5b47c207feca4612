"""``lighttrack demo``: the whole pipeline at small scale on shipped data (stage cache in --out)."""

from __future__ import annotations

from lighttrack.cli import COMMANDS
from lighttrack.demo.pipeline import STAGES, run_demo


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "demo",
        help=COMMANDS["demo"],
        description=(
            "Runs every stage of lighttrack at small scale on data shipped in the package (about 7 minutes "
            "on 2 CPU cores): supernet training, evolutionary search under a MACs limit, retraining of the "
            "found architecture, evaluation against KCF and CSRT on held-out clips, ONNX export and tracking "
            "of a real video. Writes <out>/report/index.html. Each stage's outputs are kept in --out and a "
            "second run skips the stages that finished (an interrupted training or search resumes)."
        ),
    )
    p.add_argument("--out", default="runs/demo", help="output folder and stage cache (default runs/demo)")
    p.add_argument("--quick", action="store_true", help="a tiny run of every stage (seconds; for tests and smoke checks)")
    p.add_argument("--redo", action="append", default=[], choices=STAGES, metavar="STAGE",
                   help=f"run this stage again (and every later one); one of {', '.join(STAGES)}; repeatable")
    p.add_argument("--until", choices=STAGES, metavar="STAGE", help="stop after this stage")
    p.add_argument("--fresh", action="store_true", help="delete --out first and start over")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads (default 1: on a shared, loaded CPU more threads are much slower)")
    p.add_argument("--no-pretrained", action="store_true",
                   help="leave out the shipped pretrained LightTrack-Mobile row (and track the video with the demo's own network)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.add_argument("settings", nargs="*", metavar="KEY=VALUE",
                   help="change a demo setting, as config keys are changed for 'lighttrack train' "
                        "(e.g. still_length=20 max_eval_sequences=4; see lighttrack/demo/settings.py)")
    p.set_defaults(func=run)


def run(args) -> int:
    extra = {"use_pretrained": False} if args.no_pretrained else {}
    summary = run_demo(args.out, quick=args.quick, redo=args.redo, fresh=args.fresh, until=args.until,
                       threads=args.threads, progress=not args.no_progress, settings_overrides=args.settings, **extra)
    report = summary["stages"].get("report", {}).get("html")
    print(f"demo finished in {summary['seconds']:.0f} s; report: {report or '(not written: --until)'}")
    return 0
