"""What a kind of model brings to the training loop: the :class:`Actor` interface.

The trainer (``lighttrack.train.trainer``) owns everything that is the same for every kind of
model: the schedule, the optimizer, mixed precision, skipping bad steps, clipping, distributed
averaging, checkpoints, resume, time budgets and logging. An actor owns what depends on the kind
(in the spirit of pytracking's actors, which hand a network's forward pass and losses to a
generic trainer):

- **construction**: the data set, the network and its starting weights (``model.init``,
  ``model.backbone_init``), the identity a resume checkpoint must match;
- **a step**: its paths (:class:`~lighttrack.train.sampling.StepPaths`), the inputs taken from a
  batch, the forward pass of one path and its losses, the modules one path runs;
- **distributed runs**: how gradients and buffers meet across ranks;
- **the learning rate** of the backbone group and how long the backbone stays frozen;
- **the products**: what ``last.pt`` holds for this kind and the files a finished run writes.

The default methods here are those of a weight-sharing supernet, which runs one path of itself
per forward pass: its gradients are all-reduced as one flat buffer and the buffers of the step's
paths are broadcast from rank 0 after the update.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import torch
from torch import nn

from lighttrack.arch import Arch
from lighttrack.errors import ArchError, CheckpointError
from lighttrack.imaging import normalize_uint8
from lighttrack.models import build
from lighttrack.nn.batchnorm import calibration_batches
from lighttrack.nn.bnfold import placeholder_batchnorms, unfold_batchnorms
from lighttrack.nn.net import correlation_channels
from lighttrack.space import SearchSpace
from lighttrack.train import checkpoint as ckpt
from lighttrack.train import distributed as D
from lighttrack.train.config import TrainConfig
from lighttrack.train.data import build_pair_dataset
from lighttrack.train.distill import Distiller, build_distiller
from lighttrack.train.losses import tracking_loss
from lighttrack.train.sampling import StepPaths


class Actor:
    """One kind of model in the training loop (see the module docstring)."""

    kind: ClassVar[str]

    def __init__(self, cfg: TrainConfig, info: D.DistInfo):
        self.cfg = cfg
        self.info = info
        self.dataset: Any = None
        self.model: nn.Module | None = None
        self.distiller: Distiller | None = None
        # what a warm start from another kind of checkpoint took over (``lighttrack.nn.inherit``)
        self.init_report: dict[str, dict[str, int]] | None = None

    # ------------------------------------------------------------------ construction
    def identity(self) -> dict[str, Any]:
        """What a resume checkpoint must have been made for (read before the model is built)."""
        return {"kind": self.kind}

    def build_dataset(self) -> Any:
        raise NotImplementedError

    def make_model(self) -> nn.Module:
        """The network with its initial (random) weights."""
        raise NotImplementedError

    def build_model(self, dataset: Any, load_init: bool, device: torch.device) -> nn.Module:
        """Build the network, load its starting weights (not when resuming) and move it to ``device``."""
        self.dataset = dataset
        model = self.make_model()
        if load_init:
            self.load_init(model)
        self.model = model.to(device)
        return self.model

    def load_init(self, model: nn.Module) -> None:
        """``model.init`` (a whole checkpoint), then ``model.backbone_init`` (a backbone supernet)."""
        cfg = self.cfg
        if cfg.model.init:
            self.load_model_init(model, cfg.model.init)
        if cfg.model.backbone_init:
            state = ckpt.backbone_supernet_state(cfg.model.backbone_init)
            with torch.no_grad():
                self.load_backbone_init(model, state, repr(cfg.model.backbone_init))

    def load_model_init(self, model: nn.Module, path: str) -> None:
        raise NotImplementedError

    def load_backbone_init(self, model: nn.Module, state: dict[str, torch.Tensor], source: str) -> None:
        ckpt.load_backbone_into_supernet(model.backbone, state, source)

    def unfold_init(self, net: nn.Module, source: str) -> int:
        """Unfold the BatchNorms of a starting TrackerNet whose statistics are placeholders (a
        BN-folded conversion such as ``lighttrack-mobile-official``): measured on the first
        ``model.unfold_batches`` batches of training pairs, eval-mode function kept
        (``lighttrack.nn.bnfold``). Without it, train-mode BatchNorm, ``train.bn_recalibrate`` and the
        search's recalibration would each leave the function the weights were trained for. Returns
        how many BNs changed (0: nothing to do)."""
        if not placeholder_batchnorms(net):
            return 0
        n = self.cfg.model.unfold_batches
        if n < 1:
            raise CheckpointError(
                f"model.init {source!r} holds BatchNorms with placeholder statistics (mean 0, variance 1: folded "
                "weights) and model.unfold_batches is 0: they would not compute its function in train mode or after "
                "recalibration; set model.unfold_batches >= 1"
            )
        batches = calibration_batches(self.dataset, n, self.cfg.train.batch_size)
        return len(unfold_batchnorms(net, batches))

    def build_distiller(self, device: torch.device, checked=None) -> Distiller | None:
        """The teacher (config section ``distill``); None without ``distill.teacher``. ``build_distiller``
        refuses the kinds a teacher cannot train; ``checked``: the trainer's early ``check_teacher``."""
        self.distiller = build_distiller(self.cfg, self.model, device, checked)
        return self.distiller

    # ------------------------------------------------------------------ schedule
    def freeze_epochs(self) -> float:
        """Epochs the backbone stays frozen at the start (before a time budget scales them)."""
        return self.cfg.train.freeze_backbone_epochs

    def backbone_lr(self, lr: float, frozen: bool) -> float:
        """The backbone group's learning rate when the head's is ``lr``."""
        return 0.0 if frozen else lr * self.cfg.train.backbone_lr_mult

    # ------------------------------------------------------------------ a step
    def paths(self, step: int) -> StepPaths:
        """The paths of step ``step``: a pure function of ``(seed, step)``."""
        raise NotImplementedError

    def inputs(self, batch: dict) -> tuple[torch.Tensor, ...]:
        """The network's inputs from a batch already on the device; the last one's first dimension
        counts the samples."""
        raise NotImplementedError

    def forward(self, net: nn.Module, inputs: tuple[torch.Tensor, ...], path: Any) -> Any:
        """The forward pass of one path (under the trainer's autocast); ``net`` is the model or its
        DDP wrapper."""
        raise NotImplementedError

    def loss(self, out: Any, batch: dict, index: int, step_paths: StepPaths) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """The loss of path ``index`` of the step (outside autocast) and its logged terms."""
        raise NotImplementedError

    def path_modules(self, path: Any) -> list[nn.Module]:
        """The modules one path runs (their buffers are what a step changes)."""
        return self.model.path_modules(path)

    # ------------------------------------------------------------------ distributed runs
    def wrap(self, device: torch.device) -> nn.Module | None:
        """A DistributedDataParallel wrapper to run the forward pass through, built again whenever the
        trainable parameters change (backbone frozen / unfrozen); None: the model runs as it is."""
        return None

    def sync_grads(self) -> None:
        """After every path's backward: average the gradients across ranks."""
        D.allreduce_grads(list(self.model.parameters()), self.info)

    def sync_buffers(self, step_paths: StepPaths) -> None:
        """After the update: make the BatchNorm statistics the step changed equal on every rank."""
        if self.info.enabled:
            mods: list[nn.Module] = []
            for path in step_paths.paths:
                mods.extend(self.path_modules(path))
            D.broadcast_buffers(mods, self.info)

    # ------------------------------------------------------------------ products
    def checkpoint_extras(self) -> dict[str, Any]:
        """What ``last.pt`` holds for this kind besides the trainer's own keys."""
        return {}

    def write_products(self, out_dir: Path, meta: dict[str, Any]) -> dict[str, Path]:
        """The files a finished run leaves (rank 0 only)."""
        raise NotImplementedError


class TrackingActor(Actor):
    """A tracking network trained on (template, search) pairs with the recipe's loss: the fixed
    TrackerNet and the tracking SuperNet.

    A teacher's distillation terms (``lighttrack.train.distill``) are tracking losses too, so they
    are added here: the forward pass records what the teacher's feature term needs and the loss
    adds the teacher's terms after the recipe's. The adapter they train is the trainer's business
    (its optimizer group, checkpoint state and gradients); ``build_distiller`` accepts both kinds
    (a supernet gets one adapter per output width of its paths).
    """

    def build_dataset(self) -> Any:
        return build_pair_dataset(self.cfg, progress=False)

    def inputs(self, batch: dict) -> tuple[torch.Tensor, ...]:
        return normalize_uint8(batch["template"]), normalize_uint8(batch["search"])

    def inheritance_source(self, path: str, data: dict[str, Any], space: SearchSpace | None,
                           path_arch: Arch | None = None) -> tuple[Arch, nn.Module, int]:
        """The trained one-path tracker at ``path`` that a supernet of ``space`` inherits from
        (``lighttrack.nn.inherit``), checked before any work: its architecture in ``space`` (None: the
        space of the source's own depths) and ``path_arch`` too where one path of that supernet is what
        inherits, its fusion layers made for this config's template size; then built, its placeholder
        BatchNorm statistics unfolded. Returns (its architecture, the network, how many BNs were unfolded)."""
        if not isinstance(data.get("arch"), str):
            raise CheckpointError(f"model.init {path!r} is a tracker checkpoint that does not say its architecture")
        try:
            arch = Arch.parse(data["arch"])
            space = space or SearchSpace(depths=arch.depths)
            space.check(arch)
        except ArchError as err:
            raise CheckpointError(
                f"model.init {path!r}: its tracker {data['arch']} cannot warm-start this supernet: {err} "
                "(set model.depths / model.output_positions / model.head_layers to a space that contains it)"
            ) from None
        if path_arch is not None:
            try:
                space.check(path_arch)
            except ArchError as err:
                raise CheckpointError(f"model.init {path!r} was made for {arch}; {path_arch} cannot inherit from it: {err}") from None
        template_size = int(data.get("template_size", self.cfg.data.template_size))
        if correlation_channels(template_size, arch.stride) != correlation_channels(self.cfg.data.template_size, arch.stride):
            raise CheckpointError(
                f"model.init {path!r} was trained with {template_size}-px templates, this config uses "
                f"data.template_size={self.cfg.data.template_size}: their fusion layers differ"
            )
        net = build(arch, path, template_size)
        return arch, net, self.unfold_init(net, path)

    def run(self, net: nn.Module, z: torch.Tensor, x: torch.Tensor, path: Any) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError

    def forward(self, net: nn.Module, inputs: tuple[torch.Tensor, ...], path: Any) -> Any:
        z, x = inputs
        if self.distiller is None:
            return (*self.run(net, z, x, path), [])
        with self.distiller.watch(self.model) as seen:
            cls, reg = self.run(net, z, x, path)
        return cls, reg, seen

    def loss(self, out: Any, batch: dict, index: int, step_paths: StepPaths) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        cls, reg, seen = out
        cls, reg = cls.float(), reg.float()
        loss, terms = tracking_loss(cls, reg, batch, self.cfg.train.cls_weight, self.cfg.train.reg_weight)
        loss = self.extra_loss(loss, terms, cls, reg, batch, index, step_paths)
        if self.distiller is not None:
            kd, kd_terms = self.distiller.loss(batch, cls, reg, seen)
            if kd is not None:
                loss = loss + kd
            terms.update(kd_terms)
        return loss, terms

    def extra_loss(self, loss: torch.Tensor, terms: dict, cls: torch.Tensor, reg: torch.Tensor, batch: dict,
                   index: int, step_paths: StepPaths) -> torch.Tensor:
        """Terms of this kind added to the recipe's loss (``terms`` takes their logged values)."""
        return loss
