"""Tracking speed on this CPU: the shipped LightTrack-Mobile as ``lighttrack track`` runs it by
default (ONNX Runtime, its carried preset), against PyTorch eager, ONNX Runtime INT8 and OpenCV's
KCF and CSRT, on the same real frames in the same run; and how far the network is from this
CPU's arithmetic limit. Prints JSON.

    .venv/bin/python benchmarks/speed.py [--frames 200] [--source VIDEO --box x,y,w,h] [--resize 640x360]

Per tracker: end-to-end time per frame (``update``: crop, normalise, network, post-process and
the preset's refiners) and, for LightTrack, the network alone (the per-frame graph on a prepared
batch); median, p10, p90 in milliseconds and frames/s at the median. The trackers run in
interleaved rounds so that load from other processes hits them alike; the load average is
reported with the numbers. The default clip is the shipped Big Buck Bunny excerpt (real video,
1280x720) resized to 640x360.

INT8 graphs are calibrated on tracking crops of the clip's first 30 frames (their timing does not
depend on the calibration); ``int8_all`` quantizes every operator ONNX Runtime can, ``int8_conv``
only the convolutions. The arithmetic limit: the per-frame multiply-adds of the network
(convolutions and correlation, the paper's convention: what still runs once BatchNorm is folded
into the convolutions) over this CPU's measured peak fp32 multiply-adds per second (the best of
ten 2048x2048 SGEMMs on all cores, before and after the trackers run).
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

import cv2
import numpy as np

from lighttrack.eval.timing import clip_frames, time_stats


def load_frames(args) -> tuple[list[np.ndarray], np.ndarray, str]:
    from lighttrack.demo.assets import VIDEOS

    if args.source:
        source, box = args.source, [float(v) for v in args.box.split(",")]
    else:
        video = VIDEOS["bigbuckbunny"]
        source, box = str(video.path), video.box
    frames, box = clip_frames(source, box, args.frames, args.resize)
    return frames, box, source


def peak_gmacs(threads: int | None, size: int = 2048, repeats: int = 10) -> float:
    """This CPU's fp32 multiply-adds per second (billions), from the best of a few large SGEMMs
    in PyTorch (oneDNN/MKL use every vector unit), over ``threads`` threads."""
    import torch

    saved = torch.get_num_threads()
    torch.set_num_threads(threads or os.cpu_count() or 1)
    a, b = torch.randn(size, size), torch.randn(size, size)
    torch.mm(a, b)
    best = min(_timed(lambda: torch.mm(a, b)) for _ in range(repeats))
    torch.set_num_threads(saved)
    return size**3 / best / 1e9


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def cpu_flags() -> list[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return []
    line = next((ln for ln in text.splitlines() if ln.startswith("flags")), "")
    wanted = ("avx2", "fma", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_int8")
    return [f for f in wanted if f in line.split()]


def flags_bound_gmacs(threads: int) -> dict:
    """An upper bound on fp32 multiply-adds per second read from the CPU's flags and clock: vector
    lanes (16 with AVX-512, 8 with AVX2) x 2 FMA pipes x the nominal clock x the cores used. Some
    CPUs run 512-bit FMAs as two 256-bit halves, which halves it; the measured SGEMM says which."""
    try:
        text = Path("/proc/cpuinfo").read_text()
        mhz = max(float(line.split(":", 1)[1]) for line in text.splitlines() if line.startswith("cpu MHz"))
    except (OSError, ValueError):
        return {}
    flags = cpu_flags()
    lanes = 16 if "avx512f" in flags else 8 if "avx2" in flags else 4
    return {"mhz": mhz, "fp32_lanes": lanes, "fma_pipes_assumed": 2, "cores": threads,
            "gmacs": round(mhz / 1000.0 * lanes * 2 * threads, 1)}


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


class LightTrackRunner:
    def __init__(self, name, tracker, frames, box):
        self.name, self.tracker, self.frames, self.box = name, tracker, frames, box
        self.e2e, self.net = [], []
        tracker.init(frames[0], box)
        self.i = 1

    def round(self, n: int) -> None:
        tracker = self.tracker
        for _ in range(n):
            frame = self.frames[self.i]
            start = time.perf_counter()
            tracker.update(frame)
            self.e2e.append(time.perf_counter() - start)
            self.i = self.i + 1 if self.i + 1 < len(self.frames) else 1
        group = tracker._groups[0]
        for _ in range(max(1, n // 2)):
            start = time.perf_counter()
            tracker.backend.track(group.features, group.batch)
            self.net.append(time.perf_counter() - start)

    def report(self) -> dict:
        return {"end_to_end": time_stats(self.e2e), "network_only": time_stats(self.net), "crop_mode": self.tracker.preset.crop_mode}


class OpenCVRunner:
    def __init__(self, name, factory, frames, box):
        self.name, self.frames = name, [cv2.cvtColor(f, cv2.COLOR_RGB2BGR) for f in frames]
        self.tracker = factory()
        self.tracker.init(self.frames[0], tuple(int(round(v)) for v in box))
        self.e2e, self.i = [], 1

    def round(self, n: int) -> None:
        for _ in range(n):
            frame = self.frames[self.i]
            start = time.perf_counter()
            self.tracker.update(frame)
            self.e2e.append(time.perf_counter() - start)
            self.i = self.i + 1 if self.i + 1 < len(self.frames) else 1

    def report(self) -> dict:
        return {"end_to_end": time_stats(self.e2e)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=200, help="timed frames per tracker (default 200)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument("--threads", type=int, default=None, help="network threads for torch and ONNX Runtime (default: one per core, as the tracker's default)")
    parser.add_argument("--weights", default="lighttrack-mobile", help="checkpoint or shipped model (default lighttrack-mobile)")
    parser.add_argument("--preset", default=None, help="tracker preset (default: the one the weights carry, as 'lighttrack track' uses)")
    parser.add_argument("--source", help="video/folder to use instead of the shipped Big Buck Bunny clip (needs --box)")
    parser.add_argument("--box", help="x,y,w,h in the first frame of --source")
    parser.add_argument("--resize", default=None, help="resize the frames to WxH first (default: 640x360 for the shipped clip, none for --source)")
    parser.add_argument("--no-int8", action="store_true", help="skip the INT8 graphs")
    parser.add_argument("--no-opencv", action="store_true", help="skip KCF and CSRT")
    args = parser.parse_args(argv)
    if args.source and not args.box:
        parser.error("--source needs --box")
    if args.resize is None and not args.source:
        args.resize = "640x360"

    import torch

    from lighttrack.export.onnx import add_int8_graph, copy_export
    from lighttrack.tracker.quantize import calibration_feeds
    from lighttrack.profile import profile_net
    from lighttrack.tracker.onnx_cache import cache_root
    from lighttrack.models import load_weights
    from lighttrack.tracker.tracker import Tracker

    threads = args.threads or os.cpu_count() or 1
    torch.set_num_threads(threads)
    cv2.setNumThreads(threads)
    frames, box, source = load_frames(args)
    load_before = os.getloadavg()
    peak = peak_gmacs(threads)
    net, _ = load_weights(args.weights)
    default = Tracker.from_weights(args.weights, preset=args.preset, threads=args.threads)  # what `lighttrack track` builds
    preset = default.preset
    with tempfile.TemporaryDirectory() as tmp:
        runners = [
            LightTrackRunner("lighttrack_default", default, frames, box),
            LightTrackRunner("lighttrack_torch_eager", Tracker.from_weights(args.weights, preset=preset, backend="torch", threads=threads), frames, box),
            LightTrackRunner("lighttrack_onnxruntime_fp32_spinning_threads", Tracker.from_weights(args.weights, preset=preset, threads=args.threads, spin=True), frames, box),
            LightTrackRunner("lighttrack_onnxruntime_fp32_warpcrop", Tracker.from_weights(args.weights, preset=preset, threads=args.threads, crop_mode="warp"), frames, box),
        ]
        if not args.no_int8:
            from lighttrack.export.onnx import export_onnx

            onnx_dir = Path(tmp) / "fp32"
            export_onnx(net, onnx_dir, check=False)
            feeds = calibration_feeds(onnx_dir, frames[:30], box, presets=("default", preset))
            for name, ops in (("int8_all", None), ("int8_conv", ["Conv"])):
                folder = copy_export(onnx_dir, Path(tmp) / name)
                add_int8_graph(folder, feeds, op_types=ops)
                runners.append(LightTrackRunner(f"lighttrack_onnxruntime_{name}", Tracker.from_onnx(folder, preset=preset, threads=args.threads, int8=True), frames, box))
        if not args.no_opencv:
            runners.append(OpenCVRunner("opencv_kcf", cv2.TrackerKCF_create, frames, box))
            runners.append(OpenCVRunner("opencv_csrt", cv2.TrackerCSRT_create, frames, box))
        for runner in runners:  # warm-up (allocations, ORT thread pools, caches)
            runner.round(10)
            runner.e2e.clear()
            if hasattr(runner, "net"):
                runner.net.clear()
        per_round = max(1, args.frames // args.rounds)
        for _ in range(args.rounds):
            for runner in runners:
                runner.round(per_round)
        results = {r.name: r.report() for r in runners}
    load_after = os.getloadavg()

    def e2e(name: str) -> float:
        return results[name]["end_to_end"]["median_ms"]

    profile = profile_net(net, search_size=default._groups[0].search_size)
    peak = max(peak, peak_gmacs(threads))  # before and after the trackers: the less disturbed one
    net_ms = results["lighttrack_default"]["network_only"]["median_ms"]
    report = {
        "benchmark": "lighttrack per-frame tracking speed",
        "weights": str(args.weights),
        "architecture": str(net.arch),
        "preset": preset.name,
        "search_size": default._groups[0].search_size,
        "source": source,
        "frame_size": list(frames[0].shape[1::-1]),
        "frames_per_tracker": per_round * args.rounds,
        "threads": threads,
        "machine": {
            "cpu": cpu_name(),
            "cpu_flags": cpu_flags(),
            "cpu_count": os.cpu_count(),
            "loadavg_before": [round(v, 2) for v in load_before],
            "loadavg_after": [round(v, 2) for v in load_after],
        },
        "versions": {"torch": torch.__version__, "onnxruntime": __import__("onnxruntime").__version__, "opencv": cv2.__version__, "numpy": np.__version__},
        "onnx_cache": str(cache_root()),
        "results": results,
        "ratios": {
            "onnxruntime_vs_torch_end_to_end": round(e2e("lighttrack_torch_eager") / e2e("lighttrack_default"), 2),
            **({"int8_all_vs_fp32_end_to_end": round(e2e("lighttrack_default") / e2e("lighttrack_onnxruntime_int8_all"), 2),
                "int8_conv_vs_fp32_end_to_end": round(e2e("lighttrack_default") / e2e("lighttrack_onnxruntime_int8_conv"), 2)}
               if not args.no_int8 else {}),
        },
        "arithmetic_limit": {
            "network_macs": profile.macs,
            "peak_fp32_gmacs_measured_sgemm": round(peak, 1),
            "peak_fp32_gmacs_from_flags_upper_bound": flags_bound_gmacs(threads),
            "network_only_ms": net_ms,
            "network_gmacs_achieved": round(profile.macs / (net_ms / 1000.0) / 1e9, 1),
            "time_at_peak_ms": round(profile.macs / (peak * 1e9) * 1000.0, 2),
            "fraction_of_peak": round(profile.macs / (net_ms / 1000.0) / (peak * 1e9), 3),
        },
        "targets": {
            "default_end_to_end_fps_>=80": 1000.0 / e2e("lighttrack_default") >= 80,
            "onnxruntime_>=3x_torch_eager": e2e("lighttrack_torch_eager") / e2e("lighttrack_default") >= 3,
            **({"int8_>=1.5x_fp32": max(e2e("lighttrack_default") / e2e(f"lighttrack_onnxruntime_{n}") for n in ("int8_all", "int8_conv")) >= 1.5}
               if not args.no_int8 else {}),
        },
        "notes": (
            "lighttrack_default is Tracker.from_weights(weights) as 'lighttrack track' builds it: ONNX Runtime from the "
            "cached export, non-spinning worker threads, one per core, the weights' carried preset (refiners included). "
            "crop_mode 'official' is the bit-exact crop+resize of the official tracker; 'warp' is one cv2.warpAffine per crop."
        ),
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
