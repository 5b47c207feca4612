"""The benchmarks' clip sets (lighttrack.data.clipsets): the unseen synthetic clips (a seed no
training run or demo draws from); benchmarks/heldout.py's network-only rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import yaml
from benchmark_helpers import load_benchmark

from lighttrack.data.clipsets import UNSEEN_SYNTHETIC_SEED, synthetic_clips

ROOT = Path(__file__).resolve().parents[1]


def _synthetic_seeds(node) -> set[int]:
    """Every options.seed of a synthetic source anywhere in a parsed config."""
    seeds: set[int] = set()
    if isinstance(node, dict):
        if node.get("format") == "synthetic" and "seed" in (node.get("options") or {}):
            seeds.add(int(node["options"]["seed"]))
        for value in node.values():
            seeds |= _synthetic_seeds(value)
    elif isinstance(node, list):
        for value in node:
            seeds |= _synthetic_seeds(value)
    return seeds


def test_the_unseen_seed_is_used_by_no_training_config():
    used = set()
    for path in sorted([*(ROOT / "configs").glob("*.yaml"), *(ROOT / "experiments" / "configs").glob("*.yaml")]):
        used |= _synthetic_seeds(yaml.safe_load(path.read_text()))
    assert used, "expected the training configs to draw synthetic clips"
    assert UNSEEN_SYNTHETIC_SEED not in used
    assert f"seed\": {UNSEEN_SYNTHETIC_SEED}" not in (ROOT / "lighttrack/demo/pipeline.py").read_text()


def test_synthetic_clips_are_named_tracks_with_boxes():
    clips = synthetic_clips(3, 8)
    assert len(clips) == 3 and all(name.startswith("synthetic-") for name in clips.names)
    seq = clips[clips.names[0]]
    assert seq.name == clips.names[0] and len(seq) == 8
    frame = seq.frame(0)
    assert frame.ndim == 3 and frame.shape[2] == 3 and frame.dtype == np.uint8
    boxes = np.asarray(seq.boxes, float)
    assert boxes.shape == (8, 4) and np.isfinite(boxes).all() and (boxes[:, 2:] > 0).all()
    again = synthetic_clips(3, 8)
    assert np.array_equal(again[again.names[0]].frame(0), frame)  # seeded: the same clips every time


def test_network_only_rows_are_added_for_aligning_lighttrack_trackers_only():
    from lighttrack.tracker import Tracker
    from lighttrack.tracker.presets import get_preset

    network_only_row = load_benchmark("heldout").network_only_row
    name, spec, preset = network_only_row(("mobile", "lighttrack-mobile-ours", None))  # its stored preset aligns
    assert name == "mobile-network-only" and spec == "lighttrack-mobile-ours" and not preset.align
    assert preset.calibration == 0 and preset.vote_radius == 0  # no refiner at all
    assert preset.penalty_k == Tracker.from_weights("lighttrack-mobile-ours").preset.penalty_k  # the rates are kept
    assert network_only_row(("official", "lighttrack-mobile", None)) is None  # the official preset runs no refiner
    named = network_only_row(("m", "lighttrack-mobile", "aligned"))[2]  # an explicit preset wins
    assert named == get_preset("aligned").replace(align=False, calibration=0.0, vote_radius=0, name="aligned-network-only")
    assert network_only_row(("m", "lighttrack-mobile", "calibrated")) is not None  # calibrates and votes
    assert network_only_row(("m", "lighttrack-mobile", "default")) is None  # LightTrack's own already
    assert network_only_row(("kcf", "kcf", None)) is None
