"""Training-pair throughput of the data layer, from full frames and from the crop cache.

Prints one JSON object. Target (issue 4): >= 300 pairs/s with 2 DataLoader workers reading the
crop cache on 2 CPU cores. By default it synthesises large frames (1280x720, like aerial or HD
video) into the generic folder layout, so decoding cost is realistic; ``--root/--format`` measure
a real data set instead.

    python benchmarks/data_throughput.py [--workers 2] [--pairs 1500] [--root R --format F]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import cv2
import torch


def write_frames(out: Path, sequences: int, length: int, size: tuple[int, int]) -> None:
    from lighttrack.data.synthetic import synthetic_sequence

    for i in range(sequences):
        seq = synthetic_sequence(0, i, length, size)
        img_dir = out / seq.name / "img"
        img_dir.mkdir(parents=True, exist_ok=True)
        for k in range(len(seq)):
            cv2.imwrite(str(img_dir / f"{k:05d}.jpg"), cv2.cvtColor(seq.frame(k), cv2.COLOR_RGB2BGR),
                        [cv2.IMWRITE_JPEG_QUALITY, 90])
        (out / seq.name / "groundtruth.txt").write_text(
            "\n".join(",".join(f"{v:.2f}" for v in b) for b in seq.boxes) + "\n")


def measure(dataset, pairs: int, workers: int, batch: int, seed: int = 0) -> dict:
    from lighttrack.data import PairDataset, PairSampler, Source
    from lighttrack.data.pairs import worker_init

    sampler = PairSampler([Source(dataset, pairs, frame_range=100)], seed=seed)
    ds = PairDataset(sampler)
    loader = torch.utils.data.DataLoader(ds, batch_size=batch, num_workers=workers, worker_init_fn=worker_init,
                                         shuffle=False, drop_last=False)
    it = iter(loader)
    first = next(it)  # worker start-up is not throughput
    n = len(first["negative"])
    start = time.perf_counter()
    for batch_items in it:
        n += len(batch_items["negative"])
    elapsed = time.perf_counter() - start
    measured = n - len(first["negative"])
    return {"pairs": measured, "seconds": round(elapsed, 3), "pairs_per_s": round(measured / elapsed, 1)}


def cpu_cost(dataset, pairs: int = 300, seed: int = 0) -> dict:
    """CPU time per pair in this process (``time.process_time``): unlike wall-clock throughput it
    barely depends on what else the machine runs, so it shows the cost on a shared box."""
    from lighttrack.data import PairDataset, PairSampler, Source

    ds = PairDataset(PairSampler([Source(dataset, pairs + 20, frame_range=100)], seed=seed))
    for i in range(20):
        ds[i]
    start = time.process_time()
    for i in range(20, pairs + 20):
        ds[i]
    ms = (time.process_time() - start) / pairs * 1e3
    return {"cpu_ms_per_pair": round(ms, 3), "pairs_per_cpu_second": round(1e3 / ms, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", help="a real data set (default: synthetic HD frames)")
    parser.add_argument("--format", default="auto")
    parser.add_argument("--split")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--pairs", type=int, default=1500, help="pairs per measurement")
    parser.add_argument("--sequences", type=int, default=6)
    parser.add_argument("--length", type=int, default=40)
    parser.add_argument("--frame-size", type=int, nargs=2, default=(1280, 720), metavar=("W", "H"))
    parser.add_argument("--skip-frames", action="store_true", help="measure the cache only")
    args = parser.parse_args()

    from lighttrack.data import open_dataset
    from lighttrack.data.cache import CacheConfig, build_cache

    cv2.setNumThreads(1)
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory(prefix="lt-data-bench-") as tmp:
        tmp = Path(tmp)
        if args.root:
            source = open_dataset(args.format, args.root, args.split)
            desc = {"format": source.format, "root": args.root, "split": args.split}
        else:
            write_frames(tmp / "frames", args.sequences, args.length, tuple(args.frame_size))
            source = open_dataset("folder", tmp / "frames")
            desc = {"format": "folder (synthetic)", "sequences": args.sequences, "length": args.length,
                    "frame_size": list(args.frame_size)}
        t0 = time.perf_counter()
        cfg = CacheConfig()
        build_cache(source, tmp / "cache", cfg, workers=args.workers, progress=False)
        cache_seconds = time.perf_counter() - t0
        cached = open_dataset("cache", tmp / "cache")
        result = {
            "benchmark": "data_throughput",
            "source": desc,
            "workers": args.workers,
            "batch": args.batch,
            "template_size": 128,
            "search_size": 256,
            "cache": {"crop_size": cfg.crop_size, "context_factor": cfg.context_factor,
                      "build_seconds": round(cache_seconds, 2)},
            "from_cache": measure(cached, args.pairs, args.workers, args.batch),
        }
        result["from_cache"].update(cpu_cost(cached))
        if not args.skip_frames:
            result["from_frames"] = measure(source, max(args.pairs // 3, 2 * args.batch), args.workers, args.batch)
            result["from_frames"].update(cpu_cost(source, pairs=100))
        result["target_pairs_per_s"] = 300
        result["meets_target"] = result["from_cache"]["pairs_per_s"] >= 300
        result["machine"] = {"cpus": os.cpu_count(), "platform": platform.platform(),
                             "load_avg_1m": round(os.getloadavg()[0], 2), "torch": torch.__version__,
                             "opencv": cv2.__version__}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
