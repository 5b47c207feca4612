"""Training checkpoints (exact resume) and the products of a run.

A *training checkpoint* (``last.pt``, ``step_XXXXXXX.pt``) holds everything a resumed run needs to
continue bit-for-bit: model, optimizer, AMP scaler, the step counter (the LR schedule and the
path sampler are pure functions of it), the data position, the RNG states of Python, NumPy and
torch, counters, and the config it was made with (so a resume with another config or
architecture is refused before any work). It is written atomically (temporary file + rename),
so a ``kill -9`` at any moment leaves the previous checkpoint intact.

*Products*: ``final.pt`` of a fixed-architecture run is a TrackerNet checkpoint that
``lighttrack.build`` / ``lighttrack.load`` read; ``supernet.pt`` records the SearchSpace and
loads with :func:`load_supernet`; ``backbone.pt`` (image pretraining) holds the backbone
supernet's weights for ``model.backbone_init``.
"""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any

import numpy as np
import torch

from lighttrack.errors import CheckpointError
from lighttrack.io import atomic_torch_save
from lighttrack.nn.checkpoint import load_state_dict_strict, read_checkpoint
from lighttrack.nn.batchnorm import fixed_batchnorm_names, mark_fixed_by_name
from lighttrack.nn.net import SuperNet
from lighttrack.space import SearchSpace

TRAIN_FORMAT = "lighttrack.train/1"
SUPERNET_FORMAT = "lighttrack.supernet/1"
BACKBONE_FORMAT = "lighttrack.backbone/1"


# ---------------------------------------------------------------------- RNG state
def rng_state() -> dict[str, Any]:
    np_state = np.random.get_state(legacy=False)
    state = {
        "python": random.getstate(),
        "numpy": {
            "bit_generator": np_state["bit_generator"],
            "key": torch.from_numpy(np.asarray(np_state["state"]["key"]).astype(np.int64)),
            "pos": int(np_state["state"]["pos"]),
            "has_gauss": int(np_state["has_gauss"]),
            "gauss": float(np_state["gauss"]),
        },
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    py = state["python"]
    random.setstate((py[0], tuple(py[1]), py[2]))
    n = state["numpy"]
    np.random.set_state(
        {
            "bit_generator": n["bit_generator"],
            "state": {"key": n["key"].numpy().astype(np.uint32), "pos": n["pos"]},
            "has_gauss": n["has_gauss"],
            "gauss": n["gauss"],
        }
    )
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        try:
            torch.cuda.set_rng_state_all(state["cuda"])
        except Exception:  # another GPU count: not exact anyway
            pass


# ---------------------------------------------------------------------- training checkpoints
def save_training_checkpoint(path: str | os.PathLike, payload: dict[str, Any]) -> Path:
    payload = dict(payload)
    payload["format"] = TRAIN_FORMAT
    payload["rng"] = rng_state()
    return atomic_torch_save(path, payload)


def read_training_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    data = read_checkpoint(path)
    if data.get("format") != TRAIN_FORMAT:
        raise CheckpointError(
            f"{str(path)!r} is not a training checkpoint (format {data.get('format')!r}); "
            "--resume needs last.pt or step_*.pt from a run's output folder"
        )
    return data


def find_resume(out_dir: str | os.PathLike) -> Path | None:
    path = Path(out_dir) / "last.pt"
    return path if path.is_file() else None


# ---------------------------------------------------------------------- supernet product
def space_to_dict(space) -> dict[str, Any]:
    return {
        "depths": list(space.depths),
        "output_positions": [list(p) for p in space.output_positions],
        "head_layers": space.head_layers,
    }


def space_from_dict(data: dict[str, Any]):
    try:
        return SearchSpace(
            depths=tuple(int(d) for d in data["depths"]),
            output_positions=tuple((int(s), int(b)) for s, b in data["output_positions"]),
            head_layers=int(data["head_layers"]),
        )
    except (KeyError, TypeError, ValueError) as err:
        raise CheckpointError(f"checkpoint has a malformed search space record: {err!r}") from None


def save_supernet(supernet, path: str | os.PathLike, **extra: Any) -> Path:
    payload = {
        "format": SUPERNET_FORMAT,
        "space": space_to_dict(supernet.space),
        "template_size": supernet.template_size,
        "state_dict": supernet.state_dict(),
        "fixed_batchnorms": fixed_batchnorm_names(supernet),
    }
    payload.update(extra)
    return atomic_torch_save(path, payload)


def load_supernet(path: str | os.PathLike):
    """A SuperNet with the weights of ``supernet.pt`` or of a supernet training checkpoint."""
    data = read_checkpoint(path)
    fmt = data.get("format")
    if fmt == SUPERNET_FORMAT:
        keys = ("space", "state_dict")
    elif fmt == TRAIN_FORMAT and data.get("kind") == "supernet":
        keys = ("space", "model")
    else:
        raise CheckpointError(f"{str(path)!r} is not a supernet checkpoint (format {fmt!r}, kind {data.get('kind')!r})")
    missing = [k for k in keys if k not in data]
    if missing or not isinstance(data[keys[1]], dict):
        raise CheckpointError(f"supernet checkpoint {str(path)!r} has no {' or '.join(missing or [keys[1]])} entry "
                              "it can be read from (damaged, or written by another tool?)")
    space, state, template_size = data[keys[0]], data[keys[1]], data.get("template_size", 128)
    net = SuperNet(space_from_dict(space), template_size=int(template_size))
    load_state_dict_strict(net, state)
    mark_fixed_by_name(net, data.get("fixed_batchnorms", []), f"supernet checkpoint {str(path)!r}")
    return net.eval()


# ---------------------------------------------------------------------- backbone weights
def save_backbone(backbone, path: str | os.PathLike, **extra: Any) -> Path:
    payload = {
        "format": BACKBONE_FORMAT,
        "depths": list(backbone.depths),
        "num_stages": backbone.num_stages,
        "state_dict": backbone.state_dict(),
    }
    payload.update(extra)
    return atomic_torch_save(path, payload)


def backbone_supernet_state(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """SuperBackbone-layout weights (``stem.*``, ``stages.S.B.C.*``) from any checkpoint that has them.

    Accepts ``backbone.pt`` from image pretraining, ``supernet.pt``, and supernet or backbone
    training checkpoints.
    """
    data = read_checkpoint(path)
    fmt = data.get("format")
    if fmt == BACKBONE_FORMAT:
        return dict(data["state_dict"])
    if fmt == SUPERNET_FORMAT:
        state = data["state_dict"]
    elif fmt == TRAIN_FORMAT and data.get("kind") in ("supernet", "backbone"):
        state = data["model"]
    else:
        raise CheckpointError(
            f"{str(path)!r} holds no backbone supernet weights (format {fmt!r}); give backbone.pt from "
            "`lighttrack train` with model.kind=backbone, or a supernet checkpoint"
        )
    prefix = "backbone."
    out = {k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)}
    if not out:
        raise CheckpointError(f"{str(path)!r} has no 'backbone.*' weights")
    return out


def _copy_tensors(module, state: dict[str, torch.Tensor], source_key, source: str, missing) -> int:
    """Copy ``state[source_key(key)]`` into every tensor of ``module``, checking presence and shape.

    ``source_key`` maps an own key to its key in ``state`` (None when it has none); ``missing(key)``
    words the error for an absent one. BN batch counters may be absent.
    """
    loaded = 0
    for key, value in module.state_dict().items():
        src_key = source_key(key)
        if src_key is None or src_key not in state:
            if key.endswith("num_batches_tracked"):
                continue
            raise CheckpointError(f"backbone weights in {source} lack {missing(src_key or key)}")
        if tuple(state[src_key].shape) != tuple(value.shape):
            raise CheckpointError(f"backbone weights in {source}: {src_key!r} has shape {tuple(state[src_key].shape)}, expected {tuple(value.shape)}")
        value.copy_(state[src_key])
        loaded += 1
    return loaded


def load_backbone_into_supernet(backbone, state: dict[str, torch.Tensor], source: str = "checkpoint") -> int:
    """Copy every matching tensor into a SuperBackbone (extra stages in ``state`` are ignored)."""
    return _copy_tensors(backbone, state, lambda key: key, source, lambda key: f"{key!r}: another search space?")


def load_backbone_into_tracker(backbone, arch, state: dict[str, torch.Tensor], source: str = "checkpoint") -> int:
    """Copy the path of ``arch`` from SuperBackbone-layout weights into a TrackerNet's Backbone."""
    mapping = {"stem.": "stem.", "stages.0.0.": "stages.0.0."}
    for s, b, c in arch.used_blocks():
        mapping[f"stages.{s + 1}.{b}."] = f"stages.{s + 1}.{b}.{c}."

    def source_key(key: str) -> str | None:
        for dst_prefix, src_prefix in mapping.items():
            if key.startswith(dst_prefix):
                return src_prefix + key[len(dst_prefix) :]
        return None

    return _copy_tensors(backbone, state, source_key, source, lambda key: f"{key!r} needed by {arch}")
