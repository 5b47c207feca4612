"""``lighttrack report RUN...``: comparison table, success / precision plots and an HTML page."""

from __future__ import annotations

import json

from lighttrack.cli import COMMANDS
from lighttrack.eval.report import format_tables, make_report


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "report",
        help=COMMANDS["report"],
        description=("Read the metrics.json of each run folder written by 'lighttrack eval', print one "
                     "comparison table per protocol, and write success / precision / normalised precision "
                     "plots (GOT-10k: success plot; VOT: EAO curve) plus report.html into --out."),
    )
    p.add_argument("runs", nargs="+", metavar="RUN", help="run folders (or metrics.json files)")
    p.add_argument("--out", default="runs/report", help="folder for the plots and report.html (default runs/report)")
    p.add_argument("--json", action="store_true", help="print the tables as JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    result = make_report(args.runs, args.out)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(format_tables(result["tables"]), end="")
    for name in result["not_evaluated"]:
        print(f"{name}: not evaluated (ground truth withheld; submit to the server)")
    print(f"plots: {', '.join(result['plots']) or 'none'}")
    print(f"html: {result['html']}")
    return 0
