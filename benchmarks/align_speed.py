"""What template alignment (``Preset.align``) costs per target and frame, by target size. Prints JSON.

    .venv/bin/python benchmarks/align_speed.py [--repeats 300]

Times :meth:`TemplateAligner.align` alone (five normalised cross-correlations on a copy shrunk to
at most 48 px of reference) on a textured 1280x720 frame, the target a few pixels from where the
network put it; median and p90 in milliseconds. The rest of a frame's work is in
``benchmarks/speed.py`` (``--preset aligned`` against ``--preset calibrated``).
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import cv2
import numpy as np


def textured_frame(width: int, height: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    coarse = rng.uniform(0, 255, (height // 16, width // 16, 3)).astype(np.float32)
    image = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC)
    image += rng.normal(0, 12, image.shape).astype(np.float32)
    return np.clip(image, 0, 255).astype(np.uint8)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeats", type=int, default=300, help="timed calls per target size (default 300)")
    args = p.parse_args(argv)

    from lighttrack.tracker.align import TemplateAligner

    cv2.setNumThreads(1)
    frame = textured_frame(1280, 720)
    results = {}
    for w, h in ((16, 12), (40, 30), (80, 60), (200, 150), (480, 360)):
        box = np.array([640 - w / 2, 360 - h / 2, w, h], np.float64)
        aligner = TemplateAligner(frame, box)
        guess = np.array([640.0 + 3, 360.0 - 2])
        times = []
        found = None
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            found = aligner.align(frame, guess, box[2:] * 1.03)
            times.append(time.perf_counter() - t0)
        ms = np.asarray(times) * 1000
        results[f"{w}x{h}"] = {"median_ms": round(float(np.median(ms)), 3), "p90_ms": round(float(np.percentile(ms, 90)), 3),
                               "matched": found is not None,
                               "centre_error_px": None if found is None else round(float(np.abs(found.center - [640, 360]).max()), 3)}
    print(json.dumps({"benchmark": "template alignment per target and frame", "frame": [1280, 720],
                      "repeats": args.repeats, "opencv_threads": 1, "machine": platform.machine(),
                      "opencv": cv2.__version__, "results": results}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
