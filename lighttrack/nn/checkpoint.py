"""Loading and saving TrackerNet weights safely (``weights_only=True``: no arbitrary unpickling).

Our checkpoint is a plain dict ``{"format", "arch", "template_size", "state_dict", ...}``; a bare
state dict in our layout or in the official layout loads too. Every mismatch is reported by
the first key that differs, with both shapes.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

import torch

from lighttrack.errors import CheckpointError
from lighttrack.io import atomic_torch_save

FORMAT = "lighttrack.trackernet/1"


def read_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint {str(path)!r} does not exist")
    try:
        with warnings.catch_warnings():  # torch warns about the pickle protocol of files it then refuses
            warnings.simplefilter("ignore")
            data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # corrupt file, truncated download, pickle with code …
        raise CheckpointError(f"cannot read checkpoint {str(path)!r}: {_load_failure(err)}") from None
    if not isinstance(data, dict):
        raise CheckpointError(f"checkpoint {str(path)!r} holds a {type(data).__name__}, expected a dict")
    return data


def _load_failure(err: Exception) -> str:
    """torch.load's error in one line. Its weights_only refusal spans several lines and suggests
    weights_only=False, which would run the code a pickle carries: we never do that."""
    text = str(err)
    if "Weights only load failed" in text:
        return ("it holds pickled Python objects, not only tensors, and lighttrack loads weights only "
                "(torch.load weights_only=True: no code in a checkpoint is run)")
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    kind = type(err).__name__
    if len(line) < 12:  # bare codes such as '101' from the unpickler
        line = f"{kind} {line}".strip()
    return f"not a PyTorch checkpoint, or a truncated or damaged one ({line})"


def state_dict_of(data: dict[str, Any]) -> dict[str, torch.Tensor]:
    """The tensors of a checkpoint dict, whichever of the known wrappings it uses."""
    for key in ("state_dict", "model"):
        if isinstance(data.get(key), dict):
            return data[key]
    if data and all(isinstance(v, torch.Tensor) for v in data.values()):
        return data
    raise CheckpointError("checkpoint holds no state dict (expected a 'state_dict' entry or a plain dict of tensors)")


def load_state_dict_strict(net: torch.nn.Module, state_dict: dict[str, torch.Tensor]) -> None:
    """Load with every key present and every shape equal; ``num_batches_tracked`` may be absent."""
    own = net.state_dict()
    for key, value in own.items():
        if key not in state_dict:
            if key.endswith("num_batches_tracked"):
                continue
            raise CheckpointError(f"checkpoint does not match this architecture: missing key {key!r} (shape {_shape(value)})")
        if not isinstance(state_dict[key], torch.Tensor):
            raise CheckpointError(f"checkpoint entry {key!r} is a {type(state_dict[key]).__name__}, not a tensor")
        if tuple(state_dict[key].shape) != tuple(value.shape):
            raise CheckpointError(
                f"checkpoint does not match this architecture: key {key!r} has shape {_shape(state_dict[key])} "
                f"in the checkpoint but {_shape(value)} in the model"
            )
    extra = [k for k in state_dict if k not in own]
    if extra:
        raise CheckpointError(f"checkpoint does not match this architecture: unexpected key {extra[0]!r} (shape {_shape(state_dict[extra[0]])})")
    net.load_state_dict({k: v for k, v in state_dict.items()}, strict=False)


def _shape(t: torch.Tensor) -> str:
    return "x".join(map(str, t.shape)) or "scalar"


def save_trackernet(net: torch.nn.Module, path: str | os.PathLike, **extra: Any) -> Path:
    """Write a self-describing checkpoint atomically."""
    payload = {"format": FORMAT, "arch": str(net.arch), "template_size": net.template_size, "state_dict": net.state_dict()}
    payload.update(extra)
    return atomic_torch_save(path, payload)
