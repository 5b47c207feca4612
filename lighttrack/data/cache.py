"""The crop cache: small target-centred patches per frame, so training never decodes full frames.

Aerial and 4K frames make JPEG decoding the bottleneck of pair sampling. ``build_cache`` writes,
for every usable frame, one ``crop_size`` square crop covering ``context_factor * s_z`` around the
target (enough for the search patch at the maximum shift and scale jitter), plus a per-sequence
``index.json`` with the box inside the crop and the full frame's mean colour. Reading it back with
``open_dataset("cache", out_dir)`` gives ordinary ``Sequence`` values with the *same frame
indices* as the source, so pairs sampled from the cache match pairs sampled from the source.

Writes are resumable and atomic per sequence: ``index.json`` is written (atomically) after its
crops, and a sequence that has one is skipped when the command is run again.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import re
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from lighttrack.data.datasets.base import Dataset
from lighttrack.data.transforms import CropParams, crop_matrix, map_box, to_pixel_matrix
from lighttrack.errors import DataError, LightTrackError
from lighttrack.geometry import context_size, xyxy_to_xywh
from lighttrack.io import atomic_write_json

CACHE_VERSION = 1


@dataclass(frozen=True)
class CacheConfig:
    """``crop_size`` px covering ``context_factor * s_z``: 448 / 3.5 = 128 px per s_z, i.e. full
    resolution for a 128 template, and room for +-64 px shift and +18% scale on a 256 search."""

    crop_size: int = 448
    context_factor: float = 3.5
    context: float = 0.5
    quality: int = 90


def safe_name(name: str) -> str:
    """A file-system safe folder name for a sequence name (``class/seq`` -> ``class__seq``)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name.replace("/", "__"))


def cache_sequence(dataset: Dataset, index: int, out_dir: Path, cfg: CacheConfig) -> tuple[str, int, int]:
    """Crop every usable frame of one sequence; returns (folder, frames written, frames failed)."""
    seq = dataset[index]
    folder = out_dir / safe_name(seq.name)
    index_path = folder / "index.json"
    if index_path.is_file():
        return folder.name, -1, 0
    folder.mkdir(parents=True, exist_ok=True)
    n = len(seq)
    files = [""] * n
    boxes = np.full((n, 4), np.nan)
    fill = np.zeros((n, 3))
    transform = np.full((n, 3), np.nan)
    failed = []
    for i in seq.usable():
        i = int(i)
        try:
            image = seq.frame(i)
        except LightTrackError as err:
            failed.append(f"{i}: {err}")
            continue
        box = seq.boxes[i]
        mean = cv2.mean(image)[:3]
        scale = cfg.crop_size / (cfg.context_factor * context_size(box[2], box[3], cfg.context))
        params = CropParams(cfg.crop_size, scale)
        m = crop_matrix(box, params)
        crop = cv2.warpAffine(image, to_pixel_matrix(m), (cfg.crop_size, cfg.crop_size), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=mean)
        ok, buf = cv2.imencode(".jpg", cv2.cvtColor(crop, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, cfg.quality])
        if not ok:
            failed.append(f"{i}: JPEG encoding failed")
            continue
        name = f"{i:06d}.jpg"
        (folder / name).write_bytes(buf.tobytes())
        files[i] = name
        boxes[i] = xyxy_to_xywh(map_box(m, box))
        fill[i] = mean
        transform[i] = (m[0, 0], -m[0, 2] / m[0, 0], -m[1, 2] / m[1, 1])  # k, x0, y0: crop = k (img - x0)
    atomic_write_json(index_path, {
        "name": seq.name, "frames": n, "files": files,
        "boxes": [[None if not np.isfinite(v) else round(float(v), 3) for v in b] for b in boxes],
        "visible": [bool(f) for f in files], "fill": np.round(fill, 2).tolist(),
        "transform": [[None if not np.isfinite(v) else round(float(v), 6) for v in t] for t in transform],
        "failed": failed,
    })
    return folder.name, sum(bool(f) for f in files), len(failed)


def _init_worker(dataset: Dataset, out_dir: Path, cfg: CacheConfig) -> None:
    global _WORKER  # no cv2.setNumThreads here: it deadlocks in a forked child (see pairs.worker_init)
    _WORKER = (dataset, out_dir, cfg)


def _work(index: int) -> tuple[str, int, int]:
    dataset, out_dir, cfg = _WORKER
    return cache_sequence(dataset, index, out_dir, cfg)


def build_cache(dataset: Dataset, out_dir, cfg: CacheConfig | None = None, workers: int = 1,
                progress: bool = True, source: dict | None = None) -> dict:
    """Write (or finish writing) the crop cache of ``dataset`` into ``out_dir``; returns a summary."""
    cfg = cfg or CacheConfig()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest_path = out_dir / "cache.json"
    settings = asdict(cfg)
    if manifest_path.is_file():
        old = json.loads(manifest_path.read_text())
        if old.get("settings") != settings:
            raise DataError(f"{out_dir} holds a cache made with other settings ({old.get('settings')}); "
                            "use another --out or the same settings")
    manifest = {"version": CACHE_VERSION, "settings": settings, "source": source or {"format": dataset.format},
                "complete": False}
    atomic_write_json(manifest_path, manifest)
    written = failed = reused = 0
    folders = []
    indices = range(len(dataset))
    bar = tqdm(total=len(indices), desc="caching crops", unit="seq", disable=not progress)
    if workers > 1:
        with mp.get_context("fork").Pool(workers, _init_worker, (dataset, out_dir, cfg)) as pool:
            results = pool.imap(_work, indices, chunksize=1)
            for folder, n, bad in results:
                folders.append(folder)
                reused += n < 0
                written += max(n, 0)
                failed += bad
                bar.update()
    else:
        for i in indices:
            folder, n, bad = cache_sequence(dataset, i, out_dir, cfg)
            folders.append(folder)
            reused += n < 0
            written += max(n, 0)
            failed += bad
            bar.update()
    bar.close()
    manifest.update(complete=True, sequences=folders)
    atomic_write_json(manifest_path, manifest)
    return {"out": str(out_dir), "sequences": len(folders), "reused_sequences": int(reused),
            "frames_written": int(written), "frames_failed": int(failed)}
