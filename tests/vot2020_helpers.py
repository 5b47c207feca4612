"""A miniature VOT2020-format workspace, generated: frames, mask ground truth (text RLE and the
toolkit's binary format), a box ground truth, anchor.value files, and multi-start result files
with drifts, failures and lost frames, all from a seed."""

from __future__ import annotations

import struct
from pathlib import Path

import cv2
import numpy as np
from data_helpers import rle_runs

W, H = 64, 48


rle = rle_runs  # runs of 0s and 1s, row-major, starting with 0s (the VOT encoding)


def mask_line(mask: np.ndarray) -> str:
    ys, xs = np.nonzero(mask)
    if not len(xs):
        return "m0,0,0,0,0"
    x0, y0, x1, y1 = xs.min(), ys.min(), xs.max(), ys.max()
    crop = mask[y0:y1 + 1, x0:x1 + 1]
    return "m" + ",".join(str(v) for v in [x0, y0, x1 - x0 + 1, y1 - y0 + 1] + rle(crop))


def binary_regions(entries) -> bytes:
    """The toolkit's binary region file: entries are masks (2-D arrays), boxes (4-tuples) or codes."""
    out = struct.pack("<hI", 1, len(entries))
    for e in entries:
        if isinstance(e, int):
            out += struct.pack("<BI", 0, e)
        elif isinstance(e, np.ndarray):
            ys, xs = np.nonzero(e)
            x0, y0 = (int(xs.min()), int(ys.min())) if len(xs) else (0, 0)
            crop = e[y0:ys.max() + 1, x0:xs.max() + 1] if len(xs) else np.zeros((0, 0), np.uint8)
            runs = rle(crop) if crop.size else [0]
            out += struct.pack(f"<BhhHHH{len(runs)}H", 3, x0, y0, crop.shape[1], crop.shape[0], len(runs), *runs)
        else:
            out += struct.pack("<Bffff", 1, *e)
    return out


def blob(rng, cx, cy, rx, ry) -> np.ndarray:
    yy, xx = np.mgrid[0:H, 0:W]
    inside = ((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2 <= 1.0
    noise = rng.random((H, W)) < 0.08  # ragged edges, like real masks
    return (inside & ~(noise & ~(((xx - cx) / (rx * 0.7)) ** 2 + ((yy - cy) / (ry * 0.7)) ** 2 <= 1.0))).astype(np.uint8)


SEQUENCES = {  # name: (frames, ground truth kind, anchors {frame: +1 / -1})
    "ants": (230, "text", {0: 1, 60: 1, 120: 1, 229: -1}),
    "bolt": (180, "binary", {0: 1, 90: 1, 179: -1}),
    "crane": (140, "boxes", {0: 1, 70: -1, 100: 1}),
}


def make_workspace(root: Path, seed: int = 0) -> Path:
    """``root/sequences`` in the VOT2020 layout; returns that folder."""
    rng = np.random.default_rng(seed)
    seqs = root / "sequences"
    for name, (n, kind, anchors) in SEQUENCES.items():
        d = seqs / name
        (d / "color").mkdir(parents=True, exist_ok=True)
        entries, lines = [], []
        for i in range(n):
            cx, cy = 20 + 20 * np.sin(i / 25), 24 + 8 * np.cos(i / 17)
            img = np.full((H, W, 3), 90, np.uint8)
            cv2.circle(img, (int(cx), int(cy)), 8, (30, 200, 40), -1)
            cv2.imwrite(str(d / "color" / f"{i + 1:08d}.jpg"), img)
            absent = kind != "boxes" and 150 <= i < 156  # the target leaves: empty masks
            if kind == "boxes":
                box = (round(cx - 9, 2), round(cy - 7, 2), 18.5, 14.0)
                lines.append(",".join(str(v) for v in box))
                continue
            mask = np.zeros((H, W), np.uint8) if absent else blob(rng, cx, cy, 9 + 2 * np.sin(i / 9), 7)
            entries.append(mask)
            lines.append(mask_line(mask))
        info = [f"name={name}", "channels.color=color/%08d.jpg", "format=default", "fps=30", f"width={W}", f"height={H}"]
        if kind == "binary":
            (d / "groundtruth.bin").write_bytes(binary_regions(entries))
            info.append("groundtruth=groundtruth.bin")
        else:
            (d / "groundtruth.txt").write_text("\n".join(lines) + "\n")
        (d / "sequence").write_text("\n".join(info) + "\n")
        (d / "anchor.value").write_text("".join(f"{anchors.get(i, 0)}\n" for i in range(n)))
    (seqs / "list.txt").write_text("\n".join(SEQUENCES) + "\n")
    return seqs


def write_results(store, dataset, seed: int = 1, binary_run: tuple[str, int] | None = ("bolt", 90)) -> None:
    """Boxes near the ground truth with noise; some runs drift off (failures), some frames lost."""
    from lighttrack.eval.multistart import run_frames
    from lighttrack.eval.multistart_run import sequence_anchors

    rng = np.random.default_rng(seed)
    for name in dataset.names:
        seq = dataset[name]
        for k, (anchor, backward) in enumerate(sequence_anchors(seq)):
            frames = run_frames(anchor, len(seq), backward)
            boxes = np.full((len(frames), 4), np.nan)
            last = seq.boxes[anchor].copy()
            drift_at = 40 + 13 * k if (k + len(name)) % 2 == 0 else None
            for j, f in enumerate(frames):
                gt = seq.boxes[f]
                if np.all(np.isfinite(gt)):
                    last = gt
                box = last + rng.normal(0, 1.5, 4) * [1, 1, 0.5, 0.5]
                if drift_at is not None and j >= drift_at:
                    box = box + [2.0 * (j - drift_at), 0.0, 0.0, 0.0]  # walks off the target
                if rng.random() < 0.03:
                    box = np.full(4, np.nan)  # lost: written as nan
                boxes[j] = box
            store.write_run(name, anchor, boxes, np.full(len(frames), 0.01))
            if binary_run == (name, anchor):  # the same run in the toolkit's binary format
                txt = store.run_stem(name, anchor).with_suffix(".txt")
                rows = txt.read_text().split()
                entries = [1] + [0 if "nan" in r else tuple(float(v) for v in r.split(",")) for r in rows[1:]]
                txt.unlink()
                txt.with_suffix(".bin").write_bytes(binary_regions(entries))
