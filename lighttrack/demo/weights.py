"""Packaging trained weights for shipping: ``python -m lighttrack.demo.weights SRC DST``.

SRC is a training checkpoint (``last.pt`` / ``step_*.pt``) or a ``final.pt``; DST is a
``lighttrack.trackernet/1`` checkpoint with the floating-point tensors stored as float16 (half
the size; ``load_state_dict`` copies them into the float32 network, so every loader reads it
unchanged). BatchNorm statistics are kept in float32 (their variances can be large or tiny).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

from lighttrack.io import atomic_torch_save
from lighttrack.nn.checkpoint import FORMAT, read_checkpoint, state_dict_of
from lighttrack.tracker.presets import get_preset

# Records of how a checkpoint was made that travel into the shipped file (provenance, not state).
PROVENANCE_KEYS = ("reg_head_finetune",)


def package(src: str | Path, dst: str | Path, fp16: bool = True, **extra) -> Path:
    data = read_checkpoint(src)
    state = state_dict_of(data)
    out = {}
    for key, value in state.items():
        keep32 = key.endswith(("running_mean", "running_var")) or not value.is_floating_point()
        out[key] = value if (keep32 or not fp16) else value.to(torch.float16)
    payload = {"format": FORMAT, "arch": data.get("arch"), "template_size": int(data.get("template_size", 128)),
               "state_dict": out, "step": int(data.get("step", 0)), "storage": "float16" if fp16 else "float32"}
    if isinstance(data.get("preset"), dict):
        payload["preset"] = data["preset"]  # the source's own preset travels unless ``extra`` names another
    payload.update({k: data[k] for k in PROVENANCE_KEYS if k in data})
    payload.update(extra)
    return atomic_torch_save(dst, payload)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m lighttrack.demo.weights", description=__doc__.split("\n\n")[0])
    p.add_argument("src")
    p.add_argument("dst")
    p.add_argument("--fp32", action="store_true", help="keep float32 storage")
    p.add_argument("--preset", help="preset (name or .yaml/.json file) stored with the weights: what "
                   "Tracker.from_weights, `lighttrack track` and exports use unless told otherwise")
    a = p.parse_args(argv)
    extra = {}
    if a.preset:
        extra["preset"] = get_preset(a.preset).to_dict()
    path = package(a.src, a.dst, fp16=not a.fp32, **extra)
    print(f"{path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
