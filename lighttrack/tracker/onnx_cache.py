"""ONNX Runtime graphs of a weights file, exported once and kept in the user's cache folder.

``Tracker.from_weights`` runs LightTrack weights through ONNX Runtime by default (about 3-5x
faster than eager PyTorch on a small CPU). The first use of a weights file exports its two graphs
(``lighttrack export onnx`` does the same by hand); later uses load them from
``<cache>/onnx/<sha256 of the weights file>-<arch>/``. The graphs have dynamic batch and
spatial sizes, so one export serves every preset of those weights; the preset the weights
carry is recorded in the export's metadata.

An entry is trusted only when its metadata names the same weights hash, architecture and
exporter version, and every graph file still has the SHA-256 recorded when it was written;
otherwise it is rebuilt. Entries are written in a temporary folder and renamed into place, so a
killed export or two processes exporting at once never leave a half-written entry. A cache
folder that cannot be written is reported once and the graphs go to a temporary folder that
lives only while the sessions load.

The cache folder is ``$LIGHTTRACK_CACHE_DIR`` when set, else the platform's user cache folder
(``platformdirs.user_cache_dir("lighttrack")``, e.g. ``~/.cache/lighttrack`` on Linux).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable

import platformdirs

from lighttrack.errors import CheckpointError, LightTrackError, missing_extra, notice
from lighttrack.io import atomic_write_json, file_sha256, make_staging_dir, remove_stale_staging_dirs
from lighttrack.models import load_weights
from lighttrack.tracker.backends import META_FILE, OnnxBackend
from lighttrack.tracker.presets import stored_preset

# Bump when the exported graphs change (export/onnx.py): older entries are then rebuilt.
EXPORT_VERSION = 2  # 2: the graphs' metadata names the lighttrack version
CACHE_ENV = "LIGHTTRACK_CACHE_DIR"
STAGING_LABEL = "building"  # an export in progress: <cache>/onnx/.building.<host>-<pid>.<random>/


def cache_root() -> Path:
    """The folder holding lighttrack's caches (``$LIGHTTRACK_CACHE_DIR`` or the user cache folder)."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    return Path(platformdirs.user_cache_dir("lighttrack", appauthor=False))


def entry_name(weights_sha256: str, arch: str) -> str:
    """The cache folder's name for a weights file and the architecture it is read as."""
    arch_tag = hashlib.sha256(arch.encode()).hexdigest()[:8]
    return f"{weights_sha256[:24]}-{arch_tag}"


def _record(weights_sha256: str, arch: str, directory: Path) -> dict:
    graphs = sorted(p.name for p in directory.glob("*.onnx"))
    return {
        "export_version": EXPORT_VERSION,
        "weights_sha256": weights_sha256,
        "arch": arch,
        "files": {name: file_sha256(directory / name) for name in graphs},
    }


def entry_is_valid(directory: Path, weights_sha256: str, arch: str) -> bool:
    """True when ``directory`` holds a complete, unaltered export of these weights."""
    try:
        meta = json.loads((directory / META_FILE).read_text())
    except (OSError, ValueError):
        return False
    cache = meta.get("cache") if isinstance(meta, dict) else None
    if not isinstance(cache, dict):
        return False
    if cache.get("export_version") != EXPORT_VERSION or cache.get("weights_sha256") != weights_sha256 or cache.get("arch") != arch:
        return False
    files = cache.get("files")
    if not isinstance(files, dict) or not files or meta.get("track") not in files or meta.get("template") not in files:
        return False
    try:
        return all(file_sha256(directory / name) == digest for name, digest in files.items())
    except OSError:
        return False


def export_weights(weights: Path, arch: str, outdir: Path, weights_sha256: str) -> None:
    """Export ``weights`` into ``outdir`` (checked against PyTorch) and record the cache identity."""
    try:  # local: the exporter needs torch and onnx, which the plain install leaves out
        from lighttrack.export.onnx import export_onnx
    except ImportError:
        raise missing_extra(f"exporting the weights {str(weights)!r} to ONNX") from None
    net, data = load_weights(weights, arch)
    preset = stored_preset(data)
    try:
        export_onnx(net, outdir, template_size=preset.template_size if preset else 127, check=True, preset=preset)
    except LightTrackError:
        raise
    except Exception as err:  # the exporter's and onnx's own exception types
        raise CheckpointError(f"cannot export the weights {str(weights)!r} to ONNX: {type(err).__name__}: {err}") from None
    meta_path = outdir / META_FILE
    meta = json.loads(meta_path.read_text())
    meta["cache"] = _record(weights_sha256, arch, outdir)
    meta["weights"] = str(weights)
    atomic_write_json(meta_path, meta)


def _build_entry(root: Path, target: Path, weights: Path, arch: str, digest: str) -> None:
    """Export into a fresh folder beside ``target`` and rename it into place."""
    remove_stale_staging_dirs(root, STAGING_LABEL)  # what a killed export left behind
    staging = make_staging_dir(root, STAGING_LABEL)
    try:
        export_weights(weights, arch, staging, digest)
        if entry_is_valid(target, digest, arch):  # another process finished it meanwhile
            return
        if target.exists():  # stale or corrupt: replaced, never trusted
            shutil.rmtree(target, ignore_errors=True)
        try:
            os.rename(staging, target)
        except OSError:
            if not entry_is_valid(target, digest, arch):  # lost a race to a finished entry: fine
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def cached_onnx_backend(
    weights: str | os.PathLike,
    arch: str,
    make_backend: Callable[[Path], OnnxBackend],
    notice: Callable[[str], None] = notice,
    digest: str | None = None,
) -> OnnxBackend:
    """An ONNX Runtime backend for a weights file, from the cache (exporting it on first use).

    ``make_backend(directory)`` opens the sessions (threads, spinning, …); ``digest`` is the
    weights file's SHA-256 when the caller has it already. A read-only cache
    folder is reported through ``notice`` and the graphs are exported to a temporary folder.
    """
    weights = Path(weights)
    digest = digest or file_sha256(weights)
    root = cache_root() / "onnx"
    target = root / entry_name(digest, arch)
    if entry_is_valid(target, digest, arch):
        try:
            return make_backend(target)
        except CheckpointError:
            notice(f"the cached ONNX graphs in {target} do not load; exporting them again")
    elif target.exists():
        notice(f"the cached ONNX graphs in {target} are stale or damaged; exporting them again")
    try:
        _build_entry(root, target, weights, arch, digest)
    except OSError as err:
        reason = err.strerror or str(err)
        notice(f"cannot write the ONNX cache in {root} ({reason}); tracking without caching "
               f"(set {CACHE_ENV} to a writable folder to keep the export)")
        with tempfile.TemporaryDirectory(prefix="lighttrack-onnx-") as tmp:
            export_weights(weights, arch, Path(tmp), digest)
            return make_backend(Path(tmp))  # the sessions hold the graphs; the folder can go
    return make_backend(target)
