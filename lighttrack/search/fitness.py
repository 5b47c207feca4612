"""Fitness of a candidate: extract -> recalibrate BN (unless none is asked) -> track the validation split -> (AO+SR0.5)/2.

The real pieces are used: :func:`lighttrack.nn.net.extract` for the inherited weights,
:class:`lighttrack.tracker.Tracker` for tracking, and the GOT-10k metrics of
:mod:`lighttrack.eval.metrics` (frame-weighted AO and SR@0.5 over all sequences, the first frame
excluded). Results are cached by canonical Arch; everything is deterministic for a seed (fixed
calibration pairs, fixed sequences, single-threaded or deterministic kernels).
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np
import torch

from lighttrack.arch import Arch
from lighttrack.errors import ConfigError, DataError
from lighttrack.eval.metrics import got10k_sequence_ious, got10k_summary
from lighttrack.io import atomic_write_json
from lighttrack.nn.batchnorm import recalibrate
from lighttrack.nn.net import extract
from lighttrack.tracker.presets import preset_for_template
from lighttrack.tracker.tracker import Tracker

if TYPE_CHECKING:
    from lighttrack.tracker.presets import Preset


def track_sequence(tracker, seq, max_frames: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run ``tracker`` over ``seq`` from its first usable frame; (pred, gt, visible) from there."""
    usable = seq.usable()
    if len(usable) == 0:
        raise DataError(f"validation sequence {seq.name} has no frame with a valid box to start from")
    start = int(usable[0])
    end = len(seq) if max_frames is None else min(len(seq), start + max_frames)
    preds = [np.asarray(seq.boxes[start], dtype=np.float64)]
    tracker.init(seq.frame(start), seq.boxes[start])
    for i in range(start + 1, end):
        preds.append(np.asarray(tracker.update(seq.frame(i)).box, dtype=np.float64))
    return np.stack(preds), seq.boxes[start:end], seq.visible[start:end]


BACKENDS = ("torch", "onnxruntime")  # what tracks a candidate (fitness.backend)


def score_sequences(net, sequences: Sequence, preset: "str | Preset | None" = None, device: str = "cpu", max_frames: int | None = None,
                    backend: str = "torch") -> dict:
    """AO, SR0.5 and fitness = (AO + SR0.5) / 2 of ``net`` tracked over ``sequences``.

    ``preset`` None: the default preset cropping templates at the size ``net`` trained on.
    ``backend`` "onnxruntime": the network is exported to a temporary folder and tracked there, one
    thread (2-3x faster than PyTorch on a CPU; the scores agree to float rounding).
    """
    if preset is None:
        preset = preset_for_template(getattr(net, "template_size", 128))
    if backend == "onnxruntime":
        from lighttrack.export.onnx import export_onnx
        from lighttrack.tracker.backends import OnnxBackend

        with tempfile.TemporaryDirectory(prefix="lighttrack-fitness-") as folder:
            export_onnx(net, folder, template_size=getattr(net, "template_size", 128), check=False)
            return score_sequences(OnnxBackend(folder, threads=1), sequences, preset, device, max_frames)
    if backend not in BACKENDS:
        raise ConfigError(f"fitness backend must be {' or '.join(map(repr, BACKENDS))}, got {backend!r}")
    seq_ious = {}
    for seq in sequences:
        tracker = Tracker(net, preset=preset, device=device)
        pred, gt, visible = track_sequence(tracker, seq, max_frames)
        ious, _ = got10k_sequence_ious([pred], gt, cover=visible.astype(np.float64))
        seq_ious[seq.name] = ious
    summary = got10k_summary(seq_ious)
    return {"fitness": (summary["ao"] + summary["sr50"]) / 2.0, "ao": summary["ao"], "sr50": summary["sr50"],
            "frames": summary["frames"], "sequences": summary["sequences"]}


class SupernetFitness:
    """Scores Archs with the inherited supernet weights (see the module docstring)."""

    def __init__(self, supernet, calibration: Sequence[tuple[torch.Tensor, torch.Tensor]], sequences: Sequence,
                 preset: "str | Preset | None" = None, device: str = "cpu", max_frames: int | None = None,
                 bn_momentum: float | None = None, cache: FitnessCache | None = None, backend: str = "torch"):
        if not sequences:
            raise DataError("the validation split is empty: the search needs sequences to score candidates on")
        self.supernet = supernet.eval()
        self.calibration = list(calibration)
        self.sequences = list(sequences)
        self.preset = preset
        self.device = device
        self.max_frames = max_frames
        self.bn_momentum = bn_momentum
        self.cache = cache if cache is not None else FitnessCache()
        self.backend = backend

    def evaluate(self, arch: Arch) -> dict:
        """The full record for one Arch (uncached)."""
        start = time.perf_counter()
        torch.manual_seed(0)
        net = extract(self.supernet, arch).to(self.device)
        if self.calibration:  # none: the inherited statistics (a supernet trained with frozen BN)
            recalibrate(net, self.calibration, self.bn_momentum, self.device)
        net.eval()
        record = score_sequences(net, self.sequences, self.preset, self.device, self.max_frames,
                                 "torch" if str(self.device).startswith("cuda") else self.backend)
        record["seconds"] = time.perf_counter() - start
        if not math.isfinite(record["fitness"]):
            record["fitness"] = None
        return record

    def __call__(self, archs: Sequence[Arch]) -> list[float | None]:
        return [self.record(a)["fitness"] for a in archs]

    def record(self, arch: Arch) -> dict:
        arch = arch.canonical()
        hit = self.cache.get(arch)
        if hit is None:
            hit = self.evaluate(arch)
            self.cache.put(arch, hit)
        return hit


class FitnessCache:
    """Fitness records by canonical Arch; saved atomically as JSON, reloaded on resume."""

    def __init__(self, path: str | os.PathLike | None = None, identity: dict | None = None):
        self.path = Path(path) if path else None
        self.identity = identity or {}
        self.records: dict[str, dict] = {}
        if self.path and self.path.is_file():
            data = json.loads(self.path.read_text())
            if data.get("identity") != self.identity:
                raise ConfigError(f"fitness cache {str(self.path)!r} was made with other settings ({data.get('identity')}); use a new output folder or delete it")
            self.records = data.get("records", {})

    @staticmethod
    def key(arch: Arch) -> str:
        return str(arch.canonical())

    def get(self, arch: Arch) -> dict | None:
        return self.records.get(self.key(arch))

    def put(self, arch: Arch, record: dict) -> None:
        self.records[self.key(arch)] = dict(record, arch=arch.canonical().to_dict())

    def __len__(self) -> int:
        return len(self.records)

    def items(self) -> list[tuple[Arch, dict]]:
        return [(Arch.from_dict(r["arch"]), r) for r in self.records.values()]

    def save(self) -> None:
        if self.path is None:
            return

        atomic_write_json(self.path, {"identity": self.identity, "records": self.records})
