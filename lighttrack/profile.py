"""Parameters, multiply-accumulates and latency of trackers.

Conventions (spec lighttrack.md §9):
- **paper MACs**: the per-frame search branch only — a search image plus the cached template
  feature; the template branch is excluded and the correlation matmul is not counted (thop
  never saw it). Convolutions and linear layers are counted with PyTorch's own
  ``torch.utils.flop_counter`` (which reports 2 FLOPs per MAC).
- **thop-style MACs**: paper MACs plus what thop adds for BatchNorm (2 per output element) and
  adaptive average pooling (window size + 1 per output element). FlopCounterMode does not see
  those ops, so they are counted with forward hooks.
- **params**: every learnable weight of the TrackerNet (BN running statistics excluded).
"""

from __future__ import annotations

import statistics
import time
from dataclasses import asdict, dataclass
from typing import Callable

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from lighttrack.arch import Arch
from lighttrack.nn.net import SuperNet
from lighttrack.space import SearchSpace

_CONV_OPS = ("convolution", "addmm", "mm", "linear")


def count_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def _split_flops(counter: FlopCounterMode) -> tuple[int, int]:
    """(conv+linear FLOPs, batched-matmul FLOPs) from a finished FlopCounterMode."""
    counts = counter.get_flop_counts().get("Global", {})
    conv = sum(v for k, v in counts.items() if any(str(k).split(".")[1].startswith(op) for op in _CONV_OPS))
    bmm = sum(v for k, v in counts.items() if str(k).split(".")[1].startswith("bmm"))
    return conv, bmm


def _thop_extra_hooks(module: nn.Module, total: list[int]) -> list:
    """Forward hooks adding thop's BN and adaptive-pool counts into ``total[0]``."""

    def bn_hook(m, inputs, output):
        total[0] += (2 if m.affine else 1) * output.numel()

    def pool_hook(m, inputs, output):
        window = (inputs[0].shape[-2] // output.shape[-2]) * (inputs[0].shape[-1] // output.shape[-1])
        total[0] += (window + 1) * output.numel()

    handles = []
    for m in module.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            handles.append(m.register_forward_hook(bn_hook))
        elif isinstance(m, nn.AdaptiveAvgPool2d):
            handles.append(m.register_forward_hook(pool_hook))
    return handles


@dataclass(frozen=True)
class OpCount:
    macs: int  # convolutions and linear layers
    thop_macs: int  # plus BN and adaptive pooling the way thop counts them
    matmul_macs: int  # the correlation's batched matmul (not in either convention)


def count_ops(fn: Callable[[], object], module: nn.Module) -> OpCount:
    """Run ``fn()`` once under FlopCounterMode, with thop-style hooks on ``module``."""
    extra = [0]
    handles = _thop_extra_hooks(module, extra)
    try:
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            fn()
    finally:
        for h in handles:
            h.remove()
    conv, bmm = _split_flops(counter)
    return OpCount(conv // 2, conv // 2 + extra[0], bmm // 2)


@dataclass(frozen=True)
class Profile:
    arch: str
    search_size: int
    params: int
    macs: int
    thop_macs: int
    correlation_macs: int
    template_macs: int
    latency_ms: dict | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def _inputs(net, search_size: int, device: str) -> tuple[torch.Tensor, torch.Tensor]:
    z = torch.randn(1, 3, net.template_size, net.template_size, device=device)
    x = torch.randn(1, 3, search_size, search_size, device=device)
    return z, x


def profile_net(net, search_size: int = 256, latency_runs: int = 0, warmup: int = 10, device: str = "cpu") -> Profile:
    """Count parameters and MACs of a TrackerNet, and optionally time its per-frame path."""
    net = net.to(device).eval()
    z, x = _inputs(net, search_size, device)
    with torch.no_grad():
        zf = net.template(z)
    frame = count_ops(lambda: net.track(zf, x), net)
    template = count_ops(lambda: net.template(z), net)
    latency = None
    if latency_runs:
        with torch.no_grad():
            latency = measure_latency(lambda: net.track(zf, x), runs=latency_runs, warmup=warmup, device=device)
    return Profile(
        arch=str(net.arch),
        search_size=search_size,
        params=count_params(net),
        macs=frame.macs,
        thop_macs=frame.thop_macs,
        correlation_macs=frame.matmul_macs,
        template_macs=template.macs,
        latency_ms=latency,
    )


def measure_latency(fn: Callable[[], object], runs: int = 50, warmup: int = 10, device: str = "cpu") -> dict:
    """Median and spread (ms) of ``runs`` timed calls after ``warmup`` untimed ones."""
    sync = torch.cuda.synchronize if str(device).startswith("cuda") else (lambda: None)
    for _ in range(warmup):
        fn()
    sync()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        sync()
        times.append((time.perf_counter() - start) * 1000.0)
    times.sort()
    q = lambda p: times[min(len(times) - 1, int(round(p * (len(times) - 1))))]  # noqa: E731
    return {
        "runs": runs,
        "median": statistics.median(times),
        "mean": statistics.fmean(times),
        "stdev": statistics.stdev(times) if runs > 1 else 0.0,
        "p10": q(0.10),
        "p90": q(0.90),
        "min": times[0],
        "max": times[-1],
    }


class CostTable:
    """Exact params and paper MACs of any Arch of a space, without building it.

    Every module of the supernet is counted once at the input shape it sees on a path; an
    Arch's cost is then the sum over its path. The same keys serve the latency lookup table.
    """

    def __init__(self, entries: dict[tuple, tuple[int, int]], search_size: int, space: SearchSpace):
        self.entries = entries
        self.search_size = search_size
        self.space = space

    @classmethod
    def build(cls, space: SearchSpace | None = None, search_size: int = 256, template_size: int = 128) -> CostTable:
        space = space or SearchSpace()
        supernet = SuperNet(space, template_size).eval()
        entries: dict[tuple, tuple[int, int]] = {}

        def record(key, module, *inputs):
            cost = count_ops(lambda: module(*inputs), module)
            entries[key] = (count_params(module), cost.macs)
            with torch.no_grad():
                return module(*inputs)

        with torch.no_grad():
            x = torch.zeros(1, 3, search_size, search_size)
            z = torch.zeros(1, 3, template_size, template_size)
            x = record(("stem",), supernet.backbone.stem, x)
            z = supernet.backbone.stem(z)
            x = record(("ds",), supernet.backbone.stages[0][0], x)
            z = supernet.backbone.stages[0][0](z)
            feats = {}
            for s in range(supernet.backbone.num_stages):
                for b in range(space.depths[s]):
                    choices = supernet.backbone.stages[s + 1][b]
                    outs = [record(("block", s, b, c), m, x) for c, m in enumerate(choices)]
                    x, z = outs[0], choices[0](z)
                    feats[(s, b)] = (z, x)
            for stage, block in space.output_positions:
                stride = space.stride_of(stage)
                zf, xf = feats[(stage, block)]
                neck = supernet.necks[str(stage)]
                entries[("neck", stage)] = (count_params(neck), 0)
                fused = record(("fusion", stride), supernet.fusions[str(stride)], neck.bn_z(zf), neck.bn_x(xf))
                for kind, branch in (("cls", supernet.cls_head), ("reg", supernet.reg_head)):
                    for w, tower in enumerate(branch.towers):
                        y = fused
                        for layer, ops in enumerate(tower):
                            outs = [record((kind, stride, w, layer, op), m, y) for op, m in enumerate(ops)]
                            y = outs[0]
                        record((kind + "_pred", stride, w), branch.predictors[w], y)
        return cls(entries, search_size, space)

    @staticmethod
    def keys(arch: Arch) -> list[tuple]:
        """The table keys of every module on ``arch``'s per-frame path."""
        stride = arch.stride
        keys: list[tuple] = [("stem",), ("ds",)]
        keys += [("block", s, b, c) for s, b, c in arch.used_blocks()]
        keys += [("neck", arch.out_stage), ("fusion", stride)]
        for kind, head in (("cls", arch.cls), ("reg", arch.reg)):
            keys += [(kind, stride, head.channel, layer, op) for layer, op in enumerate(head.ops) if op != 2]
            keys.append((kind + "_pred", stride, head.channel))
        return keys

    def params(self, arch: Arch) -> int:
        return sum(self.entries[k][0] for k in self.keys(arch))

    def macs(self, arch: Arch) -> int:
        return sum(self.entries[k][1] for k in self.keys(arch))

    def within(self, max_params: float | None = None, max_macs: float | None = None) -> Callable[[Arch], bool]:
        """A predicate for ``SearchSpace.sample_under``."""

        def accept(arch: Arch) -> bool:
            if max_params is not None and self.params(arch) > max_params:
                return False
            if max_macs is not None and self.macs(arch) > max_macs:
                return False
            return True

        return accept
