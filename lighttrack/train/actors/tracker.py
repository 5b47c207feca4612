"""The actor of a fixed tracker (``model.kind: tracker``): one TrackerNet, trained or retrained."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from lighttrack.models import resolve_arch, weights_file
from lighttrack.nn.checkpoint import load_state_dict_strict, read_checkpoint, save_trackernet, state_dict_of
from lighttrack.nn.inherit import format_report, inherit_from_child
from lighttrack.nn.net import SuperNet, TrackerNet, extract
from lighttrack.space import SearchSpace
from lighttrack.tracker.presets import get_preset, preset_for_template
from lighttrack.train import checkpoint as ckpt
from lighttrack.train.actors.base import TrackingActor
from lighttrack.train.sampling import StepPaths


class TrackerActor(TrackingActor):
    """One network, one path (``None``); DistributedDataParallel keeps the ranks together."""

    kind = "tracker"

    def identity(self) -> dict[str, Any]:
        return {"kind": self.kind, "arch": str(resolve_arch(self.cfg.model.arch))}

    def make_model(self) -> nn.Module:
        self.arch = resolve_arch(self.cfg.model.arch)
        return TrackerNet(self.arch, self.cfg.data.template_size)

    def load_model_init(self, model: nn.Module, path: str) -> None:
        """From a supernet (the architecture's path extracted), a tracker of the same architecture (a
        checkpoint file or a shipped model's registry name), or a tracker of another architecture of the
        same space (its weights inherited block by block, as a supernet inherits them). BatchNorms with
        placeholder statistics (a BN-folded conversion) are unfolded on training pairs first
        (``Actor.unfold_init``)."""
        path = str(weights_file(path))
        data = read_checkpoint(path)
        if data.get("format") in (ckpt.SUPERNET_FORMAT,) or (data.get("format") == ckpt.TRAIN_FORMAT and data.get("kind") == "supernet"):
            source = ckpt.load_supernet(path)
            model.load_state_dict(extract(source, self.arch).state_dict())
        elif isinstance(data.get("arch"), str) and data["arch"] != str(self.arch):
            self.inherit_from_other_tracker(model, path, data)
            return
        else:
            load_state_dict_strict(model, data["model"] if data.get("format") == ckpt.TRAIN_FORMAT else state_dict_of(data))
        unfolded = self.unfold_init(model, path)
        if unfolded and self.info.is_main:
            print(f"model.init: {unfolded} BatchNorms with placeholder statistics unfolded on training pairs "
                  f"(eval-mode function kept; lighttrack.nn.bnfold)", file=sys.stderr, flush=True)

    def inherit_from_other_tracker(self, model: nn.Module, path: str, data: dict[str, Any]) -> None:
        """The weights a path of the search space inherits from a trained tracker of another path:
        through a supernet warm-started from it (``lighttrack.nn.inherit``), then this path extracted.
        Blocks the source lacks start as the supernet's fresh ones; ``train.bn_recalibrate`` measures
        their statistics."""
        source_arch, source, unfolded = self.inheritance_source(path, data, None, self.arch)
        space = SearchSpace(depths=source_arch.depths)
        torch.manual_seed(self.cfg.seed)  # the fresh blocks
        supernet = SuperNet(space, self.cfg.data.template_size)
        report = inherit_from_child(supernet, source)
        model.load_state_dict(extract(supernet, self.arch).state_dict())
        if self.info.is_main:
            note = f" ({unfolded} BatchNorms unfolded first)" if unfolded else ""
            print(f"model.init: {self.arch} inherits from tracker {source_arch}{note}: {format_report(report)}",
                  file=sys.stderr, flush=True)

    def load_backbone_init(self, model: nn.Module, state: dict[str, torch.Tensor], source: str) -> None:
        ckpt.load_backbone_into_tracker(model.backbone, self.arch, state, source)

    def paths(self, step: int) -> StepPaths:
        return StepPaths((None,))

    def run(self, net: nn.Module, z: torch.Tensor, x: torch.Tensor, path: Any) -> tuple[torch.Tensor, torch.Tensor]:
        return net(z, x)

    def path_modules(self, path: Any) -> list[nn.Module]:
        return [self.model]

    def wrap(self, device: torch.device) -> nn.Module | None:
        # DDP registers the trainable parameters when it is built, hence a new one on (un)freezing;
        # it syncs the buffers (BN statistics) from rank 0 on each forward.
        if not self.info.enabled:
            return None
        ids = [device.index] if device.type == "cuda" else None
        return DistributedDataParallel(self.model, device_ids=ids)

    def sync_grads(self) -> None:
        pass  # DDP averaged them during backward

    def sync_buffers(self, step_paths: StepPaths) -> None:
        pass  # DDP broadcasts them on the next forward

    def checkpoint_extras(self) -> dict[str, Any]:
        return {"arch": str(self.arch)}

    def write_products(self, out_dir: Path, meta: dict[str, Any]) -> dict[str, Path]:
        # the tracker that loads final.pt crops templates at the size this network trained on,
        # unless the config names the preset to carry
        chosen = self.cfg.model.preset
        preset = (get_preset(chosen) if chosen else preset_for_template(self.cfg.data.template_size)).to_dict()
        return {"trackernet": save_trackernet(self.model, out_dir / "final.pt", preset=preset, **meta)}
