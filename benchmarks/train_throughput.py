"""Training throughput (pairs/s) of LightTrack-Mobile and of the supernet at 128/256 crops.

Times the trainer's own step (normalisation, forward, losses, backward, clipping, SGD) on a
fixed in-memory batch, so the number is the model's training speed independent of data
loading. Prints one JSON object. CPU always; CUDA too when available (with mixed precision,
as the trainer runs it there).

    python benchmarks/train_throughput.py [--batch 8] [--steps 5] [--threads 2] [--no-sandwich]
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import torch


def measure(kind: str, device: str, batch: int, steps: int, warmup: int, strategy: str = "uniform") -> dict:
    from lighttrack.train.config import load_config
    from lighttrack.train.testing import FakePairs
    from lighttrack.train.trainer import Trainer

    overrides = [
        f"model.kind={kind}",
        f"device={device}",
        f"train.batch_size={batch}",
        "train.freeze_backbone_epochs=0",
        "train.steps_per_epoch=1000",
        f"sampling.strategy={strategy}",
        "sampling.num_random=2",
        "log.tensorboard=false",
        "output_dir=/tmp/lighttrack-throughput",
    ]
    trainer = Trainer(load_config(None, overrides), dataset=FakePairs(length=batch, seed=0))
    batch_data = next(iter(trainer._loader(0, 0)))
    for _ in range(warmup):
        trainer.train_step(batch_data)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(steps):
        trainer.train_step(batch_data)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    dt = time.perf_counter() - t0
    params = sum(p.numel() for p in trainer.model.parameters())
    return {
        "pairs_per_s": round(batch * steps / dt, 2),
        "seconds_per_step": round(dt / steps, 3),
        "batch": batch,
        "steps": steps,
        "params_total": params,
        "amp": trainer.amp,
        "paths_per_step": 4 if strategy == "sandwich" else 1,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch", type=int, default=8, help="pairs per step on CPU (GPU uses --gpu-batch)")
    p.add_argument("--gpu-batch", type=int, default=32)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--no-sandwich", action="store_true", help="skip the sandwich-rule supernet (4 paths per step)")
    p.add_argument("--no-gpu", action="store_true")
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    result = {
        "crops": {"template": 128, "search": 256},
        "torch": torch.__version__,
        "machine": platform.processor() or platform.machine(),
        "cpu_threads": torch.get_num_threads(),
        "note": "trainer step on an in-memory batch (forward+loss+backward+SGD); data loading excluded",
        "cpu": {},
    }
    devices = [("cpu", args.batch)]
    if torch.cuda.is_available() and not args.no_gpu:
        devices.append(("cuda", args.gpu_batch))
        result["gpu"] = torch.cuda.get_device_name(0)
    for device, batch in devices:
        key = "cpu" if device == "cpu" else "cuda"
        out = result.setdefault(key, {})
        out["lighttrack_mobile"] = measure("tracker", device, batch, args.steps, args.warmup)
        out["supernet_uniform"] = measure("supernet", device, batch, args.steps, args.warmup)
        if not args.no_sandwich:
            out["supernet_sandwich"] = measure("supernet", device, batch, args.steps, args.warmup, "sandwich")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
