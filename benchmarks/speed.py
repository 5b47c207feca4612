"""Tracking speed on this CPU: LightTrack-Mobile (PyTorch eager, ONNX Runtime fp32 and INT8)
against OpenCV's KCF and CSRT, on the same frames in the same run. Prints JSON.

    .venv/bin/python benchmarks/speed.py [--frames 300] [--threads 2] [--source VIDEO --box x,y,w,h]

Per tracker: end-to-end time per frame (``update``: crop, normalise, network, post-process) and,
for LightTrack, the network alone (the per-frame graph on a prepared batch); median, p10, p90
in milliseconds and frames/s at the median. The trackers run in interleaved rounds so that load
from other processes hits them alike; the load average is reported with the numbers.
The weights are the fixture's random weights (speed does not depend on the values).
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT)) if str(ROOT) not in sys.path else None
FIXTURE = ROOT / "tests" / "fixtures" / "official_lighttrack_mobile"


def stats(seconds: list[float]) -> dict:
    ms = np.asarray(seconds) * 1000.0
    med = float(np.median(ms))
    return {
        "median_ms": round(med, 3),
        "p10_ms": round(float(np.percentile(ms, 10)), 3),
        "p90_ms": round(float(np.percentile(ms, 90)), 3),
        "mean_ms": round(float(ms.mean()), 3),
        "fps_at_median": round(1000.0 / med, 1),
        "samples": int(ms.size),
    }


def load_frames(args) -> tuple[list[np.ndarray], np.ndarray]:
    from lighttrack.tracker.video import open_source

    if args.source:
        source = open_source(args.source)
        frames = [f for i, f in source if f is not None and i < args.frames + 1]
        source.close()
        box = np.array([float(v) for v in args.box.split(",")])
    else:
        clip = [cv2.cvtColor(cv2.imread(str(FIXTURE / "frames" / f"{i:04d}.png")), cv2.COLOR_BGR2RGB) for i in range(30)]
        frames = clip + clip[-2:0:-1]  # ping-pong keeps the motion continuous when looped
        box = np.array([150.0, 113.0, 20.0, 14.0])
    while len(frames) < args.frames + 1:
        frames = frames + frames[-2:0:-1]
    return frames[: args.frames + 1], box


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
        return {"end_to_end": stats(self.e2e), "network_only": stats(self.net), "crop_mode": self.tracker.preset.crop_mode}


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
        return {"end_to_end": stats(self.e2e)}


def box_difference(onnx_dir: Path, frames, box) -> dict:
    """INT8 vs fp32 on the fixture clip: free-running boxes, and one-step boxes from the fp32 state."""
    from lighttrack.tracker import Tracker
    from lighttrack.tracker.crop import search_geometry
    from lighttrack.tracker.postprocess import result_box, sigmoid, track_step

    out = {}
    for preset in ("default", "vot2019"):
        fp32 = Tracker.from_onnx(onnx_dir, preset=preset, threads=1)
        int8 = Tracker.from_onnx(onnx_dir, preset=preset, threads=1, int8=True)
        fp32.init(frames[0], box)
        int8.init(frames[0], box)
        free, step, dcls, dltrb = [], [], [], []
        for frame in frames[1:30]:
            # one step of the INT8 network from the fp32 tracker's current state
            p = int8.preset
            (center, size), group = fp32.state()[0], int8._groups[0]
            geom = search_geometry(size[0], size[1], p.template_size, group.search_size, p.context_amount)
            int8._cropper.crop(frame, center[0], center[1], geom.side, group.search_size, int8._fill, out=group.patches[0])
            from lighttrack.tracker.crop import normalize_into

            normalize_into(group.patches[0], group.batch[0])
            cls, ltrb = int8.backend.track(group.features, group.batch)
            ref_cls, ref_ltrb = fp32.backend.track(fp32._groups[0].features, group.batch)
            dcls.append(np.abs(cls - ref_cls).max())
            dltrb.append(np.abs(ltrb - ref_ltrb).max())
            s = track_step(sigmoid(cls[0, 0]), ltrb[0], center, size, geom.scale_z, group.search_size,
                           (frame.shape[1], frame.shape[0]), p.penalty_k, p.window_influence, p.lr, p.double_smoothing, p.min_size)
            a = fp32.update(frame).box
            step.append(np.abs(result_box(s.center, s.size) - a).max())
            free.append(np.abs(int8.update(frame).box - a).max())
        out[preset] = {
            "network_max_abs_diff_cls": round(float(np.max(dcls)), 4),
            "network_max_abs_diff_ltrb_px": round(float(np.max(dltrb)), 3),
            "one_step_max_px": round(float(np.max(step)), 3),
            "one_step_median_px": round(float(np.median(step)), 3),
            "free_running_max_px": round(float(np.max(free)), 3),
        }
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=200, help="timed frames per tracker (default 200)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument("--threads", type=int, default=2, help="network threads for torch and ONNX Runtime (default 2)")
    parser.add_argument("--preset", default="default", help="tracker preset (default: 256 search)")
    parser.add_argument("--weights", help="checkpoint or registered model with shipped weights, e.g. lighttrack-m300 "
                        "(default: the LightTrack-Mobile fixture weights; speed does not depend on their values)")
    parser.add_argument("--onnx", help="existing export folder (default: export the weights to a temp folder)")
    parser.add_argument("--source", help="video/folder to use instead of the fixture clip (needs --box)")
    parser.add_argument("--box", help="x,y,w,h in the first frame of --source")
    parser.add_argument("--no-int8", action="store_true", help="skip the INT8 graph")
    parser.add_argument("--no-opencv", action="store_true", help="skip KCF and CSRT")
    args = parser.parse_args(argv)

    import torch

    import lighttrack
    from lighttrack.export.onnx import calibration_feeds, export_onnx, quantize_track_graph
    from lighttrack.tracker import Tracker
    from lighttrack.tracker.backends import TorchBackend

    torch.set_num_threads(args.threads)
    cv2.setNumThreads(args.threads)
    frames, box = load_frames(args)
    load_before = os.getloadavg()
    if args.weights:
        from lighttrack.errors import CheckpointError
        from lighttrack.tracker.tracker import weights_file

        try:
            net = lighttrack.load(weights_file(args.weights))
        except CheckpointError as err:
            parser.error(f"--weights: {err}")
    else:
        net = lighttrack.build("lighttrack-mobile", weights=FIXTURE / "state_dict.pt")
    with tempfile.TemporaryDirectory() as tmp:
        onnx_dir = Path(args.onnx) if args.onnx else Path(tmp)
        if not args.onnx:
            export_onnx(net, onnx_dir, check=False)
        has_int8 = (onnx_dir / "track.int8.onnx").exists()
        if not args.no_int8 and not has_int8:
            quantize_track_graph(onnx_dir, calibration_feeds(onnx_dir, frames[:30], box, presets=("default", "vot2019")))
            meta = json.loads((onnx_dir / "lighttrack.json").read_text())
            meta["track_int8"] = "track.int8.onnx"
            (onnx_dir / "lighttrack.json").write_text(json.dumps(meta))
            has_int8 = True
        runners = [
            LightTrackRunner("lighttrack_torch_eager", Tracker(TorchBackend(net), preset=args.preset), frames, box),
            LightTrackRunner("lighttrack_onnxruntime_fp32", Tracker.from_onnx(onnx_dir, preset=args.preset, threads=args.threads), frames, box),
            LightTrackRunner("lighttrack_onnxruntime_fp32_spinning_threads", Tracker.from_onnx(onnx_dir, preset=args.preset, threads=args.threads, spin=True), frames, box),
            LightTrackRunner("lighttrack_onnxruntime_fp32_warpcrop", Tracker.from_onnx(onnx_dir, preset=args.preset, threads=args.threads, crop_mode="warp"), frames, box),
        ]
        if has_int8 and not args.no_int8:
            runners.append(LightTrackRunner("lighttrack_onnxruntime_int8", Tracker.from_onnx(onnx_dir, preset=args.preset, threads=args.threads, int8=True), frames, box))
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
        int8_diff = box_difference(onnx_dir, frames[:30], box) if has_int8 and not args.no_int8 and not args.source else None
    torch_ms = results["lighttrack_torch_eager"]["end_to_end"]["median_ms"]
    # The targets judge the faster of the two exact-crop fp32 thread settings: spinning threads win
    # on a dedicated CPU, non-spinning ones when other processes compete for the cores.
    ort_candidates = [k for k in ("lighttrack_onnxruntime_fp32", "lighttrack_onnxruntime_fp32_spinning_threads") if k in results]
    ort_best = min(ort_candidates, key=lambda k: results[k]["end_to_end"]["median_ms"])
    ort_ms = results[ort_best]["end_to_end"]["median_ms"]
    report = {
        "benchmark": "lighttrack per-frame tracking speed",
        "architecture": str(net.arch),
        "preset": args.preset,
        "search_size": runners[0].tracker._groups[0].search_size,
        "frame_size": list(frames[0].shape[1::-1]),
        "frames_per_tracker": per_round * args.rounds,
        "threads": args.threads,
        "machine": {
            "cpu": platform.processor() or platform.machine(),
            "cpu_count": os.cpu_count(),
            "loadavg_before": [round(v, 2) for v in load_before],
            "loadavg_after": [round(v, 2) for v in os.getloadavg()],
        },
        "versions": {"torch": torch.__version__, "onnxruntime": __import__("onnxruntime").__version__, "opencv": cv2.__version__, "numpy": np.__version__},
        "results": results,
        "onnxruntime_vs_torch_end_to_end_speedup": round(torch_ms / ort_ms, 2),
        "targets_judged_on": ort_best,
        "targets": {
            "onnxruntime_end_to_end_fps_>=100": 1000.0 / ort_ms >= 100,
            "onnxruntime_>=2.5x_torch": torch_ms / ort_ms >= 2.5,
        },
        "notes": (
            "crop_mode 'official' is the bit-exact crop+resize of the official tracker; 'warp' is one cv2.warpAffine per crop. "
            "onnxruntime runs use ORT_ENABLE_ALL and non-spinning worker threads (the default) unless named 'spinning_threads'. "
            "Weights are random (fixture), so INT8 box differences overstate what trained weights give."
        ),
    }
    if int8_diff is not None:
        report["int8_box_difference_vs_fp32"] = int8_diff
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
