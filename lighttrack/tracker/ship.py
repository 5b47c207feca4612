"""Write the ONNX graphs the package ships, for every shipped model of the registry:
``python -m lighttrack.tracker.ship`` (rerun after a weights file or the registry changes).

One export per distinct weights file (an alias shares its target's graphs), into
``lighttrack/assets/onnx/<weights file stem>-<first 12 hex of its SHA-256>/``, each checked
against PyTorch by the exporter; then ``manifest.json`` (see :mod:`lighttrack.tracker.shipped`).
An export that is still sound for the same weights, version and exporter is kept as it is (no
new bytes in git); ``--force`` makes every one again. Folders no shipped model uses are removed.
Needs the training extra (torch, onnx).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from lighttrack import __version__
from lighttrack.errors import LightTrackError
from lighttrack.io import atomic_write_json, file_sha256, make_staging_dir, remove_stale_staging_dirs
from lighttrack.models import ASSETS_DIR, ModelEntry, list_models
from lighttrack.tracker.backends import META_FILE
from lighttrack.tracker.onnx_cache import EXPORT_VERSION, export_weights
from lighttrack.tracker.shipped import MANIFEST_FILE, MANIFEST_FORMAT, SHIPPED_DIR, find_shipped, problem_with

STAGING_LABEL = "shipping"


def shipped_weights(entries: list[ModelEntry]) -> dict[str, tuple[Path, str, list[str]]]:
    """Each distinct shipped weights file by SHA-256: its path, the architecture and the model names."""
    found: dict[str, tuple[Path, str, list[str]]] = {}
    for entry in entries:
        if entry.weights is None:
            continue
        path = ASSETS_DIR / entry.weights
        if not path.is_file():
            raise SystemExit(f"ship: {entry.name}'s weights {path} are missing")
        digest = file_sha256(path)
        if digest in found:
            found[digest][2].append(entry.name)
        else:
            found[digest] = (path, entry.arch, [entry.name])
    return found


def ship(root: Path = SHIPPED_DIR, force: bool = False, log=print) -> dict:
    """Bring ``root`` up to date with the registry's shipped weights; the manifest written."""
    root.mkdir(parents=True, exist_ok=True)
    remove_stale_staging_dirs(root, STAGING_LABEL)
    graphs = {}
    for digest, (weights, arch, names) in shipped_weights(list_models()).items():
        folder = f"{weights.stem}-{digest[:12]}"
        target = root / folder
        current = find_shipped(digest, root)
        if not force and current is not None and current[1].directory == target and problem_with(*current) is None:
            log(f"kept      {folder} ({', '.join(names)})")
        else:
            staging = make_staging_dir(root, STAGING_LABEL)
            try:
                export_weights(weights, arch, staging, digest)
                meta = json.loads((staging / META_FILE).read_text())
                meta["weights"] = weights.name  # not this machine's path
                atomic_write_json(staging / META_FILE, meta)
                shutil.rmtree(target, ignore_errors=True)
                staging.rename(target)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
            log(f"exported  {folder} ({', '.join(names)})")
        meta = json.loads((target / META_FILE).read_text())
        graphs[folder] = {
            "weights": weights.name, "weights_sha256": digest, "arch": meta["arch"], "models": sorted(names),
            "files": {p.name: file_sha256(p) for p in sorted(target.iterdir()) if p.is_file()},
        }
    for stale in sorted(p for p in root.iterdir() if p.is_dir() and p.name not in graphs and not p.name.startswith(".")):
        shutil.rmtree(stale)
        log(f"removed   {stale.name} (no shipped model uses it)")
    manifest = {"format": MANIFEST_FORMAT, "lighttrack_version": __version__, "export_version": EXPORT_VERSION,
                "written_by": "python -m lighttrack.tracker.ship", "graphs": graphs}
    atomic_write_json(root / MANIFEST_FILE, manifest)
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lighttrack.tracker.ship", description=__doc__.split("\n\n")[0])
    parser.add_argument("--force", action="store_true", help="export every shipped weights file again")
    args = parser.parse_args(argv)
    try:
        ship(force=args.force)
    except LightTrackError as err:  # a plain install (no torch), weights that do not export
        print(f"ship: error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
