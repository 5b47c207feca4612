"""``lighttrack demo``: the whole of lighttrack at small scale, on data shipped in the package.

Stages (each writes into ``<out>/<stage>/`` and, when it has finished, ``<out>/stages/<stage>.json``
atomically; a later run skips every stage whose marker exists, and an interrupted training or
search stage resumes from its own checkpoint):

1. ``supernet``  - weight-sharing supernet, uniform single-path sampling (``lighttrack train``)
2. ``search``    - LightTrack's evolutionary search under the MACs limit (``lighttrack search``)
3. ``retrain``   - the found architecture, weights inherited from the supernet (``lighttrack train``)
4. ``evaluate``  - one-pass evaluation on held-out real-photo clips against KCF and CSRT
                   (and the shipped pretrained LightTrack-Mobile, labelled as such)
5. ``export``    - ONNX export of the retrained network (``lighttrack export onnx``)
6. ``track``     - tracking a real video with the exported graphs; annotated video + key frames
7. ``report``    - ``report/index.html``: tables, success/precision plots, Pareto front, video
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any, Callable

import cv2
import numpy as np
import torch

import lighttrack
from lighttrack.arch import Arch
from lighttrack.costs import cost_table
from lighttrack.data.clipsets import DemoStills
from lighttrack.demo import assets as A
from lighttrack.demo.report import write_report
from lighttrack.demo.settings import FULL, QUICK, DemoSettings, demo_settings
from lighttrack.errors import ConfigError
from lighttrack.eval.baselines import make_tracker
from lighttrack.eval.peers import NANOTRACK_PREFIX, NANOTRACK_V2_MACS, shipped_nanotrack
from lighttrack.eval.protocols import protocol_for
from lighttrack.eval.runner import evaluate_run, run_benchmark
from lighttrack.export.onnx import export_onnx
from lighttrack.io import atomic_write_json, atomic_write_text
from lighttrack.nn.checkpoint import read_checkpoint
from lighttrack.search.runner import run_search, search_config_from_dict
from lighttrack.space import SearchSpace
from lighttrack.tracker.presets import at_search_size, get_preset, network_only, save_preset, stored_preset
from lighttrack.tracker.refiners import refiners_for
from lighttrack.tracker.tracker import Tracker, carried_preset
from lighttrack.tracker.video import VideoWriter, draw_results, open_source
from lighttrack.train.checkpoint import find_resume
from lighttrack.train.config import from_dict
from lighttrack.train.trainer import Trainer

STAGES = ("supernet", "search", "retrain", "evaluate", "export", "track", "report")
RETRAINED = "lighttrack-demo"  # run name of the network the demo itself found and trained
OFFICIAL = "lighttrack-mobile-official"  # run name of the official trained Mobile (the default tracker)
PRETRAINED = "lighttrack-mobile-ours-shipped"  # run name of our own shipped Mobile weights
PRETRAINED_SEARCHED = "lighttrack-m300-shipped"  # run name of our shipped searched model
PRETRAINED_SMALL = "lighttrack-m200-shipped"  # run name of our shipped small searched model
NANOTRACK = "nanotrack-v2"  # run name of the peer NanoTrack v2 (shipped graphs, OpenCV)
NETWORK_ONLY = "-network-only"  # suffix of a row tracked without template alignment (Preset.align)


def _network_only(weights: str):
    """The preset a weights file carries without its refiners (LightTrack's own inference); None
    when it carries none or runs no refiner."""
    preset = carried_preset(weights) if Path(weights).is_file() else None
    return network_only(preset) if preset is not None and refiners_for(preset) else None


def _log(msg: str) -> None:
    print(msg, flush=True)


class Demo:
    def __init__(self, settings: DemoSettings, out: str | Path = "runs/demo", log: Callable[[str], None] = _log,
                 progress: bool = True) -> None:
        self.s = settings
        self.out = Path(out)
        self.log = log
        self.progress = progress
        self.timings: dict[str, float] = {}

    # ------------------------------------------------------------------ bookkeeping
    def marker(self, stage: str) -> Path:
        return self.out / "stages" / f"{stage}.json"

    def done(self, stage: str) -> dict | None:
        m = self.marker(stage)
        if m.is_file():
            try:
                return json.loads(m.read_text())
            except ValueError:
                return None
        return None

    def _check_settings(self) -> None:
        info = self.out / "demo.json"
        fp = self.s.fingerprint()
        if info.is_file():
            saved = json.loads(info.read_text())
            if saved.get("fingerprint") != fp:
                raise ConfigError(
                    f"{str(self.out)!r} holds a demo made with other settings ({saved.get('mode')!r}); "
                    "use another --out, or --fresh to start over")
        else:
            atomic_write_json(info, {"mode": self.s.name, "fingerprint": fp, "settings": dataclasses.asdict(self.s)})

    def redo(self, stages: list[str]) -> None:
        """Forget the given stages (and everything after the first of them)."""
        if not stages:
            return
        first = min(STAGES.index(s) for s in stages)
        for stage in STAGES[first:]:
            self.marker(stage).unlink(missing_ok=True)
            if stage in stages:
                shutil.rmtree(self.out / stage, ignore_errors=True)

    def run(self, until: str | None = None) -> dict:
        torch.set_num_threads(max(1, int(self.s.threads)))
        cv2.setNumThreads(max(1, int(self.s.threads)))
        self.out.mkdir(parents=True, exist_ok=True)
        self._check_settings()
        t_all = time.perf_counter()
        summary: dict[str, Any] = {"out": str(self.out), "mode": self.s.name, "stages": {}}
        last = STAGES.index(until) if until else len(STAGES) - 1
        for k, stage in enumerate(STAGES[: last + 1], 1):
            prev = self.done(stage)
            if prev is not None:
                self.log(f"[{k}/{len(STAGES)}] {stage}: done in an earlier run ({prev.get('seconds', 0):.0f} s then), skipped")
                summary["stages"][stage] = {**prev, "skipped": True}
                continue
            self.log(f"[{k}/{len(STAGES)}] {stage}: {STAGE_TEXT[stage]}")
            t0 = time.perf_counter()
            result = getattr(self, f"stage_{stage}")()
            seconds = time.perf_counter() - t0
            record = {"seconds": round(seconds, 1), **result}
            atomic_write_json(self.marker(stage), record)
            self.log(f"[{k}/{len(STAGES)}] {stage}: finished in {seconds:.0f} s")
            summary["stages"][stage] = {**record, "skipped": False}
        summary["seconds"] = round(time.perf_counter() - t_all, 1)
        atomic_write_json(self.out / "summary.json", summary)
        return summary

    # ------------------------------------------------------------------ data
    def _train_sources(self) -> list[dict]:
        s = self.s
        roots = A.train_still_roots()
        return [
            {"format": "synthetic", "weight": 1.0, "frame_range": 30,
             "options": {"num_sequences": s.synthetic_sequences, "length": 60, "seed": 1}},
            *({"format": "stills", "root": str(r), "weight": 1.0, "frame_range": 30,
               "options": {"length": 60, "seed": 5}} for r in roots),
        ]

    def _data(self, steps: int, batch: int, search_size: int) -> dict:
        return {"train": self._train_sources(), "pairs_per_epoch": max(1, steps * batch),
                "template_size": 128, "search_size": search_size, "augment": {"search_shift": 48}, "workers": 0}

    def eval_dataset(self):
        return DemoStills(self.s.still_length, self.s.max_eval_sequences, self.s.eval_camera)

    # ------------------------------------------------------------------ 1. supernet
    def _train(self, cfg_dict: dict) -> dict:
        cfg = from_dict(cfg_dict)
        resume = find_resume(cfg.out_dir)
        if resume is not None:
            self.log(f"    resuming from {resume}")
        return Trainer(cfg, resume=resume).fit()

    def _train_common(self, name: str, steps: int, batch: int, lr: float) -> dict:
        s = self.s
        return {
            "name": name, "seed": 0, "device": "cpu", "threads": s.threads, "output_dir": str(self.out / name),
            "data": self._data(steps, batch, s.search_size_train),
            "train": {"epochs": 1, "schedule_epochs": 1, "batch_size": batch, "lr": lr, "lr_end": lr / 20,
                      "warmup_lr": lr / 5, "warmup_epochs": 0.1, "freeze_backbone_epochs": 0, "backbone_lr_mult": 1.0,
                      "grad_clip": 10.0},
            "checkpoint": {"every_steps": max(1, min(20, steps)), "keep": 0},
            "log": {"every_steps": max(1, min(5, steps)), "progress": self.progress, "tensorboard": False},
        }

    def _teacher(self, source: str | None) -> dict | None:
        """The distill section that makes a stage learn from the inherited model (None: no teacher)."""
        if source is None or not self.s.teacher_from_source:
            return None
        # our crops are smaller than the teacher's 256 px: centred in its canvas, cells matched by position
        return {"teacher": source, "cls_weight": 1.0, "box_weight": 1.0, "feature_weight": 0.5, "adapter_init": "identity",
                "grid": "align" if self.s.search_size_train != 256 else "exact", "cache": str(self.out / "teacher_cache")}

    def stage_supernet(self) -> dict:
        s = self.s
        cfg = self._train_common("supernet", s.supernet_steps, s.supernet_batch, s.supernet_lr)
        cfg["model"] = {"kind": "supernet", "output_positions": "paper"}
        # weight inheritance (lighttrack.nn.inherit): every candidate starts from the layer of a
        # shipped model at its position, so minutes of CPU fine-tune a useful supernet. Our searched
        # lighttrack-m300 comes first: it fits under the demo's MACs limit, so every candidate at
        # least as large as it starts as exactly its function (Mobile's would have to be narrowed).
        shipped, source = None, None
        for name in (s.inherit_from if s.use_pretrained else ()):
            shipped = A.pretrained_weights(name)
            if shipped is not None:
                source = name
                cfg["model"]["init"] = str(shipped)
                # fine-tune, do not retrain: a from-scratch rate would wipe out what was inherited
                lr = s.supernet_lr * s.inherited_lr_scale
                cfg["train"].update(lr=lr, lr_end=lr / 20, warmup_lr=lr / 5)
                if (teacher := self._teacher(source)) is not None:
                    cfg["distill"] = teacher
                break
        # uniform over the paths under the search's MACs limit: train only what can be found (the
        # cost table this needs is cached on disk, and the search reuses it)
        cfg["sampling"] = {"strategy": "constrained", "max_macs": s.max_macs}
        self._train(cfg)
        return {"supernet": str(self.out / "supernet" / "supernet.pt"), "steps": s.supernet_steps,
                "pairs": s.supernet_steps * s.supernet_batch, "loss": _last_loss(self.out / "supernet"),
                "inherited_from": source, "init": f"inherited from the shipped {source} weights" if source else "random"}

    # ------------------------------------------------------------------ 2. search
    def search_config(self):
        s = self.s
        data = {
            "train": self._train_sources(),
            "pairs_per_epoch": max(1, s.calibration_batches * s.calibration_batch_size),
            "val": [{"format": "stills", "root": str(r), "options": {"length": s.search_val_frames, "seed": 21}}
                    for r in A.train_still_roots()],
            "template_size": 128, "search_size": 256,
        }
        return search_config_from_dict({
            "name": "demo", "output_dir": str(self.out / "search"), "seed": 0, "device": "cpu", "threads": s.threads,
            "supernet": str(self.out / "supernet" / "supernet.pt"), "space": "paper", "algorithm": "evolution",
            "search_sizes": list(s.search_sizes),
            # the first generation starts from the path the supernet inherited, where it fits
            "start": [source] if (source := (self.done("supernet") or {}).get("inherited_from")) else [],
            "settings": {"population": s.population, "generations": s.generations, "top_k": s.top_k,
                         "mutations": s.mutations, "crossovers": s.crossovers, "mutation_prob": 0.1},
            "constraints": [{"name": "demo", "max_macs": s.max_macs}],
            "data": data,
            "fitness": {"calibration_batches": s.calibration_batches, "calibration_batch_size": s.calibration_batch_size,
                        "max_sequences": s.search_val_sequences, "max_frames": s.search_val_frames},
            "retrain": {"init_from_supernet": True},
        })

    def stage_search(self) -> dict:
        cfg = self.search_config()
        resume = (cfg.out_dir / "demo" / "state.json").is_file()
        results = run_search(cfg, resume=resume, log=lambda m: self.log("    " + m))
        best = results["constraint_sets"]["demo"].get("best") or results["constraint_sets"]["demo"].get("search")
        if not best:
            raise ConfigError("the search found no architecture under the MACs limit")
        spread = fitness_spread(json.loads((cfg.out_dir / "all_candidates.json").read_text()))
        self.log(f"    fitness of {spread['candidates']} candidates: min {_f(spread['min'])}, median {_f(spread['median'])}, "
                 f"max {_f(spread['max'])}; best {_f(best.get('fitness'))} at {best.get('search_size')}-px crops "
                 f"({_f((best.get('macs') or 0) / 1e6, 1)} M MACs), runner-up {_f(spread['runner_up'])}")
        return {"arch": best["path"], "fitness": best.get("fitness"), "macs": best.get("macs"),
                "params": best.get("params"), "search_size": best.get("search_size"),
                "evaluations": results["constraint_sets"]["demo"].get("search_evaluations"), "fitness_spread": spread,
                "pareto_png": str(cfg.out_dir / "pareto.png"), "max_macs": self.s.max_macs}

    # ------------------------------------------------------------------ 3. retrain
    def stage_retrain(self) -> dict:
        s = self.s
        found = self.done("search")["arch"]
        source = (self.done("supernet") or {}).get("inherited_from")  # the shipped model the supernet inherited
        lr = s.retrain_lr * (s.inherited_lr_scale if source is not None else 1.0)
        cfg = self._train_common("retrain", s.retrain_steps, s.retrain_batch, lr)
        # the preset: the refiners of retrain_preset with the rates of the inherited model (tuned on real
        # video) where it carries some, on the search crop the search chose the architecture at
        size = self.done("search").get("search_size")
        preset = get_preset(s.retrain_preset)
        carried = carried_preset(str(A.pretrained_weights(source))) if source else None
        if carried is not None:
            refiners = {k: getattr(preset, k) for k in ("calibration", "calibration_shift", "vote_radius", "align", "align_threshold", "align_margin")}
            preset = carried.replace(name=f"{source}-rates-{s.retrain_preset}", **refiners)
        if size and size != preset.small_size:
            preset = at_search_size(preset, size)
        preset = save_preset(preset, self.out / "retrain_preset.yaml") if preset != get_preset(s.retrain_preset) else s.retrain_preset
        # weight inheritance: the found path's weights, extracted from the supernet
        cfg["model"] = {"kind": "tracker", "arch": found, "init": str(self.out / "supernet" / "supernet.pt"),
                        "preset": str(preset)}
        if (teacher := self._teacher(source)) is not None:
            cfg["distill"] = teacher
        # train the network the tracker will run: BN statistics recomputed for this one path, then
        # fixed (a supernet's shared statistics fit no single path; see docs/training.md)
        cfg["train"].update(bn="frozen", bn_recalibrate=max(1, min(8, s.retrain_steps // 4)))
        self._train(cfg)
        return {"weights": str(self.out / "retrain" / "final.pt"), "arch": found, "steps": s.retrain_steps,
                "pairs": s.retrain_steps * s.retrain_batch, "loss": _last_loss(self.out / "retrain")}

    # ------------------------------------------------------------------ 4. evaluate
    def trackers(self) -> list[tuple[str, str, Any]]:
        """(run name, tracker spec, preset) rows; preset None: the one the weights carry."""
        rows = [(RETRAINED, str(self.out / "retrain" / "final.pt"), None)]
        if self.s.use_pretrained:
            shipped = ((OFFICIAL, "lighttrack-mobile-official"), (PRETRAINED, "lighttrack-mobile-ours"),
                       (PRETRAINED_SEARCHED, "lighttrack-m300"), (PRETRAINED_SMALL, "lighttrack-m200"))
            for run_name, model in shipped:
                w = A.pretrained_weights(model)
                if w is not None:
                    rows.append((run_name, str(w), None))
                else:
                    self.log(f"    no shipped {model} weights found: skipping that row")
            if shipped_nanotrack() is not None:  # the peer, for the Pareto plot (Apache-2.0, shipped unchanged)
                rows.append((NANOTRACK, f"nanotrack:{shipped_nanotrack()}", None))
        if self.s.network_only_rows:
            alone = [(f"{name}{NETWORK_ONLY}", spec, _network_only(spec)) for name, spec, _ in rows if name in (RETRAINED, PRETRAINED)]
            # the official weights carry no refiner: their row is LightTrack's own inference already
            rows += [row for row in alone if row[2] is not None]
        rows += [(b, b, None) for b in self.s.baselines]
        return rows

    def stage_evaluate(self) -> dict:
        dataset = self.eval_dataset()
        protocol = protocol_for("folder")
        rows = self.trackers()
        info = {"format": "stills", "root": "lighttrack/assets/demo/stills", "split": None}
        # clip by clip, every row on the same frames: a virtual-camera frame costs about as much to
        # render as a network takes to track it, so each clip is rendered once, not once per row
        built = {name: make_tracker(spec, preset, threads=self.s.threads) for name, spec, preset in rows}
        frames = RenderedOnce(dataset)
        self.log(f"    {len(rows)} trackers: {len(dataset.names)} clips x {self.s.still_length} frames")
        for i, clip in enumerate(dataset.names):
            for name, spec, preset in rows:
                run_benchmark(frames, spec, self.out / "evaluate" / name, protocol, preset=preset, names=[clip],
                              progress=False, dataset_info=info, tracker=built[name])
            if self.progress or i + 1 == len(dataset.names) or (i + 1) % 5 == 0:
                self.log(f"    clip {i + 1}/{len(dataset.names)} tracked by every row")
        table = {}
        for name, spec, preset in rows:
            sm = evaluate_run(dataset, self.out / "evaluate" / name, protocol).get("summary", {})
            table[name] = {"auc": sm.get("auc"), "precision": sm.get("precision"), "fps": sm.get("fps"),
                           "norm_precision": sm.get("norm_precision"), **per_frame_cost(spec, preset)}
            self.log(f"    {name}: AUC {_f(sm.get('auc'))}  precision {_f(sm.get('precision'))}  fps {_f(sm.get('fps'), 1)}")
        return {"table": table, "sequences": len(dataset.names), "frames_per_sequence": self.s.still_length,
                "camera": self.s.eval_camera}

    # ------------------------------------------------------------------ 5. export
    def stage_export(self) -> dict:
        out = {}
        nets = [("onnx", str(self.out / "retrain" / "final.pt"))]
        w = A.pretrained_weights() if self.s.use_pretrained else None
        if w is not None:
            nets.append(("onnx_shipped", str(w)))  # the network the video is tracked with

        for folder, weights in nets:
            data = read_checkpoint(weights)
            res = export_onnx(lighttrack.load(data, source=repr(weights)), self.out / "export" / folder,
                              check=self.s.onnx_check, preset=stored_preset(data))  # the export keeps the weights' own preset
            out[folder] = {"dir": str(self.out / "export" / folder), "weights": weights, "parity": getattr(res, "parity", None)}
            self.log(f"    {weights} -> {self.out / 'export' / folder}")
        return {"onnx": out["onnx"]["dir"], "parity": out["onnx"]["parity"], "exports": out}

    # ------------------------------------------------------------------ 6. track a real clip
    def stage_track(self) -> dict:
        video = A.VIDEOS[self.s.video]
        # the best network we have: the shipped weights when present, otherwise the demo's own (ONNX)
        exports = (self.done("export") or {}).get("exports", {})
        if "onnx_shipped" in exports:
            tracker = Tracker.from_onnx(exports["onnx_shipped"]["dir"], threads=self.s.threads)
            which = "shipped LightTrack-Mobile weights, exported to ONNX by this run (ONNX Runtime)"
        else:
            tracker, which = Tracker.from_onnx(self.out / "export" / "onnx", threads=self.s.threads), "the demo's retrained network (ONNX Runtime)"
        out_dir = self.out / "track"
        out_dir.mkdir(parents=True, exist_ok=True)
        source = open_source(str(video.path))
        tmp = out_dir / f".{self.s.video}.tmp.mp4"
        writer = None
        lines, keyframes = [], []
        total = source.count if self.s.video_frames is None else min(source.count or self.s.video_frames, self.s.video_frames)
        t_track, n_track = 0.0, 0
        try:
            for index, frame in source:
                if self.s.video_frames is not None and index >= self.s.video_frames:
                    break
                if frame is None:
                    continue
                if index == 0:
                    results = tracker.init_many(frame, [video.box])
                    writer = VideoWriter(tmp, source.fps or 25.0, (frame.shape[1], frame.shape[0]))
                else:
                    t0 = time.perf_counter()
                    results = tracker.update_many(frame)
                    t_track += time.perf_counter() - t0
                    n_track += 1
                r = results[0]
                lines.append(",".join(f"{v:.2f}" for v in r.box) + f",{r.score:.3f}")
                image = draw_results(frame, results)
                writer.write(image)
                if index in _key_indices(total):
                    path = out_dir / f"frame_{index:04d}.jpg"
                    cv2.imwrite(str(path), cv2.resize(image, (image.shape[1] * 360 // image.shape[0], 360)))
                    keyframes.append(path.name)
        finally:
            source.close()
            if writer is not None:
                writer.close()
        final = out_dir / f"{self.s.video}.mp4"
        tmp.replace(final)
        atomic_write_text(out_dir / "boxes.txt", "\n".join(lines) + "\n")
        scores = [float(x.rsplit(",", 1)[1]) for x in lines[1:]] or [1.0]
        return {"video": str(final), "boxes": str(out_dir / "boxes.txt"), "frames": len(lines), "init_box": list(video.box),
                "tracker": which, "keyframes": keyframes, "fps": round(n_track / t_track, 1) if t_track else None,
                "mean_score": round(float(np.mean(scores)), 3), "credit": video.credit}

    # ------------------------------------------------------------------ 7. report
    def stage_report(self) -> dict:
        return write_report(self)


STAGE_TEXT = {
    "supernet": "training a small weight-sharing supernet (single paths drawn uniformly under the MACs limit)",
    "search": "evolutionary architecture search under the MACs limit",
    "retrain": "retraining the found architecture (weights inherited from the supernet)",
    "evaluate": "one-pass evaluation on held-out clips made from shipped photos, against the classic trackers",
    "export": "ONNX export of the retrained network (and of the shipped weights)",
    "track": "tracking a real video",
    "report": "writing the HTML report",
}


def _key_indices(total: int | None) -> set[int]:
    total = total or 1
    return {0, total // 3, (2 * total) // 3, max(0, total - 1)}


class RenderedOnce:
    """A clip set whose current clip's frames are kept in memory (one clip at a time): the rows of
    an evaluation that runs clip by clip read the same rendered frames."""

    def __init__(self, dataset) -> None:
        self.dataset, self.names = dataset, dataset.names
        self._name, self._sequence = None, None

    def __len__(self) -> int:
        return len(self.names)

    def __getitem__(self, key):
        name = self.names[key] if isinstance(key, int) else key
        if name != self._name:
            sequence = self.dataset[name]
            rendered = [sequence.frame(i) for i in range(len(sequence))]
            self._name, self._sequence = name, dataclasses.replace(sequence, loader=rendered.__getitem__)
        return self._sequence


def per_frame_cost(spec: str, preset: Any = None) -> dict:
    """MACs per frame (paper convention) and search crop of an evaluated row; {} for trackers
    without a MACs count (the OpenCV baselines)."""
    if spec.startswith(NANOTRACK_PREFIX):
        return {"macs": NANOTRACK_V2_MACS, "search_size": 255}
    path = Path(spec)
    if not path.is_file():
        return {}
    data = read_checkpoint(path)
    carried = stored_preset(data)
    chosen = get_preset(preset) if preset is not None else carried
    size = chosen.small_size if chosen is not None else 256
    arch = Arch.parse(str(data["arch"]))
    return {"macs": cost_table(SearchSpace(), size).macs(arch), "search_size": size}


def fitness_spread(points: list[dict]) -> dict:
    """How far apart the search's fitness values lie: a pick is only as good as this spread."""
    values = sorted((p["fitness"] for p in points if p.get("fitness") is not None), reverse=True)
    if not values:
        return {"candidates": 0, "min": None, "median": None, "max": None, "runner_up": None}
    return {"candidates": len(values), "min": values[-1], "median": float(np.median(values)), "max": values[0],
            "runner_up": values[1] if len(values) > 1 else None}


def _f(v, digits: int = 3) -> str:
    return "n/a" if v is None else f"{v:.{digits}f}"


def _last_loss(run_dir: Path) -> float | None:
    f = run_dir / "metrics.jsonl"
    if not f.is_file():
        return None
    lines = [x for x in f.read_text().splitlines() if x.strip()]
    for line in reversed(lines):
        try:
            d = json.loads(line)
        except ValueError:
            continue
        if "loss/loss" in d:
            return round(float(d["loss/loss"]), 4)
    return None


def run_demo(out: str | Path = "runs/demo", quick: bool = False, redo: list[str] | None = None, fresh: bool = False,
             until: str | None = None, threads: int | None = None, progress: bool = True,
             settings_overrides: list[str] | tuple[str, ...] = (), **overrides) -> dict:
    """Run (or resume) the demo; returns the summary (also in ``<out>/summary.json``).

    ``settings_overrides`` are ``key=value`` changes of :class:`DemoSettings`, read by the same
    config system as training and search configs (:mod:`lighttrack.config`)."""
    settings = demo_settings(QUICK if quick else FULL, settings_overrides)
    if threads:
        settings = settings.replace(threads=threads)
    if overrides:
        settings = settings.replace(**overrides)
    out = Path(out)
    if fresh and out.exists():
        shutil.rmtree(out)
    demo = Demo(settings, out, progress=progress and sys.stderr.isatty())
    demo.redo(list(redo or []))
    return demo.run(until=until)
