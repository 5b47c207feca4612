"""INT8 on real video: how much faster the quantized per-frame graph is on this CPU, where the
time goes, and what it costs in success AUC on the real-video validation split. Prints JSON.

    LIGHTTRACK_REALVIDEO=/work/data/realvideo LIGHTTRACK_DAVIS=../shared/data/davis2016 \\
        nice -n 10 python benchmarks/int8.py [--weights lighttrack-mobile] [--no-accuracy]

1. The weights are exported (fp32) and quantized twice with static QDQ quantization
   (per-channel int8 weights, uint8 activations), calibrated on tracking crops of real video
   from the TRAINING side of the real-video split (never the validation clips):
   ``int8_all`` quantizes every operator ONNX Runtime can, ``int8_conv`` only the convolutions.
2. Network alone: the per-frame graph's median time, interleaved; and ONNX Runtime's profiler per
   operator type, for fp32 and ``int8_all``. From the profile: the share of convolutions in the
   fp32 frame, how much faster the int8 convolutions are, and the best end-to-end gain that
   int8 convolutions could give if everything else cost nothing extra (Amdahl's bound).
3. Accuracy: the shipped preset's tracker with each graph over the validation split, through the
   package's own runner and metrics (one thread each), fp32 beside int8.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from lighttrack.io import report_json

VARIANTS = {"int8_all": None, "int8_conv": ["Conv"]}


def calibration_crops(onnx_dir: Path, preset, clips: int, frames: int) -> list:
    """Per-frame graph inputs from tracking the first ``frames`` frames of ``clips`` training clips."""
    from lighttrack.data.realvideo import open_realvideo_split
    from lighttrack.tracker.quantize import calibration_feeds

    train = open_realvideo_split("train", check=False)
    step = max(1, len(train.names) // clips)
    feeds = []
    for name in train.names[::step][:clips]:
        seq = train[name]
        first = next((i for i in range(len(seq)) if np.all(np.isfinite(seq.boxes[i]))), None)
        if first is None or first + frames > len(seq):
            continue
        images = [seq.frame(i) for i in range(first, first + frames)]
        feeds += calibration_feeds(onnx_dir, images, seq.boxes[first], presets=(preset,))
    return feeds


def variant_folder(root: Path, fp32_dir: Path, name: str, feeds, op_types) -> Path:
    from lighttrack.export.onnx import add_int8_graph, copy_export

    folder = copy_export(fp32_dir, root / name)
    add_int8_graph(folder, feeds, op_types=op_types)
    return folder


def op_profile(graph: Path, feed: dict, runs: int = 100) -> dict:
    """Milliseconds per frame by operator type, from ONNX Runtime's own profiler."""
    import onnxruntime as ort

    from lighttrack.tracker.backends import session_options

    with tempfile.TemporaryDirectory() as tmp:
        options = session_options(None, False)
        options.enable_profiling = True
        options.profile_file_prefix = str(Path(tmp) / "profile")
        session = ort.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])
        for _ in range(runs):
            session.run(None, feed)
        events = json.loads(Path(session.end_profiling()).read_text())
    by_type: collections.Counter = collections.Counter()
    for event in events:
        if event.get("cat") == "Node" and event.get("name", "").endswith("_kernel_time"):
            by_type[event["args"].get("op_name", "?")] += event["dur"]
    return {op: round(us / runs / 1000.0, 3) for op, us in by_type.most_common()}


def network_times(folders: dict, feed_of, rounds: int = 10, per_round: int = 20) -> dict:
    from lighttrack.tracker.backends import OnnxBackend

    backends = {name: OnnxBackend(folder, int8=(name != "fp32")) for name, folder in folders.items()}
    times: dict = {name: [] for name in backends}
    for backend in backends.values():
        for _ in range(5):
            backend.track(*feed_of(backend))
    for _ in range(rounds):
        for name, backend in backends.items():
            features, x = feed_of(backend)
            for _ in range(per_round):
                start = time.perf_counter()
                backend.track(features, x)
                times[name].append(time.perf_counter() - start)
    return {name: round(float(np.median(t)) * 1000.0, 3) for name, t in times.items()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weights", default="lighttrack-mobile", help="checkpoint or shipped model (default lighttrack-mobile)")
    parser.add_argument("--calib-clips", type=int, default=8, help="training clips to calibrate on (default 8)")
    parser.add_argument("--calib-frames", type=int, default=20, help="frames per calibration clip (default 20)")
    parser.add_argument("--no-accuracy", action="store_true", help="skip the validation split (speed and profile only)")
    parser.add_argument("--work", default="runs/int8", help="run folders for the validation runs (default runs/int8)")
    parser.add_argument("--out", help="also write the JSON here")
    args = parser.parse_args(argv)

    import cv2

    from lighttrack.data.realvideo import open_realvideo_split
    from lighttrack.eval.protocols import protocol_for
    from lighttrack.eval.runner import evaluate_run, run_benchmark
    from lighttrack.export.onnx import export_onnx
    from lighttrack.models import load_weights
    from lighttrack.tracker.presets import get_preset, stored_preset
    from lighttrack.tracker.tracker import Tracker

    cv2.setNumThreads(1)
    load_before = [round(v, 2) for v in os.getloadavg()]
    net, data = load_weights(args.weights)
    preset = stored_preset(data) or get_preset("default")
    report: dict = {"benchmark": "INT8 per-frame graph on real video", "weights": args.weights, "preset": preset.name,
                    "cpu_count": os.cpu_count(), "loadavg_before": load_before}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        fp32_dir = root / "fp32"
        export_onnx(net, fp32_dir, template_size=preset.template_size, check=False, preset=preset)
        feeds = calibration_crops(fp32_dir, preset, args.calib_clips, args.calib_frames)
        report["calibration"] = {"side": "train", "clips": args.calib_clips, "frames_per_clip": args.calib_frames, "crops": len(feeds)}
        folders = {"fp32": fp32_dir, **{name: variant_folder(root, fp32_dir, name, feeds, ops) for name, ops in VARIANTS.items()}}

        sample = feeds[len(feeds) // 2]
        zk, zb, x = sample["zk"][:1], sample["zb"][:1], sample["x"][:1]
        report["network_only_ms"] = network_times(folders, lambda b: ({"zk": zk, "zb": zb}, x))
        fp32_prof = op_profile(fp32_dir / "track.onnx", {"zk": zk, "zb": zb, "x": x})
        int8_prof = op_profile(folders["int8_all"] / "track.int8.onnx", {"zk": zk, "zb": zb, "x": x})
        conv_fp32 = fp32_prof.get("Conv", 0.0)
        conv_int8 = int8_prof.get("QLinearConv", 0.0) + int8_prof.get("ConvInteger", 0.0)
        total_fp32 = sum(fp32_prof.values())
        conv_speedup = conv_fp32 / conv_int8 if conv_int8 else None
        report["profile_ms_per_frame"] = {"fp32": fp32_prof, "int8_all": int8_prof}
        report["amdahl"] = {
            "fp32_profiled_total_ms": round(total_fp32, 3),
            "conv_share_of_fp32": round(conv_fp32 / total_fp32, 3),
            "int8_conv_speedup": round(conv_speedup, 2) if conv_speedup else None,
            "best_possible_network_speedup": round(total_fp32 / (total_fp32 - conv_fp32 + conv_fp32 / conv_speedup), 2) if conv_speedup else None,
            "int8_all_profiled_total_ms": round(sum(int8_prof.values()), 3),
        }

        if not args.no_accuracy:
            val = open_realvideo_split("val")
            protocol = protocol_for("realvideo")
            work = Path(args.work) / "val"
            accuracy = {}
            for name, folder in folders.items():
                tracker = Tracker.from_onnx(folder, preset=preset, threads=1, int8=(name != "fp32"))
                run_dir = work / name
                shutil.rmtree(run_dir, ignore_errors=True)  # graphs of this run's calibration: never mix with an older one
                run_benchmark(val, f"onnx:{name}", run_dir, protocol, progress=False, tracker=tracker,
                              dataset_info={"format": "realvideo-split", "split": "val"})
                summary = evaluate_run(val, run_dir, protocol)["summary"]
                accuracy[name] = {k: round(v, 4) for k, v in summary.items() if k in ("auc", "precision", "norm_precision", "fps")}
                print(f"{name}: AUC {accuracy[name].get('auc')}", file=sys.stderr, flush=True)
            report["validation_split"] = {"clips": len(val.names), "results": accuracy,
                                          **{f"{name}_auc_change_vs_fp32": round(accuracy[name]["auc"] - accuracy["fp32"]["auc"], 4)
                                             for name in VARIANTS}}
    fp32_ms = report["network_only_ms"]["fp32"]
    report["int8_network_speedup"] = {name: round(fp32_ms / report["network_only_ms"][name], 2) for name in VARIANTS}
    report["loadavg_after"] = [round(v, 2) for v in os.getloadavg()]
    report_json(report, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
