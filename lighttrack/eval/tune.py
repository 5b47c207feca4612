"""Tune the tracker's post-processing (penalty_k, window_influence, lr) on a validation split.

A real optimiser (Optuna's TPE sampler, seeded) proposes values; each trial tracks every
validation sequence with the candidate preset and scores it with the data set's own protocol
(AUC for one-pass benchmarks, AO for GOT-10k; VOT sets use one-pass AUC). The starting preset is
evaluated first, so the result is never worse than it on the validation split. Splits named
``test`` are refused: tuning on the test set is how published numbers get inflated.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import yaml
from tqdm import tqdm

from lighttrack.errors import ConfigError
from lighttrack.eval import metrics as M
from lighttrack.eval.baselines import BUILTIN_TRACKERS, make_tracker
from lighttrack.eval.protocols import Protocol
from lighttrack.eval.runner import gt_withheld, image_size, track_one_pass
from lighttrack.io import atomic_write_text
from lighttrack.tracker.presets import get_preset

SEARCH_SPACE = {
    "penalty_k": (0.0, 0.3),
    "window_influence": (0.05, 0.7),
    "lr": (0.1, 1.0),
}
# Further preset fields a search may take on (``tune(..., space=...)``), with their ranges.
OPTIONAL_SPACE = {
    "calibration": (0.0, 1.0),
    "calibration_shift": (0.0, 0.5),
    "align_threshold": (0.3, 0.95),  # only matters where the base preset aligns
    "align_margin": (0.1, 1.5),
}


def search_space(names=None) -> dict[str, tuple[float, float]]:
    """The ranges of the named preset fields (default: penalty_k, window_influence, lr)."""
    if names is None:
        return dict(SEARCH_SPACE)
    known = SEARCH_SPACE | OPTIONAL_SPACE
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        raise ConfigError(f"cannot tune {', '.join(unknown) or 'nothing'}; tunable preset fields: {', '.join(known)}")
    return {n: known[n] for n in names}


def check_split(split: str | None, dataset=None) -> None:
    """Refuse test splits and sets whose ground truth is withheld."""
    label = (split or "").lower()
    if "test" in label:
        raise ConfigError(f"refusing to tune on split {split!r}: tune on a validation split "
                          "(e.g. --split val) and keep the test set for the final evaluation")
    if dataset is not None and len(dataset) and gt_withheld(dataset[0]):
        raise ConfigError("this split has no ground truth beyond the first frame (a server-only "
                          "test split); tune on a validation split")


def score_preset(tracker_spec: str, preset, dataset, protocol: Protocol, names=None, backend: str = "auto",
                 threads: int | None = None) -> float:
    """Track the sequences with ``preset`` and return the protocol's headline score."""
    tracker = make_tracker(tracker_spec, preset, backend=backend, threads=threads)
    names = list(names) if names is not None else list(dataset.names)
    if protocol.kind == "got10k":
        pooled = {}
        for n in names:
            seq = dataset[n]
            boxes, _ = track_one_pass(tracker, seq)
            cover = seq.meta.get("cover") if isinstance(seq.meta, dict) else None
            if cover is None or len(cover) != len(seq):
                cover = (seq.visible & M.valid_boxes(seq.boxes)).astype(float)
            pooled[n], _ = M.got10k_sequence_ious([boxes], seq.boxes, cover, image_size(seq))
        return M.got10k_summary(pooled)["ao"]
    rule = protocol.rule if protocol.kind == "ope" else "exclude"
    scores = []
    for n in names:
        seq = dataset[n]
        boxes, _ = track_one_pass(tracker, seq)
        scores.append(M.ope_sequence(boxes, seq.boxes, seq.visible, rule=rule))
    return M.ope_summary(scores, rule=rule)["auc"]


def tune(tracker_spec: str, dataset, protocol: Protocol, *, split: str | None, trials: int = 30,
         seed: int = 0, base_preset: Any = "default", max_sequences: int | None = None,
         storage: str | None = None, study_name: str = "lighttrack-tune", progress: bool = True,
         space: dict[str, tuple[float, float]] | None = None, backend: str = "auto",
         threads: int | None = None) -> dict:
    """Run the search; returns ``{"best": {...}, "best_score", "base_score", "trials": [...]}``.

    ``space``: the preset fields to search and their ranges (default :data:`SEARCH_SPACE`; see
    :func:`search_space`). Several processes given the same ``storage`` share one study.
    ``backend`` and ``threads``: how LightTrack weights run (:func:`make_tracker`).
    """
    check_split(split, dataset)
    if str(tracker_spec).lower() in BUILTIN_TRACKERS:
        raise ConfigError(f"{tracker_spec} has no penalty_k / window_influence / lr to tune; give a "
                          "LightTrack checkpoint, an ONNX folder or a module:factory")
    if trials < 1:
        raise ConfigError("--trials must be at least 1")
    base = get_preset(base_preset)
    names = list(dataset.names)
    if max_sequences:
        rng = np.random.default_rng(seed)
        names = sorted(rng.choice(names, size=min(max_sequences, len(names)), replace=False).tolist())

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.TPESampler(seed=seed)
    study = optuna.create_study(direction="maximize", sampler=sampler, storage=storage,
                                study_name=study_name, load_if_exists=storage is not None)
    done = len([t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE])
    space = dict(space or SEARCH_SPACE)
    if done == 0:
        study.enqueue_trial({k: min(max(float(getattr(base, k)), lo), hi) for k, (lo, hi) in space.items()})

    def objective(trial):
        values = {k: trial.suggest_float(k, lo, hi) for k, (lo, hi) in space.items()}
        preset = base.replace(name=f"{base.name}-trial{trial.number}", **values)
        score = score_preset(tracker_spec, preset, dataset, protocol, names, backend=backend, threads=threads)
        return score if math.isfinite(score) else 0.0

    remaining = max(0, trials - done)
    bar = None
    callbacks = []
    if progress and remaining:
        bar = tqdm(total=remaining, unit="trial", desc="tune", dynamic_ncols=True)

        def _cb(study, trial):
            bar.update(1)
            bar.set_postfix(best=f"{study.best_value:.4f}")

        callbacks.append(_cb)
    try:
        if remaining:
            study.optimize(objective, n_trials=remaining, callbacks=callbacks)
    finally:
        if bar is not None:
            bar.close()
    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    base_score = complete[0].value if complete else float("nan")
    best = study.best_trial
    return {
        "base_preset": base.name,
        "base_fields": base.to_dict(),
        "base_score": base_score,
        "best_score": best.value,
        "best": {k: float(v) for k, v in best.params.items()},
        "metric": "ao" if protocol.kind == "got10k" else "auc",
        "protocol": protocol.name,
        "sequences": names,
        "seed": seed,
        "sampler": "optuna.TPESampler",
        "trials": [{"number": t.number, "value": t.value, "params": t.params} for t in complete],
    }


def write_preset(result: dict, path: str | Path, name: str | None = None, dataset_info: dict | None = None) -> Path:
    """Write the tuned preset as YAML (or JSON by suffix), loadable with
    ``lighttrack.tracker.presets.get_preset(path)``; tuning metadata rides along."""
    path = Path(path)
    base = get_preset(result.get("base_fields") or result["base_preset"])
    preset = base.replace(name=name or path.stem, **result["best"])
    doc = {
        "preset": preset.to_dict(),
        "tuned": {
            "on": dataset_info or {},
            "protocol": result["protocol"],
            "metric": result["metric"],
            "score": result["best_score"],
            "base_preset": result["base_preset"],
            "base_score": result["base_score"],
            "trials": len(result["trials"]),
            "sampler": result["sampler"],
            "seed": result["seed"],
        },
    }
    if path.suffix.lower() == ".json":
        return atomic_write_text(path, json.dumps(doc, indent=2) + "\n")
    return atomic_write_text(path, yaml.safe_dump(doc, sort_keys=False))
