"""TrackerNet (one architecture), SuperNet (all of them) and ``extract`` between the two.

The per-frame path is split from the template path: ``template(z)`` runs once per target and
``track(zf, x)`` runs per frame, so a deployed tracker never recomputes the template.
"""

from __future__ import annotations

import torch
from torch import nn

from lighttrack.arch import STAGE_CHANNELS, Arch
from lighttrack.errors import InputError
from lighttrack.nn.backbone import Backbone, SuperBackbone
from lighttrack.nn.batchnorm import fix_statistics, has_fixed_statistics
from lighttrack.nn.head import FUSION_CHANNELS, Branch, SuperBranch
from lighttrack.nn.ops import Fusion, Neck, init_weights
from lighttrack.space import SearchSpace

TEMPLATE_SIZE = 128


def correlation_channels(template_size: int, stride: int) -> int:
    """Template feature positions = correlation channels (64 at stride 16 for 127/128 crops)."""
    side = round(template_size / stride)
    return side * side


def _check_image(name: str, x: torch.Tensor) -> None:
    if not isinstance(x, torch.Tensor) or x.dim() != 4 or x.shape[1] != 3:
        shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        raise InputError(f"{name} must be a (B, 3, H, W) float tensor, got {shape}")


class TrackerNet(nn.Module):
    """A standalone tracker network for one Arch."""

    def __init__(self, arch: Arch, template_size: int = TEMPLATE_SIZE):
        super().__init__()
        self.arch = arch
        self.template_size = template_size
        self.stride = arch.stride
        self.backbone = Backbone(arch)
        self.neck = Neck(arch.out_channels)
        self.fusion = Fusion(correlation_channels(template_size, self.stride), FUSION_CHANNELS)
        self.cls_head = Branch("cls", arch.cls, self.stride)
        self.reg_head = Branch("reg", arch.reg, self.stride)
        init_weights(self)

    @property
    def template_feature_size(self) -> int:
        return round(self.template_size / self.stride)

    def template(self, z: torch.Tensor) -> torch.Tensor:
        """Backbone feature of the template crop (before the neck BN), e.g. (B, 96, 8, 8)."""
        _check_image("template", z)
        zf = self.backbone(z)
        side = self.template_feature_size
        if zf.shape[-2:] != (side, side):
            raise InputError(
                f"template of {tuple(z.shape[-2:])} px gives a {tuple(zf.shape[-2:])} feature map; this network "
                f"needs {side}x{side} (template crops of {self.template_size - 1} or {self.template_size} px)"
            )
        return zf

    def track(self, zf: torch.Tensor, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(cls logits (B,1,S,S) already x0.1, ltrb distances (B,4,S,S) in search-patch pixels)."""
        fused = self.fused(zf, x)
        return self.cls_head(fused), self.reg_head(fused)

    def fused(self, zf: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """The template/search feature both heads read, (B, 128, S, S): what a head-only
        fine-tune (experiments/tools/finetune_reg_head.py) computes once per training pair."""
        _check_image("search", x)
        if x.shape[-1] % self.stride or x.shape[-2] % self.stride:
            raise InputError(f"search image side must be a multiple of {self.stride}, got {tuple(x.shape[-2:])}")
        expected = (self.arch.out_channels, self.template_feature_size, self.template_feature_size)
        if zf.dim() != 4 or tuple(zf.shape[1:]) != expected:
            raise InputError(f"template feature must be (B, {', '.join(map(str, expected))}), got {tuple(zf.shape)}")
        xf = self.backbone(x)
        return self.fusion(self.neck.bn_z(zf), self.neck.bn_x(xf))

    def forward(self, z: torch.Tensor, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.track(self.template(z), x)


class SuperNet(nn.Module):
    """Every candidate of a SearchSpace; ``supernet(z, x, arch)`` runs exactly that path.

    Modules that depend on the output position are kept per position kind: one neck (BN pair)
    per output stage, one fusion module per output stride.
    """

    def __init__(self, space: SearchSpace | None = None, template_size: int = TEMPLATE_SIZE):
        super().__init__()
        self.space = space or SearchSpace()
        self.template_size = template_size
        stages = sorted({s for s, _ in self.space.output_positions})
        strides = sorted({self.space.stride_of(s) for s in stages})
        self.backbone = SuperBackbone(self.space.depths, num_stages=max(stages) + 1)
        self.necks = nn.ModuleDict({str(s): Neck(STAGE_CHANNELS[s]) for s in stages})
        self.fusions = nn.ModuleDict(
            {str(st): Fusion(correlation_channels(template_size, st), FUSION_CHANNELS) for st in strides}
        )
        self.cls_head = SuperBranch("cls", self.space.head_layers)
        self.reg_head = SuperBranch("reg", self.space.head_layers)
        init_weights(self)

    def _check(self, arch: Arch) -> None:
        self.space.check(arch)

    def path_modules(self, arch: Arch) -> list[nn.Module]:
        """Every module on the path of ``arch`` (used by tests and BN recalibration)."""
        self._check(arch)
        return [
            *self.backbone.path_modules(arch),
            self.necks[str(arch.out_stage)],
            self.fusions[str(arch.stride)],
            *self.cls_head.path_modules(arch.cls),
            *self.reg_head.path_modules(arch.reg),
        ]

    def template(self, z: torch.Tensor, arch: Arch) -> torch.Tensor:
        _check_image("template", z)
        self._check(arch)
        return self.backbone(z, arch)

    def track(self, zf: torch.Tensor, x: torch.Tensor, arch: Arch) -> tuple[torch.Tensor, torch.Tensor]:
        _check_image("search", x)
        neck = self.necks[str(arch.out_stage)]
        xf = self.backbone(x, arch)
        fused = self.fusions[str(arch.stride)](neck.bn_z(zf), neck.bn_x(xf))
        return self.cls_head(fused, arch.cls), self.reg_head(fused, arch.reg, arch.stride)

    def forward(self, z: torch.Tensor, x: torch.Tensor, arch: Arch) -> tuple[torch.Tensor, torch.Tensor]:
        return self.track(self.template(z, arch), x, arch)


def extract(supernet: SuperNet, arch: Arch) -> TrackerNet:
    """A standalone TrackerNet for ``arch`` carrying the supernet's weights (and BN statistics, and
    the marks of BNs with fixed statistics, ``lighttrack.nn.batchnorm.fix_statistics``)."""
    supernet.space.check(arch)
    net = TrackerNet(arch, supernet.template_size)
    sb, nb = supernet.backbone, net.backbone
    pairs = [(nb.stem, sb.stem), (nb.stages[0][0], sb.stages[0][0])]
    pairs += [(nb.stages[s + 1][b], sb.stages[s + 1][b][c]) for s, b, c in arch.used_blocks()]
    pairs += [(net.neck, supernet.necks[str(arch.out_stage)]), (net.fusion, supernet.fusions[str(arch.stride)])]
    for branch, super_branch, head in ((net.cls_head, supernet.cls_head, arch.cls), (net.reg_head, supernet.reg_head, arch.reg)):
        *tower, predictor = super_branch.path_modules(head)
        pairs += list(zip(branch.tower, tower, strict=True)) + [(branch.predictor, predictor)]
    for target, source in pairs:
        target.load_state_dict(source.state_dict())
        for t, s in zip(target.modules(), source.modules(), strict=True):
            if has_fixed_statistics(s):
                fix_statistics([t])
    return net.train(supernet.training)
