"""``lighttrack search CONFIG``: config -> checks -> search per constraint set -> outputs.

Output folder (``output_dir``, default ``runs/search/<name>``):

- ``config.yaml``: the resolved search config;
- ``fitness_cache.json``: every scored Arch (fitness, AO, SR0.5, seconds), shared by all
  constraint sets and the random baseline;
- ``<set>/state.json`` (and ``<set>/random_state.json``): the algorithm state after the last
  finished generation, written atomically; ``--resume`` continues from there;
- with ``search_sizes`` (input-size choices, beyond the paper's space: every candidate may run at
  any of these search-crop sizes, and a smaller crop cuts every per-frame MAC), one search per
  size and constraint set: ``fitness_cache_<N>px.json`` and ``<set>/<N>px/state.json``; a set's
  pick is the best over its sizes, and says its ``search_size``;
- ``results.json``: the best Arch of every constraint set with its costs, and the random
  baseline next to it;
- ``pareto.json`` / ``pareto.png``: fitness against MACs, params and each latency runtime;
- ``best_<set>.json`` (Arch JSON) and ``retrain_<set>.yaml``: a ``lighttrack train`` config for
  the best Arch, its backbone initialised from the supernet's path.

Every input is checked before the first candidate is scored: the supernet checkpoint against the
configured space, each budget for feasibility, the validation split for being non-empty and
readable, the latency tables against the space.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Union

import torch
import yaml

from lighttrack import config
from lighttrack.arch import Arch
from lighttrack.errors import CheckpointError, ConfigError, DataError, LightTrackError
from lighttrack.io import atomic_write_json, atomic_write_text, file_sha256
from lighttrack.models import resolve_arch
from lighttrack.nn.batchnorm import calibration_batches
from lighttrack.search import distributed as D
from lighttrack.search.constraints import Costs, Limits
from lighttrack.search.evolution import ALGORITHMS, algorithm_config, make_algorithm, matched_random
from lighttrack.search.fitness import BACKENDS, FitnessCache, SupernetFitness
from lighttrack.search.latency import LatencyTable
from lighttrack.search.pareto import pareto_front, plot_fronts
from lighttrack.search.split_guard import check_search_split
from lighttrack.space import SearchSpace
from lighttrack.tracker.presets import at_search_size, get_preset, preset_for_template, save_preset
from lighttrack.train.checkpoint import load_supernet
from lighttrack.train.config import apply_override, from_dict
from lighttrack.train.data import build_pair_dataset, open_val_sequences

SPACES = ("paper", "official_code")


@dataclass
class FitnessConfig:
    # LightTrack: 200 passes of batch 32 (GPU scale). 0: no recalibration, each candidate keeps the
    # statistics it inherits: for a supernet trained with frozen BatchNorm (train.bn: frozen), whose
    # statistics are part of the function every path was trained to compute.
    calibration_batches: int = 8
    calibration_batch_size: int = 16
    calibration_seed: int = 0
    bn_momentum: float | None = None  # None: exact average (OFA); 0.1: LightTrack's EMA
    preset: str | None = None  # tracker preset of the scoring runs; None: the default at the supernet's template size
    max_sequences: int | None = None
    max_frames: int | None = None
    # tracking runs: "torch" or "onnxruntime" (the candidate exported to a temporary folder, one
    # thread: 2-3x faster on a CPU); a CUDA search tracks in PyTorch
    backend: str = "torch"


@dataclass
class RetrainConfig:
    base: str | None = None  # a training config to start from (its data, schedule …)
    overrides: dict = field(default_factory=dict)  # dotted-key overrides, e.g. {train.epochs: 30}
    init_from_supernet: bool = True  # model.backbone_init = the supernet checkpoint


@dataclass
class SearchConfig:
    name: str = "search"
    output_dir: str | None = None
    seed: int = 0
    device: str = "cpu"
    threads: int | None = 1
    supernet: str | None = None
    space: str | None = None  # paper | official_code | None (whatever the checkpoint holds)
    algorithm: str = "evolution"  # evolution | aging | random
    settings: dict = field(default_factory=dict)  # the algorithm's settings (population …)
    random_baseline: bool = False  # also run random search with the same number of evaluations
    constraints: list = field(default_factory=list)  # list of Limits mappings
    latency_tables: dict = field(default_factory=dict)  # runtime -> table JSON
    data: dict = field(default_factory=dict)  # as in training configs: train (calibration) and val
    fitness: FitnessConfig = field(default_factory=FitnessConfig)
    retrain: RetrainConfig = field(default_factory=RetrainConfig)
    plot: bool = True
    # input-size choices (an extension of the paper's space): search-crop sizes a candidate may
    # run at, each searched in turn; None: data.search_size only, as the paper
    search_sizes: Union[list, None] = None
    # architectures the first generation of every search begins with where they fit (official path
    # strings, registry names or Arch JSON), e.g. the tracker the supernet inherited from
    start: list = field(default_factory=list)

    @property
    def out_dir(self) -> Path:
        return Path(self.output_dir) if self.output_dir else Path("runs") / "search" / self.name

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def search_config_from_dict(data: dict) -> SearchConfig:
    """A checked SearchConfig from a config tree (no file, no overrides)."""
    cfg = config.build(SearchConfig, data)
    _validate(cfg)
    return cfg


def load_search_config(path: str | os.PathLike | None, overrides: dict | None = None,
                       settings: list[str] | tuple[str, ...] = ()) -> SearchConfig:
    """A checked SearchConfig: the YAML file, then ``key=value`` ``settings`` (dotted keys, as
    ``lighttrack train`` takes them: :mod:`lighttrack.config`), then ``overrides`` from the
    command's flags (None values are skipped; a new ``algorithm`` starts from its default
    settings)."""
    data = config.load_tree(SearchConfig, path, settings)
    for key, value in (overrides or {}).items():
        if value is not None:
            if key == "algorithm" and value != data.get("algorithm", "evolution"):
                data["settings"] = {}  # the file's settings belong to its own algorithm: use the defaults
            data[key] = value
    return search_config_from_dict(data)


def _validate(cfg: SearchConfig) -> None:
    if cfg.algorithm not in ALGORITHMS:
        raise ConfigError(f"config key 'algorithm' must be one of {', '.join(ALGORITHMS)}, got {cfg.algorithm!r}")
    algorithm_config(cfg.algorithm, cfg.settings)  # the settings' checks, before the supernet is read
    if cfg.space is not None and cfg.space not in SPACES:
        raise ConfigError(f"config key 'space' must be one of {', '.join(SPACES)} or null, got {cfg.space!r}")
    if not cfg.constraints:
        raise ConfigError("config key 'constraints' must list at least one constraint set (e.g. {name: mobile, max_macs: 6e8})")
    names = [Limits.from_dict(c).name for c in cfg.constraints]
    if len(set(names)) != len(names):
        raise ConfigError(f"constraint set names must be unique, got {names}")
    f = cfg.fitness
    if f.backend not in BACKENDS:
        raise ConfigError(f"config key 'fitness.backend' must be {' or '.join(map(repr, BACKENDS))}, got {f.backend!r}")
    if f.calibration_batches < 0 or f.calibration_batch_size < 1:
        raise ConfigError("config keys 'fitness.calibration_batches' (>= 0; 0: no recalibration) and "
                          "'fitness.calibration_batch_size' (>= 1) are out of range")
    if f.bn_momentum is not None and not 0 < f.bn_momentum <= 1:
        raise ConfigError(f"config key 'fitness.bn_momentum' must be null or in (0, 1], got {f.bn_momentum}")
    if not cfg.data.get("val"):
        raise DataError("config key 'data.val' lists no validation source: the search needs a validation split to score candidates")
    if not cfg.data.get("train"):
        raise ConfigError("config key 'data.train' lists no training source for BN recalibration pairs")
    check_search_split(cfg.data)  # the validation split is never searched on
    template = int(cfg.data.get("template_size", 128))
    for size in cfg.search_sizes or []:
        if isinstance(size, bool) or not isinstance(size, int) or size % 16 or not template < size <= 512:
            raise ConfigError(f"config key 'search_sizes' takes search-crop sizes in pixels, multiples of 16 (the "
                              f"response grid's stride) above the {template}-px template and at most 512; got {size!r}")
    if cfg.search_sizes is not None and (not cfg.search_sizes or len(set(cfg.search_sizes)) != len(cfg.search_sizes)):
        raise ConfigError(f"config key 'search_sizes' must list distinct sizes (or be null), got {cfg.search_sizes!r}")
    for item in cfg.start:
        try:
            _start_arch(item)
        except LightTrackError as err:
            raise ConfigError(f"config key 'start': {err}") from None


# ------------------------------------------------------------------------------------ pieces
def _start_arch(item) -> Arch:
    """A ``start`` entry: an official path string, a registry name, an Arch JSON file or mapping."""
    return Arch.from_dict(item) if isinstance(item, dict) else resolve_arch(str(item))


def _train_config(cfg: SearchConfig, kind: str = "supernet"):
    """A training config carrying this search's data section (for the data layer's builders)."""
    data = copy.deepcopy(cfg.data)
    return from_dict({"name": cfg.name, "seed": cfg.fitness.calibration_seed, "device": cfg.device, "model": {"kind": kind}, "data": data})


def load_checked_supernet(cfg: SearchConfig):
    if not cfg.supernet:
        raise ConfigError("no supernet checkpoint: pass --supernet PATH or set 'supernet' in the config")
    try:
        supernet = load_supernet(cfg.supernet)
    except CheckpointError as err:
        raise CheckpointError(f"supernet checkpoint does not fit the search: {err}") from None
    if cfg.space is not None:
        expected = SearchSpace() if cfg.space == "paper" else SearchSpace.official_code()
        if supernet.space != expected:
            raise CheckpointError(
                f"supernet checkpoint {cfg.supernet!r} was trained on space {_space_text(supernet.space)}, "
                f"but the config asks for '{cfg.space}' ({_space_text(expected)})"
            )
    return supernet


def _space_text(space) -> str:
    return f"depths {list(space.depths)}, outputs {['ops_%d%d' % p for p in space.output_positions]}, {space.head_layers} head layers"


def validation_sequences(cfg: SearchConfig) -> list:
    try:
        seqs = open_val_sequences(_train_config(cfg))
    except LightTrackError as err:
        raise DataError(f"cannot read the validation split: {err}") from None
    if cfg.fitness.max_sequences is not None:
        seqs = seqs[: cfg.fitness.max_sequences]
    if not seqs:
        raise DataError("the validation split is empty: no sequence to score candidates on")
    for seq in seqs:
        usable = seq.usable()
        if len(usable) == 0:
            raise DataError(f"validation sequence {seq.name!r} has no frame with a valid box")
        try:
            seq.frame(int(usable[0]))
        except Exception as err:  # noqa: BLE001 - any reader failure is a data problem here
            raise DataError(f"validation sequence {seq.name!r} is unreadable: {err}") from None
    return seqs


def calibration_set(cfg: SearchConfig) -> list:
    try:
        pairs = build_pair_dataset(_train_config(cfg), seed=cfg.fitness.calibration_seed)
    except LightTrackError as err:
        raise DataError(f"cannot read the BN calibration data (data.train): {err}") from None
    f = cfg.fitness
    if f.calibration_batches == 0:
        return []
    return calibration_batches(pairs, f.calibration_batches, f.calibration_batch_size)


def _file_identity(path: str) -> dict:
    return {"supernet_sha256": file_sha256(path)[:16]}


# ------------------------------------------------------------------------------------ run
def run_search(cfg: SearchConfig, resume: bool = False, log: Callable[[str], None] = print,
               evaluator_factory: Callable | None = None, dry_run: bool = False) -> dict:
    """Run every constraint set's search; return the results dict (also written to disk)."""
    info = D.setup(cfg.device)
    try:
        if cfg.threads:
            torch.set_num_threads(int(cfg.threads))
        out = cfg.out_dir
        limits = [Limits.from_dict(c) for c in cfg.constraints]
        # ---- every check before the first evaluation
        supernet = load_checked_supernet(cfg)
        space = supernet.space
        tables = {}
        for runtime, path in cfg.latency_tables.items():
            table = LatencyTable.load(path)
            if table.runtime != runtime:
                raise ConfigError(f"latency table {path!r} was measured on {table.runtime!r}, not {runtime!r}")
            tables[runtime] = table
        sizes = cfg.search_sizes or [int(cfg.data.get("search_size", 256))]
        lanes = [_Lane(size, Costs(space, tables, search_size=size, template_size=supernet.template_size), cfg.search_sizes is not None)
                 for size in sizes]
        for lim in limits:
            feasible = [lane for lane in lanes if lane.costs.feasible(lim, seed=cfg.seed)]
            if not feasible:
                lanes[0].costs.check_feasible(lim, seed=cfg.seed)  # raises with the reason
        sequences = validation_sequences(cfg)
        calibration = calibration_set(cfg)
        start = [_start_arch(item) for item in cfg.start]
        if dry_run:
            return {"supernet": cfg.supernet, "space": _space_text(space), "validation_sequences": len(sequences),
                    "validation_frames": sum(len(s) for s in sequences), "calibration_pairs": sum(len(z) for z, _ in calibration),
                    "search_sizes": sizes,
                    "constraint_sets": {lim.name: {"describe": lim.describe(),
                                                   "acceptance_rate": {lane.size: lane.costs.acceptance_rate(lim, cfg.seed) for lane in lanes}
                                                   if cfg.search_sizes else lanes[0].costs.acceptance_rate(lim, cfg.seed)} for lim in limits},
                    "latency_tables": {rt: t.meta.get("measured_at") for rt, t in tables.items()}, "world_size": info.world_size}
        state_files = [out / lim.name / lane.folder / "state.json" for lim in limits for lane in lanes]
        if info.is_main:
            if not resume and any(p.is_file() for p in state_files):
                raise ConfigError(f"{str(out)!r} already holds a search; pass --resume to continue it or choose another output_dir")
            out.mkdir(parents=True, exist_ok=True)
            atomic_write_text(out / "config.yaml", yaml.safe_dump(cfg.to_dict(), sort_keys=False))
        base_preset = _scoring_preset(cfg, supernet.template_size)
        for lane in lanes:
            identity = {"fitness": dataclasses.asdict(cfg.fitness), "data": cfg.data, **_file_identity(cfg.supernet)}
            if lane.sized:
                identity["search_size"] = lane.size
            cache_file = out / lane.cache_name
            lane.cache = FitnessCache(cache_file if info.is_main else None, identity)
            if not info.is_main and cache_file.is_file():
                lane.cache = FitnessCache(cache_file, identity)
                lane.cache.path = None
            preset = at_search_size(base_preset, lane.size) if lane.sized else cfg.fitness.preset
            fitness = (evaluator_factory or SupernetFitness)(supernet, calibration, sequences, preset=preset,
                                                             device=str(info.device), max_frames=cfg.fitness.max_frames,
                                                             bn_momentum=cfg.fitness.bn_momentum, cache=lane.cache,
                                                             backend=cfg.fitness.backend)
            lane.evaluate = D.make_evaluator(fitness, info)

        results: dict[str, Any] = {"name": cfg.name, "supernet": cfg.supernet, "space": _space_text(space),
                                   "algorithm": cfg.algorithm, "settings": cfg.settings, "seed": cfg.seed,
                                   "world_size": info.world_size, "constraint_sets": {}}
        if cfg.search_sizes:
            results["search_sizes"] = sizes
        t0 = time.time()
        for lim in limits:
            entry: dict[str, Any] = {"limits": lim.to_dict(), "describe": lim.describe(),
                                     "acceptance_rate": lanes[0].costs.acceptance_rate(lim, cfg.seed)}
            per_size: dict[str, Any] = {}
            for lane in lanes:
                if not lane.costs.feasible(lim, seed=cfg.seed):
                    log(f"[{lim.name}] {lane.size} px: no architecture of the space fits; skipped")
                    continue
                tag = f"{lim.name} {lane.size} px" if lane.sized else lim.name
                state_file = out / lim.name / lane.folder / "state.json"
                runs = [("search", state_file, make_algorithm(cfg.algorithm, space, lane.costs.accept(lim), cfg.seed, start=start, **cfg.settings))]
                if cfg.random_baseline:
                    runs.append(("random", state_file.with_name("random_state.json"), matched_random(runs[0][2])))
                lane_entry: dict[str, Any] = {"acceptance_rate": lane.costs.acceptance_rate(lim, cfg.seed)}
                for role, sfile, algo in runs:
                    if resume and sfile.is_file():
                        algo.load_state_dict(json.loads(sfile.read_text()))
                        log(f"[{tag}] {role}: resumed at generation {algo.generation} ({algo.evaluations} evaluated)")

                    def on_generation(a, sfile=sfile, role=role, lane=lane, tag=tag):
                        if info.is_main:
                            lane.cache.save()
                            atomic_write_json(sfile, a.state_dict())
                            best = a.best()
                            log(f"[{tag}] {role} generation {a.generation}: {a.evaluations} evaluated, "
                                f"best {best.fitness if best else None} ({time.time() - t0:.0f} s)")

                    algo.run(lane.evaluate, on_generation)
                    best = algo.best()
                    lane_entry[role] = lane.describe(best.arch) if best and best.fitness is not None else None
                    lane_entry[role + "_evaluations"] = algo.evaluations
                per_size[str(lane.size)] = lane_entry
            if lane.sized:
                entry["sizes"] = per_size
            for role in ("search", "random"):
                found = [e for e in per_size.values() if role in e]
                if not found:
                    continue
                picks = [e[role] for e in found if e[role]]
                entry[role] = max(picks, key=_pick_order) if picks else None
                entry[role + "_evaluations"] = sum(e[role + "_evaluations"] for e in found)
            results["constraint_sets"][lim.name] = entry
        # the best over every scored Arch that fits (other sets' and the baseline's candidates count too)
        for lim in limits:
            fits = [lane.describe(a) for lane in lanes for a, r in lane.cache.items()
                    if r.get("fitness") is not None and lane.costs.satisfies(a, lim)]
            if fits:
                results["constraint_sets"][lim.name]["best"] = max(fits, key=_pick_order)
        results["seconds"] = time.time() - t0
        if info.is_main:
            for lane in lanes:
                lane.cache.save()
            _write_outputs(cfg, results, lanes, limits, out, space)
            log(f"results in {out}")
        D.barrier(info)
        return results
    finally:
        D.teardown()


def _scoring_preset(cfg: SearchConfig, template_size: int):
    """The preset candidates are tracked with: ``fitness.preset``, or the default at the template size."""
    return get_preset(cfg.fitness.preset) if cfg.fitness.preset else preset_for_template(template_size)


def _pick_order(pick: dict) -> tuple:
    """Highest fitness first; among equals the fewer MACs, then the name (deterministic)."""
    return (pick["fitness"], -pick["macs"], -pick.get("search_size", 0), pick["path"])


@dataclass
class _Lane:
    """One input size of the search: its cost table, fitness cache and evaluator."""

    size: int
    costs: Costs
    sized: bool  # search_sizes given: files and records name the size
    cache: Any = None
    evaluate: Any = None

    @property
    def folder(self) -> str:
        return f"{self.size}px" if self.sized else ""

    @property
    def cache_name(self) -> str:
        return f"fitness_cache_{self.size}px.json" if self.sized else "fitness_cache.json"

    def describe(self, arch: Arch) -> dict:
        pick = _describe_pick(arch, self.cache, self.costs)
        if self.sized:
            pick["search_size"] = self.size
        return pick


def _describe_pick(arch: Arch, cache, costs) -> dict:
    record = cache.get(arch) or {}
    c = costs.of(arch)
    return {"arch": arch.to_dict(), "path": str(arch), "fitness": record.get("fitness"), "ao": record.get("ao"),
            "sr50": record.get("sr50"), **c}


def _write_outputs(cfg: SearchConfig, results: dict, lanes: list, limits, out: Path, space) -> None:
    points = []
    for lane in lanes:
        for arch, record in lane.cache.items():
            if record.get("fitness") is None:
                continue
            points.append({"path": str(arch), "arch": arch.to_dict(), "fitness": record["fitness"], "ao": record.get("ao"),
                           "sr50": record.get("sr50"), **lane.costs.of(arch),
                           **({"search_size": lane.size} if lane.sized else {}),
                           "fits": [lim.name for lim in limits if lane.costs.satisfies(arch, lim)]})
    latency_runtimes = lanes[0].costs.latency_tables
    cost_keys = ["macs", "params"] + [f"latency_ms/{rt}" for rt in latency_runtimes]
    pareto = {"points": len(points), "fronts": {k: pareto_front(points, k) for k in cost_keys}}
    atomic_write_json(out / "pareto.json", pareto)
    atomic_write_json(out / "all_candidates.json", points)
    picks = {name: e["best"] for name, e in results["constraint_sets"].items() if e.get("best")}
    if cfg.plot:
        limit_lines: dict[str, list[float]] = {"macs": [], "params": []}
        for lim in limits:
            if lim.max_macs:
                limit_lines["macs"].append(lim.max_macs)
            if lim.max_params:
                limit_lines["params"].append(lim.max_params)
            if lim.max_latency_ms:
                limit_lines.setdefault(f"latency_ms/{lim.latency_runtime}", []).append(lim.max_latency_ms)
        plotted = plot_fronts(points, [k for k in cost_keys if k != "params"], out / "pareto.png", highlight=picks, limits=limit_lines)
        results["plot"] = str(plotted) if plotted else None
    for name, pick in picks.items():
        arch = Arch.from_dict(pick["arch"])
        arch_file = atomic_write_json(out / f"best_{name}.json", arch.to_dict())
        try:
            retrain = retrain_config(cfg, arch, arch_file, pick.get("search_size"))
            atomic_write_text(out / f"retrain_{name}.yaml", retrain)
            pick["retrain_config"] = str(out / f"retrain_{name}.yaml")
        except ConfigError as err:
            pick["retrain_config_error"] = str(err)
    atomic_write_json(out / "results.json", results)


def retrain_config(cfg: SearchConfig, arch: Arch, arch_file: Path | None = None, search_size: int | None = None) -> str:
    """A ``lighttrack train`` YAML for ``arch`` (validated by the training config loader); with a
    ``search_size`` (a pick of ``search_sizes``) the weights carry the search's scoring preset at that
    crop size, written beside ``arch_file``."""
    base: dict = {}
    if cfg.retrain.base:
        path = Path(cfg.retrain.base)
        if not path.is_file():
            raise ConfigError(f"config key 'retrain.base': {str(path)!r} does not exist")
        base = config.read_yaml(path)
    else:
        base = {"data": copy.deepcopy(cfg.data), "device": cfg.device, "threads": cfg.threads}
        base["train"] = {"freeze_backbone_epochs": 0 if not cfg.retrain.init_from_supernet else 10}
    try:
        arch_text = str(Arch.parse(str(arch)))
    except LightTrackError:
        arch_text = str(arch_file) if arch_file else arch.to_json()
    base["name"] = f"retrain_{cfg.name}_{hashlib.sha1(str(arch).encode()).hexdigest()[:8]}"
    base.pop("output_dir", None)
    model = dict(base.get("model") or {})
    model.update(kind="tracker", arch=arch_text)
    for key in ("output_positions", "depths", "head_layers"):  # supernet-only keys
        model.pop(key, None)
    if cfg.retrain.init_from_supernet and cfg.supernet:
        model["backbone_init"] = str(cfg.supernet)
    if search_size is not None and arch_file is not None:
        preset = at_search_size(_scoring_preset(cfg, int(cfg.data.get("template_size", 128))), search_size)
        preset_file = save_preset(preset, arch_file.with_name(arch_file.stem + f"_preset_{search_size}px.yaml"))
        model["preset"] = str(preset_file)
    base["model"] = model
    for key, value in cfg.retrain.overrides.items():
        apply_override(base, key, value)
    train_cfg = from_dict(copy.deepcopy(base))
    header = (f"# Retrain the architecture found by `lighttrack search` ({cfg.name}).\n"
              f"# arch: {arch}\n# lighttrack train THIS_FILE\n")
    return header + train_cfg.to_yaml()
