"""The ONNX graphs that ship inside the package: what lets a plain install (no torch) track.

``lighttrack/assets/onnx/`` holds one export per shipped weights file (models that share a file
share its graphs) and ``manifest.json``, which names each folder's weights file by SHA-256, its
architecture, the lighttrack version and exporter version that wrote it, and every graph's
SHA-256. ``python -m lighttrack.tracker.ship`` writes them from the ``.pt`` files of the registry;
nothing here needs torch.

:func:`onnx_backend_of` is how ``Tracker.from_weights`` opens ONNX Runtime for a weights file:
the shipped graphs when the manifest lists that file and they are intact; else the user's ONNX
cache, exported from the weights (torch). A damaged or stale shipped graph is exported again
where torch is installed, and otherwise refused with the file named.
"""

from __future__ import annotations

import importlib.util
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from lighttrack import __version__
from lighttrack.errors import CheckpointError, TRAIN_EXTRA, notice
from lighttrack.io import file_sha256
from lighttrack.models import ASSETS_DIR
from lighttrack.tracker.backends import OnnxBackend
from lighttrack.tracker.onnx_cache import EXPORT_VERSION, cached_onnx_backend

SHIPPED_DIR = ASSETS_DIR / "onnx"
MANIFEST_FILE = "manifest.json"
MANIFEST_FORMAT = "lighttrack.shipped-onnx/1"


@dataclass(frozen=True)
class ShippedGraphs:
    """One shipped export: its folder, the weights file it was made from, and its graph hashes."""

    directory: Path
    weights: str  # the weights file's name in lighttrack/assets/
    weights_sha256: str
    arch: str
    files: dict[str, str]  # graph (and metadata) file name -> SHA-256
    models: tuple[str, ...]  # the registry names that use these weights


@dataclass(frozen=True)
class Manifest:
    """``manifest.json``: who wrote the shipped graphs, and each export by its folder's name."""

    lighttrack_version: str
    export_version: int
    graphs: dict[str, ShippedGraphs]


def read_manifest(root: Path = SHIPPED_DIR) -> Manifest | None:
    """The manifest in ``root``; None when there is none (a source tree before the first ship run)."""
    path = root / MANIFEST_FILE
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as err:
        raise CheckpointError(f"the shipped ONNX manifest {path} is unreadable ({err}): reinstall lighttrack") from None
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT or not isinstance(data.get("graphs"), dict):
        raise CheckpointError(f"{path} is not a shipped ONNX manifest of format {MANIFEST_FORMAT!r}: reinstall lighttrack")
    graphs = {
        name: ShippedGraphs(root / name, str(item.get("weights", "")), str(item.get("weights_sha256", "")),
                            str(item.get("arch", "")), dict(item.get("files") or {}), tuple(item.get("models") or ()))
        for name, item in data["graphs"].items() if isinstance(item, dict)
    }
    return Manifest(str(data.get("lighttrack_version")), int(data.get("export_version", -1)), graphs)


def find_shipped(weights_sha256: str, root: Path = SHIPPED_DIR) -> tuple[Manifest, ShippedGraphs] | None:
    """The shipped export of the weights file with this SHA-256, with its manifest; None if none."""
    manifest = read_manifest(root)
    if manifest is None:
        return None
    found = next((g for g in manifest.graphs.values() if g.weights_sha256 == weights_sha256), None)
    return (manifest, found) if found is not None else None


def problem_with(manifest: Manifest, graphs: ShippedGraphs) -> str | None:
    """Why a shipped export cannot be used as it is (stale or damaged), naming the file; None if sound."""
    if manifest.lighttrack_version != __version__ or manifest.export_version != EXPORT_VERSION:
        return (f"the shipped ONNX graphs in {graphs.directory} were made by lighttrack {manifest.lighttrack_version} "
                f"(exporter {manifest.export_version}), not by this {__version__} (exporter {EXPORT_VERSION})")
    if not graphs.files:
        return f"the shipped ONNX manifest lists no graph files for {graphs.directory}"
    for name, digest in sorted(graphs.files.items()):
        path = graphs.directory / name
        if not path.is_file():
            return f"the shipped ONNX graph {path} is missing"
        if file_sha256(path) != digest:
            return f"the shipped ONNX graph {path} is damaged (truncated or altered: its SHA-256 is not the manifest's)"
    return None


def torch_installed() -> bool:
    """Whether this install can export weights itself (the training extra's PyTorch)."""
    return importlib.util.find_spec("torch") is not None


def onnx_backend_of(
    weights: str | os.PathLike,
    arch: str,
    make_backend: Callable[[Path], OnnxBackend],
    notice: Callable[[str], None] = notice,
    root: Path = SHIPPED_DIR,
) -> OnnxBackend:
    """An ONNX Runtime backend for a weights file: its shipped graphs when intact, else the
    user's cache (exported from the weights with torch), else a clear error naming the file."""
    weights = Path(weights)
    digest = file_sha256(weights)
    shipped = find_shipped(digest, root)
    if shipped is not None:
        problem = problem_with(*shipped)
        if problem is None:
            try:
                return make_backend(shipped[1].directory)
            except CheckpointError as err:
                problem = str(err)
        if not torch_installed():
            raise CheckpointError(f"{problem}; reinstall lighttrack, or install '{TRAIN_EXTRA}' to export "
                                  f"{weights.name} again")
        notice(f"{problem}; exporting {weights.name} again into the ONNX cache")
    elif not torch_installed():
        raise CheckpointError(f"no ONNX graphs ship for the weights {str(weights)!r}, and exporting them needs PyTorch, which "
                              f"the plain install leaves out: pip install '{TRAIN_EXTRA}', or run graphs exported "
                              f"elsewhere with --onnx DIR")
    return cached_onnx_backend(weights, arch, make_backend, notice=notice, digest=digest)
