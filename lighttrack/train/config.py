"""Training configuration: typed dataclasses, YAML files and ``key=value`` overrides.

A config file is YAML whose keys mirror :class:`TrainConfig`, read by the one config system of
the package (:mod:`lighttrack.config`). Every key is checked: an unknown key or a value of the
wrong type raises :class:`~lighttrack.errors.ConfigError` naming the dotted key, before any work
starts. Overrides use dotted keys and YAML values, e.g. ``train.batch_size=8``,
``data.train.0.pairs=1000``, ``model.backbone_init=null``; data roots are written
``${LIGHTTRACK_DAVIS}`` and the like (:mod:`lighttrack.settings`).
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

import yaml

from lighttrack import config
from lighttrack.config import build
from lighttrack.errors import ConfigError
from lighttrack.space import SearchSpace
from lighttrack.tracker.presets import get_preset

MODEL_KINDS = ("tracker", "supernet", "backbone")  # the keys of train.actors.ACTORS (a test keeps them equal)
STRATEGIES = ("uniform", "constrained", "sandwich")


@dataclass
class SourceConfig:
    """One data set of the training mix."""

    format: str = "synthetic"
    root: Union[str, None] = None
    split: Union[str, None] = None
    pairs: Union[int, None] = None  # pairs per epoch drawn from this set (None: share by weight)
    weight: float = 1.0
    frame_range: int = 100  # search frame within +-frame_range of the template frame
    options: dict = field(default_factory=dict)  # extra keyword arguments of open_dataset


@dataclass
class DataConfig:
    train: list = field(default_factory=lambda: [SourceConfig()])  # list[SourceConfig]
    val: list = field(default_factory=list)  # list[SourceConfig], held-out sequences
    pairs_per_epoch: Union[int, None] = None  # None: the sum of the sources' pairs
    template_size: int = 128
    search_size: int = 256
    negative_prob: float = 0.0
    augment: dict = field(default_factory=dict)  # passed to the data layer's pair transform
    workers: int = 0
    image_size: int = 224  # backbone pretraining crops


@dataclass
class ModelConfig:
    kind: str = "tracker"  # tracker (one Arch) | supernet (search) | backbone (image pretraining)
    arch: str = "lighttrack-mobile"  # tracker: registry name, path string or Arch JSON
    output_positions: str = "paper"  # supernet: paper (8 stride-16) | official_code (12) | "ops_20,ops_30,…"
    depths: Union[list, None] = None  # supernet: blocks per searchable stage (default 2,4,4,4,4)
    head_layers: int = 8  # supernet: tower layers per head branch
    init: Union[str, None] = None  # checkpoint with full weights to start from, or a shipped model's name
    # batches (of train.batch_size pairs) that measure BatchNorm statistics for an init whose BNs
    # carry placeholders (BN folded into the convolutions: lighttrack-mobile-official); lighttrack.nn.bnfold
    unfold_batches: int = 8
    # supernet warm-started from a tracker: the BatchNorms of the blocks the tracker's own path runs
    # (inherited exactly) keep their statistics in training and recalibration, so that path computes
    # the tracker in every mode (lighttrack.nn.batchnorm.fix_statistics); the others train as usual
    fix_inherited_bn: bool = False
    backbone_init: Union[str, None] = None  # backbone weights (pretraining / supernet checkpoint)
    num_classes: Union[int, None] = None  # backbone pretraining: default = classes found in data
    dropout: float = 0.0  # backbone pretraining classifier dropout
    # tracker: the tracker preset final.pt carries (a name or a preset file); None: the default
    # preset cropping templates at data.template_size (``preset_for_template``)
    preset: Union[str, None] = None

    def search_space(self):
        """The SearchSpace a supernet of this config spans (small spaces serve tests and demos)."""
        if self.output_positions == "paper":
            positions = SearchSpace().output_positions
        elif self.output_positions == "official_code":
            positions = SearchSpace.official_code().output_positions
        else:
            items = [p.strip().removeprefix("ops_") for p in self.output_positions.split(",") if p.strip()]
            if not items or any(len(p) != 2 or not p.isdigit() for p in items):
                raise ConfigError(
                    f"config key 'model.output_positions' must be 'paper', 'official_code' or a list like "
                    f"'ops_20,ops_30', got {self.output_positions!r}"
                )
            positions = tuple((int(p[0]), int(p[1])) for p in items)
        depths = tuple(int(d) for d in self.depths) if self.depths is not None else SearchSpace().depths
        if len(depths) != 5 or min(depths) < 1:
            raise ConfigError(f"config key 'model.depths' must list 5 positive stage depths, got {self.depths!r}")
        if self.head_layers < 1:
            raise ConfigError(f"config key 'model.head_layers' must be at least 1, got {self.head_layers}")
        for stage, block in positions:
            if not (1 <= stage <= 3 and block < depths[stage]):
                raise ConfigError(f"config key 'model.output_positions': ops_{stage}{block} is not a block of stages 1-3")
        return SearchSpace(depths=depths, output_positions=positions, head_layers=self.head_layers)


@dataclass
class SamplingConfig:
    strategy: str = "uniform"  # uniform | constrained (uniform under limits) | sandwich
    max_params: Union[float, None] = None
    max_macs: Union[float, None] = None
    num_random: int = 2  # sandwich: random paths between the largest and the smallest
    distill: bool = True  # sandwich: in-place distillation from the largest path
    distill_weight: float = 1.0


@dataclass
class OptimConfig:
    epochs: int = 30  # epochs actually trained (the recipe's EARLY_STOP)
    schedule_epochs: int = 50  # length of the LR schedule
    steps_per_epoch: Union[int, None] = None  # None: pairs_per_epoch // (batch_size * world size)
    max_steps: Union[int, None] = None  # stop early (tests, smoke runs)
    # Wall-clock budget of the run, seconds (None: no limit). A fresh run first times a few steps
    # on its real data (then undoes them) and shrinks its whole schedule — epochs, warm-up and LR
    # decay alike — to the steps that fit, so a lent GPU hour ends on a finished schedule rather
    # than a cut one. The run also stops (and saves) if it is still going when the budget is spent.
    time_budget_s: Union[float, None] = None
    budget_probe_steps: int = 30  # steps timed to plan the budget (the first third is warm-up)
    batch_size: int = 32  # per process
    lr: float = 0.03
    lr_end: float = 1e-4
    warmup_lr: float = 0.01
    warmup_epochs: float = 5.0
    lr_per_step: bool = True
    momentum: float = 0.9
    nesterov: bool = False
    weight_decay: float = 1e-4
    no_decay_bn_bias: bool = False
    freeze_backbone_epochs: float = 10.0
    backbone_lr_mult: float = 0.1
    # "train": BatchNorm normalises with batch statistics (the recipe). "frozen": every BatchNorm
    # uses its running statistics and does not update them (its affine weights still train), so
    # training sees exactly what tracking sees — one crop normalised with fixed statistics. A
    # network trained from scratch with small batches can depend on batch statistics: fine-tune
    # it with "frozen" (after bn_recalibrate) before deploying.
    bn: str = "train"
    bn_recalibrate: int = 0  # batches of training pairs to recompute BN statistics on before step 0
    grad_clip: Union[float, None] = 10.0
    cls_weight: float = 1.0
    reg_weight: float = 1.2
    max_loss: float = 1e4  # steps with a larger (or non-finite) loss are skipped
    label_smoothing: float = 0.1  # backbone pretraining
    amp: Union[str, bool] = "auto"  # auto (CUDA only) | on | off (YAML reads bare on/off as booleans)


@dataclass
class DistillConfig:
    """Learning from a pretrained teacher tracker given as ONNX graphs (lighttrack.train.distill)."""

    # folder with the teacher's *backbone*.onnx and *head*.onnx (NanoTrack v2/v3), or one of our
    # TrackerNets: a checkpoint file or a shipped model's name (lighttrack-mobile-official)
    teacher: Union[str, None] = None
    feature_weight: float = 0.0  # backbone features via a learned 1x1 adapter (normalised squared error)
    cls_weight: float = 0.0  # classification map: BCE against the teacher's foreground probability
    box_weight: float = 0.0  # box distances: IoU loss where the teacher's probability >= box_min_prob
    box_min_prob: float = 0.5
    adapter_lr_mult: float = 10.0  # the 1x1 adapter starts at zero and learns at this x the head's rate
    grid: str = "exact"  # exact: the teacher's map must be ours | align: centre our crop in its canvas, match cells
    cache: Union[str, None] = None  # teacher outputs per pair (default runs/teacher_cache)
    threads: int = 1  # ONNX Runtime (or torch) threads of the teacher
    adapter_init: str = "zero"  # zero | identity (same-width adapters start as the identity: a teacher of our space)


@dataclass
class CheckpointConfig:
    every_steps: int = 500
    keep: int = 2  # step checkpoints kept besides last.pt


@dataclass
class LogConfig:
    tensorboard: bool = True
    progress: bool = True
    every_steps: int = 10


@dataclass
class TrainConfig:
    name: str = "experiment"
    output_dir: Union[str, None] = None  # default runs/<name>
    seed: int = 0
    device: str = "auto"  # auto | cpu | cuda | cuda:N
    threads: Union[int, None] = None  # torch CPU threads per process
    model: ModelConfig = field(default_factory=ModelConfig)
    sampling: SamplingConfig = field(default_factory=SamplingConfig)
    data: DataConfig = field(default_factory=DataConfig)
    train: OptimConfig = field(default_factory=OptimConfig)
    distill: DistillConfig = field(default_factory=DistillConfig)
    checkpoint: CheckpointConfig = field(default_factory=CheckpointConfig)
    log: LogConfig = field(default_factory=LogConfig)

    # ------------------------------------------------------------------ derived
    @property
    def out_dir(self) -> Path:
        return Path(self.output_dir) if self.output_dir else Path("runs") / self.name

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False)


# Keys that may change between a run and its resumption (everything else must match).
RESUMABLE_CHANGES = (
    "name",
    "output_dir",
    "device",
    "threads",
    "model.preset",
    "train.epochs",
    "train.max_steps",
    "train.time_budget_s",
    "train.budget_probe_steps",
    "data.workers",
    "data.val",
    "distill.teacher",  # the folder may move: the checkpoint checks the teacher's graphs by content
    "distill.cache",
    "distill.threads",
    "checkpoint.",
    "log.",
)

_LIST_ITEM_TYPES = {("data", "train"): SourceConfig, ("data", "val"): SourceConfig}


def _validate(cfg: TrainConfig) -> None:
    def bad(key: str, why: str) -> ConfigError:
        return ConfigError(f"config key {key!r} {why}")

    if cfg.model.kind not in MODEL_KINDS:
        raise bad("model.kind", f"must be one of {', '.join(MODEL_KINDS)}, got {cfg.model.kind!r}")
    if cfg.train.bn not in ("train", "frozen"):
        raise bad("train.bn", f"must be 'train' or 'frozen', got {cfg.train.bn!r}")
    if cfg.train.bn_recalibrate < 0:
        raise bad("train.bn_recalibrate", f"must be >= 0, got {cfg.train.bn_recalibrate}")
    if cfg.train.bn_recalibrate and cfg.model.kind != "tracker":
        raise bad("train.bn_recalibrate", "recalibrates one tracker network; a supernet's statistics belong to each path")
    if cfg.sampling.strategy not in STRATEGIES:
        raise bad("sampling.strategy", f"must be one of {', '.join(STRATEGIES)}, got {cfg.sampling.strategy!r}")
    if cfg.model.kind == "supernet":
        cfg.model.search_space()  # raises ConfigError naming the key
    if cfg.model.fix_inherited_bn and (cfg.model.kind != "supernet" or not cfg.model.init):
        raise bad("model.fix_inherited_bn", "fixes the statistics of the path a supernet inherits from a tracker: it needs "
                  "model.kind: supernet and a tracker as model.init")
    if isinstance(cfg.train.amp, bool):
        cfg.train.amp = "on" if cfg.train.amp else "off"
    if cfg.train.amp not in ("auto", "on", "off"):
        raise bad("train.amp", f"must be auto, on or off, got {cfg.train.amp!r}")
    for key, value in (
        ("train.epochs", cfg.train.epochs),
        ("train.batch_size", cfg.train.batch_size),
        ("checkpoint.every_steps", cfg.checkpoint.every_steps),
        ("log.every_steps", cfg.log.every_steps),
        ("data.template_size", cfg.data.template_size),
        ("data.search_size", cfg.data.search_size),
    ):
        if value <= 0:
            raise bad(key, f"must be positive, got {value}")
    for key, value in (("train.lr", cfg.train.lr), ("train.lr_end", cfg.train.lr_end), ("train.warmup_lr", cfg.train.warmup_lr)):
        if value <= 0:
            raise bad(key, f"must be positive, got {value}")
    if cfg.data.workers < 0:
        raise bad("data.workers", f"must be 0 (load in the training process) or more, got {cfg.data.workers}")
    if cfg.threads is not None and cfg.threads < 0:
        raise bad("threads", f"must be 0 (the default) or more, got {cfg.threads}")
    if cfg.model.preset is not None:
        try:
            get_preset(cfg.model.preset)
        except ConfigError as err:
            raise bad("model.preset", f"is not a usable preset: {err}") from None
    if cfg.train.time_budget_s is not None and cfg.train.time_budget_s <= 0:
        raise bad("train.time_budget_s", f"must be positive seconds, got {cfg.train.time_budget_s}")
    if cfg.train.budget_probe_steps < 3:
        raise bad("train.budget_probe_steps", f"must be >= 3, got {cfg.train.budget_probe_steps}")
    if cfg.train.schedule_epochs <= cfg.train.warmup_epochs:
        raise bad("train.schedule_epochs", f"must exceed train.warmup_epochs ({cfg.train.warmup_epochs}), got {cfg.train.schedule_epochs}")
    if cfg.model.kind != "backbone" and cfg.data.search_size % 16:
        raise bad("data.search_size", f"must be a multiple of 16, got {cfg.data.search_size}")
    if cfg.sampling.strategy == "constrained" and cfg.sampling.max_params is None and cfg.sampling.max_macs is None:
        raise bad("sampling.strategy", "'constrained' needs sampling.max_params and/or sampling.max_macs")
    if cfg.sampling.num_random < 0:
        raise bad("sampling.num_random", f"must be >= 0, got {cfg.sampling.num_random}")
    if not cfg.data.train:
        raise bad("data.train", "must list at least one data source")
    _validate_distill(cfg, bad)
    for i, src in enumerate(cfg.data.train):
        if src.pairs is not None and src.pairs <= 0:
            raise bad(f"data.train.{i}.pairs", f"must be positive, got {src.pairs}")
        if src.weight <= 0:
            raise bad(f"data.train.{i}.weight", f"must be positive, got {src.weight}")


def _validate_distill(cfg: TrainConfig, bad) -> None:
    d = cfg.distill
    weights = (("distill.feature_weight", d.feature_weight), ("distill.cls_weight", d.cls_weight), ("distill.box_weight", d.box_weight))
    for key, value in weights:
        if not value >= 0:  # also NaN
            raise bad(key, f"must be >= 0, got {value}")
    if d.teacher is None:
        used = [key for key, value in weights if value > 0]
        if used:
            raise bad(used[0], "needs distill.teacher (a folder with the teacher's backbone and head .onnx files)")
        return
    if cfg.model.kind not in ("tracker", "supernet"):
        raise bad("distill.teacher", f"distillation from a teacher trains a tracker or a supernet, not a {cfg.model.kind}")
    if d.adapter_init not in ("zero", "identity"):
        raise bad("distill.adapter_init", f"must be 'zero' or 'identity', got {d.adapter_init!r}")
    if d.grid not in ("exact", "align"):
        raise bad("distill.grid", f"must be 'exact' or 'align', got {d.grid!r}")
    if not 0.0 <= d.box_min_prob <= 1.0:
        raise bad("distill.box_min_prob", f"must be within [0, 1], got {d.box_min_prob}")
    if d.threads < 1:
        raise bad("distill.threads", f"must be >= 1, got {d.threads}")
    if not d.adapter_lr_mult > 0:
        raise bad("distill.adapter_lr_mult", f"must be positive, got {d.adapter_lr_mult}")


def from_dict(data: dict[str, Any]) -> TrainConfig:
    """A checked TrainConfig from a config tree (no file, no overrides)."""
    cfg = build(TrainConfig, data, item_types=_LIST_ITEM_TYPES)
    _validate(cfg)
    return cfg


def apply_override(data: dict[str, Any], key: str, value: Any) -> None:
    """Set a dotted key of a training config tree (sections missing from it come from the defaults)."""
    config.apply_override(data, key, value, TrainConfig().to_dict())


def load_config(path: str | os.PathLike | None = None, overrides: list[str] | tuple[str, ...] = ()) -> TrainConfig:
    """Read a YAML config (or start from defaults), apply overrides, expand the data roots, check
    every key and type (:mod:`lighttrack.config`, shared with the search and the demo)."""
    cfg = config.load(TrainConfig, path, overrides, item_types=_LIST_ITEM_TYPES)
    _validate(cfg)
    return cfg


def diff_keys(a: dict[str, Any], b: dict[str, Any], prefix: str = "") -> list[str]:
    """Dotted keys whose values differ between two config dicts."""
    out = []
    for key in sorted(set(a) | set(b)):
        where = f"{prefix}{key}"
        va, vb = a.get(key), b.get(key)
        if isinstance(va, dict) and isinstance(vb, dict):
            out.extend(diff_keys(va, vb, where + "."))
        elif va != vb:
            out.append(where)
    return out


def resume_conflicts(saved: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """Keys that differ and may not change when resuming."""
    if "distill" not in saved:  # checkpoints written before the distill section existed trained without a teacher
        saved = {**saved, "distill": dataclasses.asdict(DistillConfig())}
    return [k for k in diff_keys(saved, current) if not any(k == r or k.startswith(r) for r in RESUMABLE_CHANGES)]
