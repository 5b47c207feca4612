"""Tracking speed on a CUDA GPU: one target per frame end to end, and the network alone on
batches of targets (what MultiTracker sends), in fp32 and under fp16 autocast. Prints JSON.

    python benchmarks/gpu_throughput.py [--weights lighttrack-mobile] [--frames 300] [--batches 1,8,32,128]

End to end is ``Tracker.update`` on the fixture clip (crop and post-processing on the CPU, the
network on the GPU, one synchronising copy back per frame): the latency a single camera sees.
The batched numbers time ``net.track`` on random search crops with CUDA events, after warm-up.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

from lighttrack.eval.timing import clip_frames, time_stats

# The fixture clip (320x240, 30 frames) and its first box, as the recorded GPU figures used.
FIXTURE_FRAMES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "official_lighttrack_mobile" / "frames"
FIXTURE_BOX = (150.0, 113.0, 20.0, 14.0)


def end_to_end(weights: str, frames, box, device: str) -> dict:
    from lighttrack.tracker import Tracker

    tracker = Tracker.from_weights(weights, preset="default", device=device)
    tracker.init(frames[0], box)
    for f in frames[1:21]:  # warm-up: cuDNN picks its kernels
        tracker.update(f)
    tracker.init(frames[0], box)
    times = []
    for f in frames[1:]:
        t = time.perf_counter()
        tracker.update(f)
        times.append(time.perf_counter() - t)
    return time_stats(times)


def batched(net, batch: int, search: int, half: bool, device: str, iters: int = 50) -> dict:
    z = torch.randn(batch, 3, 128, 128, device=device)
    x = torch.randn(batch, 3, search, search, device=device)
    ctx = torch.autocast("cuda", dtype=torch.float16) if half else torch.autocast("cuda", enabled=False)
    with torch.no_grad(), ctx:
        zf = net.template(z)
        for _ in range(10):
            net.track(zf, x)
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        torch.cuda.synchronize()
        start.record()
        for _ in range(iters):
            net.track(zf, x)
        end.record()
        torch.cuda.synchronize()
    ms = start.elapsed_time(end) / iters
    return {"batch": batch, "ms_per_call": round(ms, 3), "targets_per_s": round(batch * 1000.0 / ms, 1)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weights", default="lighttrack-mobile", help="registered model with shipped weights or a checkpoint")
    parser.add_argument("--frames", type=int, default=300, help="timed frames end to end (default 300)")
    parser.add_argument("--batches", default="1,8,32,128", help="batch sizes for the network-only timing")
    parser.add_argument("--device", default="cuda", help="CUDA device (default cuda)")
    args = parser.parse_args(argv)
    if not torch.cuda.is_available():
        print("gpu_throughput: no CUDA device visible to PyTorch", file=sys.stderr)
        return 2
    frames, box = clip_frames(FIXTURE_FRAMES, FIXTURE_BOX, args.frames)
    batches = [int(b) for b in args.batches.split(",")]
    import lighttrack
    from lighttrack.models import weights_file

    net = lighttrack.load(weights_file(args.weights)).to(args.device).eval()
    report = {
        "device": torch.cuda.get_device_name(args.device),
        "torch": torch.__version__,
        "weights": args.weights,
        "end_to_end_default_preset": end_to_end(args.weights, frames, box, args.device),
        "network_only_256": {
            "fp32": [batched(net, b, 256, False, args.device) for b in batches],
            "fp16_autocast": [batched(net, b, 256, True, args.device) for b in batches],
        },
    }
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
