"""Parallel candidate evaluation across processes with torch.distributed (the training engine).

``torchrun --nproc_per_node K -m lighttrack search cfg.yaml --supernet ckpt`` (one machine or
many) sets RANK / WORLD_SIZE; :func:`lighttrack.train.distributed.setup` joins the process group
(gloo on CPU, NCCL on CUDA). Every rank runs the same seeded algorithm, so every rank asks for
the same generation (checked with a hash); rank r scores candidates r, r+K, r+2K …, the records
are all-gathered, and every rank tells the algorithm the same scores. Rank 0 alone writes the
state, the cache and the outputs. Without torchrun everything runs in one process.
"""

from __future__ import annotations

import hashlib
from typing import Callable, Sequence

import torch.distributed as dist

from lighttrack.arch import Arch
from lighttrack.train.distributed import DistInfo, barrier, setup, teardown  # noqa: F401 - re-exported


def _batch_hash(archs: Sequence[Arch]) -> int:
    digest = hashlib.sha256("|".join(str(a) for a in archs).encode()).digest()
    return int.from_bytes(digest[:6], "big")


def make_evaluator(fitness, info: DistInfo) -> Callable[[list[Arch]], list[float | None]]:
    """A generation-scoring function: sharded over ranks when distributed, plain otherwise."""
    if not info.enabled:
        return fitness


    def evaluate(archs: list[Arch]) -> list[float | None]:
        check = [_batch_hash(archs)]
        mine = [check]
        every = [None] * info.world_size
        dist.all_gather_object(every, mine)
        if any(e != mine for e in every):
            raise RuntimeError("search ranks disagree on the generation to evaluate (different seeds or states?)")
        todo = [(i, a) for i, a in enumerate(archs) if i % info.world_size == info.rank]
        local = {i: fitness.record(a) for i, a in todo}
        gathered = [None] * info.world_size
        dist.all_gather_object(gathered, local)
        records = {}
        for part in gathered:
            records.update(part)
        for i, arch in enumerate(archs):
            fitness.cache.put(arch.canonical(), records[i])
        return [records[i]["fitness"] for i in range(len(archs))]

    return evaluate
