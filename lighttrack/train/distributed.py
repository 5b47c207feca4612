"""Process-group setup and the few collective operations the trainer needs.

``torchrun --nproc_per_node K -m lighttrack train cfg.yaml`` sets RANK / WORLD_SIZE / LOCAL_RANK;
we then join a process group (NCCL on CUDA, gloo on CPU). Without those variables everything
runs in one process and every helper here is a no-op.

A fixed TrackerNet is wrapped in DistributedDataParallel. The supernet runs a different path
each step, so most of its parameters get no gradient; instead of DDP's unused-parameter search
over 10+ M parameters we all-reduce only the gradients that exist (identical on every rank,
because every rank draws the same path from the shared (seed, step) seed) in one flat buffer,
and broadcast the path's BatchNorm statistics from rank 0, which is what DDP does for buffers.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from dataclasses import dataclass

import torch
import torch.distributed as dist

from lighttrack.errors import ConfigError

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


@dataclass(frozen=True)
class DistInfo:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    device: torch.device = torch.device("cpu")

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def pick_device(pref: str, local_rank: int = 0) -> torch.device:
    if pref == "auto":
        pref = "cuda" if torch.cuda.is_available() else "cpu"
    if pref.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ConfigError(f"device {pref!r}: CUDA is not available on this machine")
        if pref == "cuda":
            return torch.device("cuda", local_rank % torch.cuda.device_count())
        return torch.device(pref)
    if pref != "cpu":
        raise ConfigError(f"config key 'device' must be auto, cpu, cuda or cuda:N, got {pref!r}")
    return torch.device("cpu")


def die_with_launcher() -> bool:
    """Under torchrun, have the kernel kill this worker when its launcher dies (Linux).

    torchrun starts each worker in a session of its own, so a SIGKILL of torchrun alone (or of its
    process group) used to orphan the workers: they finished the run beside a resumed one, in the
    same folder, or hung waiting for the dead launcher. ``PR_SET_PDEATHSIG`` makes the kernel send
    SIGKILL to the worker as soon as its parent, the launcher, exits. Returns True when set.
    """
    if "TORCHELASTIC_RUN_ID" not in os.environ or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            return False
    except (OSError, AttributeError):
        return False
    if os.getppid() == 1:  # the launcher died before the request took effect
        raise SystemExit("lighttrack: error: the torchrun launcher of this worker has exited")
    return True


def setup(device_pref: str = "auto") -> DistInfo:
    die_with_launcher()
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    device = pick_device(device_pref, local_rank)
    if world > 1 and not dist.is_initialized():
        backend = "nccl" if device.type == "cuda" else "gloo"
        if device.type == "cuda":
            torch.cuda.set_device(device)
        dist.init_process_group(backend=backend)
    return DistInfo(rank, world, local_rank, device)


def teardown() -> None:
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def barrier(info: DistInfo) -> None:
    if info.enabled:
        dist.barrier()


def all_true(flag: bool, info: DistInfo) -> bool:
    """True only if ``flag`` is true on every rank."""
    if not info.enabled:
        return flag
    t = torch.tensor([1.0 if flag else 0.0], device=info.device)
    dist.all_reduce(t, op=dist.ReduceOp.MIN)
    return bool(t.item() > 0.5)


def mean_scalars(values: dict[str, float], info: DistInfo) -> dict[str, float]:
    if not info.enabled or not values:
        return values
    keys = sorted(values)
    t = torch.tensor([float(values[k]) for k in keys], device=info.device, dtype=torch.float64)
    dist.all_reduce(t)
    t /= info.world_size
    return dict(zip(keys, t.tolist()))


def allreduce_grads(params: list[torch.nn.Parameter], info: DistInfo) -> None:
    """Average the existing gradients of ``params`` across ranks in one flat buffer.

    Every rank must hold gradients for the same parameters in the same order (same path).
    """
    if not info.enabled:
        return
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return
    flat = torch.cat([g.reshape(-1) for g in grads])
    dist.all_reduce(flat)
    flat /= info.world_size
    offset = 0
    for g in grads:
        n = g.numel()
        g.copy_(flat[offset : offset + n].view_as(g))
        offset += n


def broadcast_buffers(modules: list[torch.nn.Module], info: DistInfo) -> None:
    """Copy rank 0's buffers (BN running statistics) of ``modules`` to every rank."""
    if not info.enabled:
        return
    seen: set[int] = set()
    bufs = []
    for m in modules:
        for b in m.buffers():
            if id(b) not in seen and b.dtype.is_floating_point:
                seen.add(id(b))
                bufs.append(b)
    if not bufs:
        return
    flat = torch.cat([b.reshape(-1) for b in bufs])
    dist.broadcast(flat, src=0)
    offset = 0
    for b in bufs:
        n = b.numel()
        b.copy_(flat[offset : offset + n].view_as(b))
        offset += n
