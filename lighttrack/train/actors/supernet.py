"""The actor of the tracking supernet (``model.kind: supernet``): one or more sampled paths per step."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import torch
from torch import nn

from lighttrack.errors import CheckpointError
from lighttrack.models import weights_file
from lighttrack.nn.batchnorm import fix_statistics, fixed_batchnorm_names, used_batchnorms
from lighttrack.nn.checkpoint import FORMAT as TRACKERNET_FORMAT
from lighttrack.nn.checkpoint import read_checkpoint
from lighttrack.nn.inherit import format_report, inherit_from_child
from lighttrack.nn.net import SuperNet
from lighttrack.train import checkpoint as ckpt
from lighttrack.train.actors.base import TrackingActor
from lighttrack.train.losses import distillation_loss
from lighttrack.train.sampling import PathSampler, StepPaths, make_sampler


def space_text(space) -> str:
    return (f"depths {list(space.depths)}, outputs {', '.join('ops_%d%d' % p for p in space.output_positions)}, "
            f"{space.head_layers} head layers")


def is_tracker_checkpoint(data: dict[str, Any]) -> bool:
    """A one-path TrackerNet checkpoint: ``final.pt`` of a tracker run or a tracker training checkpoint."""
    return data.get("format") == TRACKERNET_FORMAT or (data.get("format") == ckpt.TRAIN_FORMAT and data.get("kind") == "tracker")


class SupernetActor(TrackingActor):
    """The weight-sharing SuperNet; its paths come from the sampling strategy (``sampling``), and with
    the sandwich rule's in-place distillation the first (largest) path teaches the others."""

    kind = "supernet"

    def __init__(self, cfg, info):
        super().__init__(cfg, info)
        self.sampler: PathSampler | None = None
        self._teacher: tuple[torch.Tensor, torch.Tensor] | None = None

    def make_model(self) -> nn.Module:
        return SuperNet(self.cfg.model.search_space(), self.cfg.data.template_size)

    def build_model(self, dataset: Any, load_init: bool, device: torch.device) -> nn.Module:
        model = super().build_model(dataset, load_init, device)
        self.sampler = make_sampler(model.space, self.cfg.sampling, self.cfg.seed)
        return model

    def load_model_init(self, model: nn.Module, path: str) -> None:
        """From a supernet of the same space, or warm-started from a trained tracker (a checkpoint
        file or a shipped model's registry name, e.g. ``lighttrack-mobile-official``)."""
        path = str(weights_file(path))
        data = read_checkpoint(path)
        if is_tracker_checkpoint(data):
            self.init_report = self.inherit_from_tracker(model, path, data)
            return
        source = ckpt.load_supernet(path)
        if source.space != model.space:
            raise CheckpointError(
                f"model.init {path!r} is a supernet of another search space ({space_text(source.space)}); this config's "
                f"supernet spans {space_text(model.space)} (model.depths / model.output_positions / model.head_layers)"
            )
        if source.template_size != model.template_size:
            raise CheckpointError(f"model.init {path!r} is a supernet for {source.template_size}-px templates, this config "
                                  f"uses data.template_size={model.template_size}: their fusion layers differ")
        model.load_state_dict(source.state_dict())

    def inherit_from_tracker(self, model: nn.Module, path: str, data: dict[str, Any]) -> dict[str, dict[str, int]]:
        """Warm-start the supernet from a trained one-path tracker (``lighttrack.nn.inherit``)."""
        child_arch, child, unfolded = self.inheritance_source(path, data, model.space)
        report = inherit_from_child(model, child)
        if self.cfg.model.fix_inherited_bn:
            z = torch.zeros(1, 3, model.template_size, model.template_size)
            x = torch.zeros(1, 3, self.cfg.data.search_size, self.cfg.data.search_size)
            was = model.training
            model.eval()
            fix_statistics(used_batchnorms(model, lambda: model(z, x, child_arch)))
            model.train(was)
        if self.info.is_main:
            note = f" ({unfolded} BatchNorms unfolded first)" if unfolded else ""
            fixed = f"; {len(fixed_batchnorm_names(model))} BatchNorms of its path keep fixed statistics" if self.cfg.model.fix_inherited_bn else ""
            print(f"model.init: supernet warm-started from tracker {child_arch}{note}: {format_report(report)}{fixed}",
                  file=sys.stderr, flush=True)
        return report

    def paths(self, step: int) -> StepPaths:
        return self.sampler.paths(step)

    def run(self, net: nn.Module, z: torch.Tensor, x: torch.Tensor, path: Any) -> tuple[torch.Tensor, torch.Tensor]:
        return net(z, x, path)

    def extra_loss(self, loss: torch.Tensor, terms: dict, cls: torch.Tensor, reg: torch.Tensor, batch: dict,
                   index: int, step_paths: StepPaths) -> torch.Tensor:
        # in-place distillation: path 0 of a sandwich step is the teacher of the step's other paths
        if index == 0:
            self._teacher = None
        if step_paths.teacher and index == 0:
            self._teacher = (cls.detach(), reg.detach())
        elif self._teacher is not None:
            kd, kd_terms = distillation_loss(cls, reg, self._teacher[0], self._teacher[1], batch["reg_weight"], self.cfg.train.reg_weight)
            loss = loss + self.cfg.sampling.distill_weight * kd
            terms.update(kd_terms)
        return loss

    def checkpoint_extras(self) -> dict[str, Any]:
        return {
            "space": ckpt.space_to_dict(self.model.space),
            "sampler": self.sampler.state_dict(),  # paths are a pure function of (seed, step)
        }

    def write_products(self, out_dir: Path, meta: dict[str, Any]) -> dict[str, Path]:
        return {"supernet": ckpt.save_supernet(self.model, out_dir / "supernet.pt", **meta)}
