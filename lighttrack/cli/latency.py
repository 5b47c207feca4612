"""``lighttrack latency build-table | validate | predict``: per-op latency lookup tables."""

from __future__ import annotations

import json
import sys
import time

from lighttrack.cli import COMMANDS
from lighttrack.errors import InputError
from lighttrack.io import atomic_write_json
from lighttrack.models import resolve_arch
from lighttrack.search.latency import LatencyTable, build_and_validate, build_table, measure_archs, validate_table
from lighttrack.space import SearchSpace
from lighttrack.train.checkpoint import space_from_dict


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "latency",
        help=COMMANDS["latency"],
        description=(
            "A latency table times every op of the search space alone on the target runtime (batch 1, "
            "fixed threads, warm-up, median of many runs, interleaved rounds); an architecture's latency "
            "is a constant plus the sum over its path. `validate` measures random architectures end to end "
            "(the exported per-frame graph on ONNX Runtime) and reports RMSE and the share within +-10%%."
        ),
    )
    sub = p.add_subparsers(dest="latency_command", metavar="ACTION")
    b = sub.add_parser("build-table", help="measure a latency table")
    b.add_argument("--runtime", default="onnxruntime-cpu", choices=["onnxruntime-cpu", "torch-cpu", "torch-cuda"])
    b.add_argument("--threads", type=int, default=1, help="CPU threads (fixed; default 1)")
    b.add_argument("--space", default="paper", choices=["paper", "official_code"])
    b.add_argument("--runs", type=int, default=30, help="timed runs per op and round (median)")
    b.add_argument("--warmup", type=int, default=10)
    b.add_argument("--rounds", type=int, default=3, help="interleaved rounds (the minimum round median is kept)")
    b.add_argument("--search-size", type=int, default=256)
    b.add_argument("--validate", type=int, default=0, metavar="N", help="also validate on N random architectures")
    b.add_argument("--fit", type=int, default=0, metavar="K", help="fit the linear correction on K other architectures")
    b.add_argument("--clock", choices=["wall", "thread_cpu"], default=None,
                   help="timer (default: thread_cpu with 1 CPU thread, which ignores time taken by other processes; else wall)")
    b.add_argument("--report", help="write the validation report JSON here")
    b.add_argument("--out", required=True, help="table JSON to write")
    b.set_defaults(func=run_build)
    v = sub.add_parser("validate", help="compare a table's predictions with end-to-end measurements")
    v.add_argument("table")
    v.add_argument("--archs", type=int, default=30, help="held-out random architectures (>= 30 recommended)")
    v.add_argument("--fit", type=int, default=0, metavar="K", help="fit the linear correction on K other architectures")
    v.add_argument("--save", action="store_true", help="store the fitted correction into the table")
    v.add_argument("--runs", type=int, default=30)
    v.add_argument("--rounds", type=int, default=3)
    v.add_argument("--seed", type=int, default=1234)
    v.add_argument("--report", help="write the full report JSON here")
    v.set_defaults(func=run_validate)
    q = sub.add_parser("predict", help="predicted latency of architectures")
    q.add_argument("table")
    q.add_argument("archs", nargs="+", help="registered names, path strings or Arch JSON files")
    q.add_argument("--measure", action="store_true", help="also measure them end to end")
    q.set_defaults(func=run_predict)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def _space(name: str):
    return SearchSpace() if name == "paper" else SearchSpace.official_code()


def _log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _summary(report: dict) -> dict:
    return {k: report[k] for k in ("runtime", "threads", "clock", "protocol", "uncorrected", "correction", "corrected") if k in report}


def run_build(args) -> int:
    if args.runs < 5 or args.rounds < 1:
        raise InputError("--runs must be >= 5 and --rounds >= 1")
    space = _space(args.space)
    if args.validate:
        # ops and end-to-end graphs timed in the same interleaved rounds
        table, report = build_and_validate(space, args.runtime, args.threads, args.validate, args.fit, args.runs, args.warmup,
                                           args.rounds, args.search_size, progress=_log, clock=args.clock)
        if args.report:
            atomic_write_json(args.report, report)
        print(json.dumps(_summary(report), indent=2))
    else:
        table = build_table(space, args.runtime, args.threads, args.runs, args.warmup, args.rounds, args.search_size,
                            progress=_log, clock=args.clock)
    table.save(args.out)
    _log(f"wrote {args.out} ({len(table.entries)} entries, constant {table.constant_ms:.4f} ms)")
    return 0


def run_validate(args) -> int:
    table = LatencyTable.load(args.table)
    space = space_from_dict(table.space) if table.space else SearchSpace()
    report = validate_table(table, space, args.archs, args.fit, args.runs, rounds=args.rounds, seed=args.seed, progress=_log)
    if args.report:
        atomic_write_json(args.report, report)
    if args.save and args.fit:
        table.save(args.table)
    print(json.dumps(_summary(report), indent=2))
    return 0


def run_predict(args) -> int:
    table = LatencyTable.load(args.table)
    archs = [resolve_arch(a) for a in args.archs]
    measured = measure_archs(archs, table.runtime, table.threads, search_size=table.search_size) if args.measure else [None] * len(archs)
    for arch, m in zip(archs, measured):
        line = f"{arch}  predicted {table.predict(arch):.2f} ms on {table.runtime} ({table.threads} threads)"
        if m is not None:
            line += f", measured {m:.2f} ms ({100 * (table.predict(arch) - m) / m:+.1f} %)"
        print(line)
    return 0
