"""A small registry of named architectures and the ``build`` entry point."""

from __future__ import annotations

import os
from pathlib import Path

from lighttrack.arch import Arch
from lighttrack.errors import ArchError, CheckpointError

REGISTRY: dict[str, str] = {
    # the official LightTrack-Mobile (spec lighttrack.md §2.3)
    "lighttrack-mobile": "back_04502514044521042540+cls_211000022+reg_100000111_ops_32",
    # found by our own search under 300 M MACs (configs/search_300m.yaml; 280.6 M MACs, 0.854 M params)
    "lighttrack-m300": "back_04000224204000000000+cls_101200111+reg_012202221_ops_23",
}


def register(name: str, arch: Arch | str) -> None:
    """Add a named architecture (e.g. one found by search) to this process's registry."""
    REGISTRY[name] = str(arch if isinstance(arch, Arch) else Arch.parse(arch))


def resolve_arch(name_or_arch: str | Arch) -> Arch:
    """An Arch from a registry name, an official path string or a JSON file holding one."""
    if isinstance(name_or_arch, Arch):
        return name_or_arch
    text = str(name_or_arch).strip()
    if text.lower() in REGISTRY:
        return Arch.parse(REGISTRY[text.lower()])
    if text.startswith("back_"):
        return Arch.parse(text)
    if text.endswith(".json") and Path(text).is_file():
        return Arch.from_json(Path(text).read_text())
    known = ", ".join(sorted(REGISTRY))
    raise ArchError(f"unknown architecture {text!r}: give a registered name ({known}), an official path string 'back_…', or an Arch JSON file")


def build(name_or_arch: str | Arch, weights: str | os.PathLike | dict | None = None, template_size: int = 128,
          source: str | None = None):
    """Build a TrackerNet by name or Arch, optionally loading weights (ours or the official layout).

    ``weights`` is a checkpoint file or a checkpoint already read (``read_checkpoint``; ``source``
    then names it in errors), so a caller that needs its other entries reads the file once.
    """
    from lighttrack.nn.checkpoint import load_state_dict_strict, read_checkpoint, state_dict_of
    from lighttrack.nn.net import TrackerNet
    from lighttrack.nn.official import convert_official_state_dict, is_official_layout

    arch = resolve_arch(name_or_arch)
    net = TrackerNet(arch, template_size)
    if weights is not None:
        data = weights if isinstance(weights, dict) else read_checkpoint(weights)
        label = source or ("the checkpoint" if isinstance(weights, dict) else repr(str(weights)))
        saved_arch = data.get("arch")
        if isinstance(saved_arch, str) and saved_arch != str(arch):
            raise CheckpointError(f"checkpoint {label} was made for architecture {saved_arch}, not {arch}")
        state = state_dict_of(data)
        if is_official_layout(state):
            state = convert_official_state_dict(state)
        load_state_dict_strict(net, state)
    return net.eval()


def load(weights: str | os.PathLike | dict, template_size: int = 128, source: str | None = None):
    """Build the TrackerNet a self-describing checkpoint (a file, or one already read) names and
    load its weights."""
    from lighttrack.nn.checkpoint import read_checkpoint

    data = weights if isinstance(weights, dict) else read_checkpoint(weights)
    label = source or ("the checkpoint" if isinstance(weights, dict) else repr(str(weights)))
    if not isinstance(data.get("arch"), str):
        raise CheckpointError(f"checkpoint {label} does not say its architecture; use build(arch, weights=...)")
    return build(data["arch"], data, data.get("template_size", template_size), source=label)
