"""The speed-accuracy front (issue 26 part 6): validation AUC against MACs and against ONNX Runtime
frames/s of the network alone, on one thread and on two, in the same run. Prints JSON, draws PNG.

Each model's per-frame work is timed in ONNX Runtime with random inputs of the real shapes (speed
does not depend on the values): for ours, the exported per-frame graph on the search crop its carried
preset uses (``small_size``: 256 px for the paper's trackers, less for those the input-size extension
of the search found; a fourth ``=SIZE`` overrides it) and the template's features, MACs counted at that
crop; for NanoTrack v2, its backbone on the 255-px search crop plus its head. The
models run in interleaved rounds so that outside load hits them alike; the load average is recorded.
AUCs come from ``benchmarks/realvideo.py`` JSON files (``--scores``, by tracker name); MACs from
our cost model (the paper's convention), NanoTrack v2's from its README (84.6 M).

    python benchmarks/front.py --model official=lighttrack-mobile-official=official-network-only \\
        --model m300=lighttrack-m300=m300-network-only --scores docs/results/realvideo_val.json \\
        --nanotrack ../shared/peers/nanotrack/v2 --out docs/results/front.json --plot docs/results/front.png
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np



def _session(path: Path, threads: int):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


class OursRunner:
    """The per-frame graph of one of our networks (exported once to a temporary folder)."""

    def __init__(self, weights: str, folder: Path, threads: int, search_size: int | None = None):
        from lighttrack.export.onnx import export_onnx
        from lighttrack.models import load_weights
        from lighttrack.search.constraints import Costs
        from lighttrack.space import SearchSpace
        from lighttrack.tracker.presets import stored_preset

        net, data = load_weights(weights)
        preset = stored_preset(data)
        self.search_size = int(search_size or (preset.small_size if preset else 256))
        self.arch = str(net.arch)
        self.macs = Costs(SearchSpace(), search_size=self.search_size).of(net.arch)["macs"]
        self.params = sum(p.numel() for p in net.parameters())
        folder.mkdir(parents=True, exist_ok=True)
        if not (folder / "track.onnx").is_file():
            export_onnx(net, folder, template_size=int(data.get("template_size", 128)), check=False)
        rng = np.random.default_rng(0)
        meta = json.loads((folder / "lighttrack.json").read_text())
        template = _session(folder / meta["template"], 1)
        size = int(meta.get("template_size", 128))
        outs = template.run(None, {template.get_inputs()[0].name: rng.standard_normal((1, 3, size, size)).astype(np.float32)})
        self.track = _session(folder / meta["track"], threads)
        names = [i.name for i in self.track.get_inputs()]
        feeds = dict(zip(meta["feature_inputs"], outs))
        feeds[meta["search_input"]] = rng.standard_normal((1, 3, self.search_size, self.search_size)).astype(np.float32)
        self.feeds = {n: feeds[n] for n in names}

    def __call__(self) -> None:
        self.track.run(None, self.feeds)


class NanoRunner:
    """NanoTrack v2 per frame: its backbone on the 255-px search crop, then its head."""

    def __init__(self, folder: str, threads: int):
        from lighttrack.eval.peers import NANOTRACK_V2_MACS, nanotrack_files

        backbone, head = nanotrack_files(folder)
        rng = np.random.default_rng(0)
        self.backbone, self.head = _session(backbone, threads), _session(head, threads)
        self.x = {self.backbone.get_inputs()[0].name: rng.standard_normal((1, 3, 255, 255)).astype(np.float32)}
        names = [i.name for i in self.head.get_inputs()]
        self.zf = rng.standard_normal((1, 48, 8, 8)).astype(np.float32)
        self.names = names
        self.macs, self.params, self.arch, self.search_size = NANOTRACK_V2_MACS, 334_100, "nanotrack-v2", 255

    def __call__(self) -> None:
        xf = self.backbone.run(None, self.x)[0]
        self.head.run(None, {self.names[0]: self.zf, self.names[1]: xf})


def time_models(runners: dict, runs: int, rounds: int) -> dict:
    from lighttrack.eval.timing import time_stats

    times = {name: [] for name in runners}
    for name, run in runners.items():  # warm-up
        for _ in range(5):
            run()
    for _ in range(rounds):
        for name, run in runners.items():
            for _ in range(runs):
                t = time.perf_counter()
                run()
                times[name].append(time.perf_counter() - t)
    return {name: time_stats(t) for name, t in times.items()}


def load_scores(paths: list[str]) -> dict:
    scores = {}
    for path in paths:
        for name, row in json.loads(Path(path).read_text()).get("trackers", {}).items():
            scores[name] = row.get("auc")
    return scores


def plot(rows: dict, path: str) -> None:
    from lighttrack.eval.report import plot_speed_accuracy

    plot_speed_accuracy(rows, [("macs_m", "MACs (M)", True), ("fps_1_thread", "ONNX Runtime frames/s, network alone, 1 thread", False),
                               ("fps_2_threads", "... 2 threads", False)], "AUC, real-video validation split", path, join_front=False)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", action="append", default=[], metavar="LABEL=WEIGHTS[=SCORE_NAME[=SIZE]]",
                   help="one of our networks: a checkpoint or shipped name; SCORE_NAME: its tracker name in --scores; "
                        "SIZE: the search crop to time and count at (default: its carried preset's)")
    p.add_argument("--nanotrack", help="folder with NanoTrack v2's two ONNX files")
    p.add_argument("--scores", action="append", default=[], help="benchmarks/realvideo.py JSON (repeatable)")
    p.add_argument("--runs", type=int, default=30, help="timed calls per model per round")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--out")
    p.add_argument("--plot")
    args = p.parse_args(argv)
    if not args.model and not args.nanotrack:
        p.error("name at least one --model or --nanotrack")
    scores = load_scores(args.scores)
    specs = []
    for item in args.model:
        parts = item.split("=")
        if len(parts) not in (2, 3, 4) or not all(parts) or (len(parts) == 4 and not parts[3].isdigit()):
            p.error(f"--model: expected LABEL=WEIGHTS[=SCORE_NAME[=SIZE]], got {item!r}")
        specs.append((parts[0], parts[1], parts[2] if len(parts) >= 3 else parts[0], int(parts[3]) if len(parts) == 4 else None))
    load_before = os.getloadavg()[0]
    rows: dict = {}
    timing = {}
    with tempfile.TemporaryDirectory(prefix="lighttrack-front-") as tmp:
        for threads in (1, 2):
            runners = {label: OursRunner(weights, Path(tmp) / label, threads, size) for label, weights, _, size in specs}
            if args.nanotrack:
                runners["nanotrack-v2"] = NanoRunner(args.nanotrack, threads)
            timing[threads] = time_models(runners, args.runs, args.rounds)
            for label, run in runners.items():
                rows.setdefault(label, {"arch": run.arch, "search_size": run.search_size, "macs_m": round(run.macs / 1e6, 1),
                                        "params_m": round(run.params / 1e6, 3)})
    for label, weights, score, _ in specs + ([("nanotrack-v2", args.nanotrack, "nanotrack", None)] if args.nanotrack else []):
        rows[label].update(weights=weights, score_name=score, auc=scores.get(score),
                           ms_1_thread=timing[1][label]["median_ms"], fps_1_thread=timing[1][label]["fps_at_median"],
                           ms_2_threads=timing[2][label]["median_ms"], fps_2_threads=timing[2][label]["fps_at_median"])
    report = {"benchmark": "speed-accuracy front, network alone in ONNX Runtime (issue 26 part 6)",
              "machine": {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
                          "loadavg_1m_before": round(load_before, 2), "loadavg_1m_after": round(os.getloadavg()[0], 2)},
              "scores": args.scores, "runs": args.runs, "rounds": args.rounds, "models": rows, "timing": timing}
    if args.out:
        from lighttrack.io import atomic_write_json

        atomic_write_json(args.out, report)
    if args.plot:
        plot(rows, args.plot)
    print(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
