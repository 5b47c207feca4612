"""The model registry: named architectures, the weights shipped for them, and the one loader.

Every shipped model is one :class:`ModelEntry`: its architecture (the official path string), its
weights file in ``lighttrack/assets/``, that file's SHA-256, the preset the weights carry, and the
terms they come under. ``list_models()`` lists them; :func:`load_weights` is the one way
``track``, ``eval``, ``export``, the demo and the benchmarks turn a weights argument (a shipped
model's name or a checkpoint file) into a network. A shipped model whose file does not have the
registered SHA-256 is refused with a clear error.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from lighttrack.arch import Arch
from lighttrack.errors import ArchError, CheckpointError
from lighttrack.io import file_sha256

ASSETS_DIR = Path(__file__).resolve().parent / "assets"
WEIGHTS_ENV = "LIGHTTRACK_WEIGHTS_DIR"
SHIPPED_TERMS = ("research use only: trained on DAVIS-2016 (CC BY-NC 4.0) among permissive sets; "
                 "see lighttrack/assets/MODEL_CARD.md")
OFFICIAL_TERMS = ("MIT, Copyright (c) 2021 Multimedia Research (the LightTrack authors' trained weights, converted "
                  "from an OpenVINO IR of them); licence text in lighttrack/assets/LICENSE-lighttrack-official, "
                  "provenance in lighttrack/assets/MODEL_CARD.md")


@dataclass(frozen=True)
class ModelEntry:
    """One named model: ``arch`` is the official path string; ``weights`` the shipped file's name
    (None: an architecture only), with its ``sha256``, the ``preset`` its weights carry and the
    ``terms`` they come under."""

    name: str
    arch: str
    description: str = ""
    weights: str | None = None
    sha256: str | None = None
    preset: str | None = None
    terms: str | None = None


MOBILE_ARCH = "back_04502514044521042540+cls_211000022+reg_100000111_ops_32"
OFFICIAL_FILE, OFFICIAL_SHA256 = "lighttrack-mobile-official.pt", "13370cd34d576186430412657b1f47d44b8ed17609791a8081759ead8890f759"
OFFICIAL_PRESET = "lighttrack-mobile-official-realvideo"
# Issue 26: the network both searches under 300 M and 200 M MACs picked (a mutation of Mobile in stage
# 3), shipped with the official weights its path inherits (BN statistics recomputed on our training pairs)
SEARCHED_ARCH = "back_04502514044510000000+cls_211000022+reg_100000111_ops_32"
SEARCHED_TERMS = ("the official LightTrack-Mobile weights (MIT, Copyright (c) 2021 Multimedia Research; licence text in "
                  "lighttrack/assets/LICENSE-lighttrack-official) on a searched path, BatchNorm statistics recomputed on "
                  "64 pairs of our real-video training side: research use only (see lighttrack/assets/MODEL_CARD.md)")
# The default (``lighttrack-mobile``) is the official trained LightTrack-Mobile (issue 23: it tracks
# real video far better than any weights trained here); both names read the same file.
_SHIPPED = (
    ModelEntry(
        "lighttrack-mobile", MOBILE_ARCH,
        "LightTrack-Mobile, the paper's mobile model with the authors' trained weights (the default; "
        "same file as lighttrack-mobile-official): 1.97 M parameters, 530 M FLOPs",
        OFFICIAL_FILE, OFFICIAL_SHA256, OFFICIAL_PRESET, OFFICIAL_TERMS),
    ModelEntry(
        "lighttrack-mobile-official", MOBILE_ARCH,
        "LightTrack-Mobile with the official trained weights of the paper's authors (MIT), converted from an OpenVINO IR",
        OFFICIAL_FILE, OFFICIAL_SHA256, OFFICIAL_PRESET, OFFICIAL_TERMS),
    ModelEntry(
        "lighttrack-mobile-ours", MOBILE_ARCH,
        "LightTrack-Mobile trained by this project's own pipeline (a few CPU hours, ten GPU minutes; model card)",
        "lighttrack-mobile-ours.pt", "e3ed7aee3e33e87525ff948e51205c582c91b13c517be606e41b452defc1d8d8",
        "lighttrack-mobile-realvideo", SHIPPED_TERMS),
    ModelEntry(
        "lighttrack-m300", SEARCHED_ARCH,
        "found by our search under 300 M MACs with input-size choices (configs/search_sizes.yaml): the official Mobile's "
        "weights passed to its path (one stage changed), on 192-px search crops: 286.6 M MACs, 1.963 M parameters",
        "lighttrack-m300.pt", "b5989cf0925638e4c47ce108b0db20c4693e347aba96eb7db28906779e9cffe9",
        "default-192px", SEARCHED_TERMS),
    ModelEntry(
        "lighttrack-m200", SEARCHED_ARCH,
        "found by our search under 200 M MACs with input-size choices (configs/search_sizes.yaml): the same network as "
        "lighttrack-m300 on 160-px search crops: 199.2 M MACs, 1.963 M parameters",
        "lighttrack-m200.pt", "7c8ead023219e87efab8b298d38bbccb8e158b3a320f35f5d0ef8bce8cbd6b0b",
        "default-160px", SEARCHED_TERMS),
)
MODELS: dict[str, ModelEntry] = {entry.name: entry for entry in _SHIPPED}


def register(name: str, arch: Arch | str, description: str = "") -> ModelEntry:
    """Add a named architecture (e.g. one found by search) to this process's registry."""
    entry = ModelEntry(name.lower(), str(arch if isinstance(arch, Arch) else Arch.parse(arch)), description)
    MODELS[entry.name] = entry
    return entry


def list_models() -> list[ModelEntry]:
    """Every registered model, shipped ones first."""
    return list(MODELS.values())


def shipped_names() -> list[str]:
    """The names that run without a weights argument: the registered models with shipped weights."""
    return [entry.name for entry in MODELS.values() if entry.weights]


def get_model(name: str) -> ModelEntry:
    entry = MODELS.get(str(name).lower())
    if entry is None:
        raise ArchError(f"unknown model {name!r}; registered: {', '.join(MODELS)}")
    return entry


def resolve_arch(name_or_arch: str | Arch) -> Arch:
    """An Arch from a registry name, an official path string or a JSON file holding one."""
    if isinstance(name_or_arch, Arch):
        return name_or_arch
    text = str(name_or_arch).strip()
    if text.lower() in MODELS:
        return Arch.parse(MODELS[text.lower()].arch)
    if text.startswith("back_"):
        return Arch.parse(text)
    if text.endswith(".json") and Path(text).is_file():
        return Arch.from_json(Path(text).read_text())
    known = ", ".join(sorted(MODELS))
    raise ArchError(f"unknown architecture {text!r}: give a registered name ({known}), an official path string 'back_…', or an Arch JSON file")


def default_weights(name: str = "lighttrack-mobile") -> Path | None:
    """Where a registered model's weights file is: ``$LIGHTTRACK_WEIGHTS_DIR/<file>``, then the
    package's assets; None when the model ships none (not checked: :func:`weights_file` is)."""
    entry = MODELS.get(str(name).lower())
    if entry is None or entry.weights is None:
        return None
    folders = [Path(os.environ[WEIGHTS_ENV])] if os.environ.get(WEIGHTS_ENV) else []
    folders.append(ASSETS_DIR)
    for folder in folders:
        candidate = folder / entry.weights
        if candidate.is_file():
            return candidate
    return None


def weights_file(path_or_name: str | os.PathLike) -> Path:
    """A checkpoint file, or a registered model's weights file after checking its SHA-256."""
    path = Path(path_or_name)
    if path.is_file():
        return path
    found = default_weights(str(path_or_name))
    if found is None:
        raise CheckpointError(f"unknown model or weights file {str(path_or_name)!r}: not found as a file, and no model by that "
                              f"name ships weights; the models that do: {', '.join(shipped_names())}")
    entry = MODELS[str(path_or_name).lower()]
    if entry.sha256 and file_sha256(found) != entry.sha256:
        raise CheckpointError(f"{found} is not the {entry.name} weights this version ships (SHA-256 differs from "
                              f"{entry.sha256[:12]}…): reinstall lighttrack, or pass your own file with --weights")
    return found


def build(name_or_arch: str | Arch, weights: str | os.PathLike | dict | None = None, template_size: int = 128,
          source: str | None = None):
    """Build a TrackerNet by name or Arch, optionally loading weights (ours or the official layout).

    ``weights`` is a checkpoint file or a checkpoint already read (``read_checkpoint``; ``source``
    then names it in errors), so a caller that needs its other entries reads the file once.
    """
    # lighttrack.nn (torch) loads on first use: `import lighttrack` imports this module and stays light
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
        bad = next((k for k, v in state.items()
                    if hasattr(v, "is_floating_point") and v.is_floating_point() and not v.isfinite().all()), None)
        if bad is not None:  # a diverged training's weights track nothing, silently
            raise CheckpointError(f"checkpoint {label} holds NaN or infinite values (first in {bad!r}): a diverged training?")
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


def arch_of_weights(path_or_name: str | os.PathLike, arch: str = "lighttrack-mobile") -> str:
    """The architecture a weights argument is read as: a shipped model holds its own; ``arch``
    is for checkpoints that do not name theirs (a bare state dict, the official layout)."""
    return str(arch) if Path(path_or_name).is_file() else str(path_or_name)


def load_weights(path_or_name: str | os.PathLike, arch: str = "lighttrack-mobile"):
    """The network of a checkpoint file or of a shipped model's name (hash checked), and the
    checkpoint read once for its other entries (such as the preset it carries)."""
    from lighttrack.nn.checkpoint import read_checkpoint

    path = weights_file(path_or_name)
    data = read_checkpoint(path)
    name = data.get("arch") if Path(path_or_name).is_file() and isinstance(data.get("arch"), str) else arch_of_weights(path_or_name, arch)
    return build(name, weights=data, source=repr(str(path))), data
