"""Build a per-op latency table for one runtime and validate it against end-to-end timings.

    .venv/bin/python benchmarks/latency_table.py --runtime onnxruntime-cpu --threads 1 \
        --out results/latency/onnxruntime-cpu.json --report results/latency/onnxruntime-cpu.report.json

Prints the validation summary as JSON (RMSE, share within +-10 %) for the held-out
architectures, without and with the linear correction fitted on ``--fit`` other architectures.
Ops and end-to-end graphs are timed in the same interleaved rounds (see
``lighttrack.search.latency.build_and_validate``). Same as ``lighttrack latency build-table
--validate N --fit K``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from lighttrack.io import atomic_write_json
from lighttrack.search.latency import CLOCKS, build_and_validate
from lighttrack.space import SearchSpace


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runtime", default="onnxruntime-cpu")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--runs", type=int, default=30)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--validate", type=int, default=40)
    p.add_argument("--fit", type=int, default=8)
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--clock", choices=CLOCKS, default=None, help="default: thread_cpu with 1 CPU thread, else wall")
    p.add_argument("--out", required=True)
    p.add_argument("--report", required=True)
    args = p.parse_args()
    space = SearchSpace()
    log = lambda msg: print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)  # noqa: E731
    t0 = time.time()
    table, report = build_and_validate(space, args.runtime, args.threads, n_validate=args.validate, n_fit=args.fit,
                                       runs=args.runs, rounds=args.rounds, seed=args.seed, progress=log, clock=args.clock)
    table.save(args.out)
    atomic_write_json(args.report, report)
    summary = {k: report[k] for k in ("runtime", "threads", "clock", "uncorrected", "corrected", "correction") if k in report}
    summary["seconds"] = round(time.time() - t0, 1)
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
