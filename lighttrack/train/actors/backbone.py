"""The actor of backbone-supernet pretraining (``model.kind: backbone``): image classification with
one uniformly sampled block choice per block per step (SPOS; ``lighttrack.train.pretrain``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from lighttrack.errors import ConfigError
from lighttrack.imaging import normalize_uint8
from lighttrack.nn.checkpoint import load_state_dict_strict, read_checkpoint, state_dict_of
from lighttrack.train import checkpoint as ckpt
from lighttrack.train.actors.base import Actor
from lighttrack.train.data import build_image_dataset
from lighttrack.train.pretrain import BackboneClassifier, sample_choices
from lighttrack.train.sampling import StepPaths, step_rng


class BackboneActor(Actor):
    """The backbone is the network being pretrained: never frozen, and it trains at the full rate."""

    kind = "backbone"

    def build_dataset(self) -> Any:
        return build_image_dataset(self.cfg)

    def classes(self) -> list[str]:
        return list(getattr(self.dataset, "classes", []))

    def make_model(self) -> nn.Module:
        num_classes = self.cfg.model.num_classes or len(getattr(self.dataset, "classes", [])) or None
        if not num_classes:
            raise ConfigError("config key 'model.num_classes' must be set (the data set does not list its classes)")
        return BackboneClassifier(num_classes, dropout=self.cfg.model.dropout)

    def load_model_init(self, model: nn.Module, path: str) -> None:
        data = read_checkpoint(path)
        load_state_dict_strict(model, data["model"] if "model" in data else state_dict_of(data))

    def freeze_epochs(self) -> float:
        return 0.0

    def backbone_lr(self, lr: float, frozen: bool) -> float:
        return lr

    def paths(self, step: int) -> StepPaths:
        return StepPaths((sample_choices(step_rng(self.cfg.seed, step), self.model.backbone.depths),))

    def inputs(self, batch: dict) -> tuple[torch.Tensor, ...]:
        return (normalize_uint8(batch["image"]),)

    def forward(self, net: nn.Module, inputs: tuple[torch.Tensor, ...], path: Any) -> Any:
        return net(inputs[0], path)

    def loss(self, out: Any, batch: dict, index: int, step_paths: StepPaths) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        logits = out.float()
        loss = F.cross_entropy(logits, batch["label"], label_smoothing=self.cfg.train.label_smoothing)
        return loss, {"ce": loss.detach(), "acc": (logits.argmax(1) == batch["label"]).float().mean()}

    def checkpoint_extras(self) -> dict[str, Any]:
        return {"classes": self.classes()}

    def write_products(self, out_dir: Path, meta: dict[str, Any]) -> dict[str, Path]:
        return {"backbone": ckpt.save_backbone(self.model.backbone, out_dir / "backbone.pt", classes=self.classes(), **meta)}
