"""What the speed benchmarks share: the frames a tracker is timed on, and the summary of the
times (``benchmarks/speed.py`` on a CPU, ``benchmarks/gpu_throughput.py`` on a GPU)."""

from __future__ import annotations

import cv2
import numpy as np

from lighttrack.tracker.video import open_source


def time_stats(seconds: list[float]) -> dict:
    """Median, 10th and 90th percentile and mean in milliseconds, frames/s at the median, count."""
    ms = np.asarray(seconds) * 1000.0
    med = float(np.median(ms))
    return {
        "median_ms": round(med, 3),
        "p10_ms": round(float(np.percentile(ms, 10)), 3),
        "p90_ms": round(float(np.percentile(ms, 90)), 3),
        "mean_ms": round(float(ms.mean()), 3),
        "fps_at_median": round(1000.0 / med, 1),
        "samples": int(ms.size),
    }


def clip_frames(source, box, count: int, resize: str | None = None) -> tuple[list[np.ndarray], np.ndarray]:
    """``count + 1`` RGB frames of a video or image folder (the first to ``init`` on) and the
    first frame's box, scaled with the frames when ``resize`` ("WxH") is given. A clip shorter
    than that is played back and forth (ping-pong keeps the motion continuous when looped)."""
    box = np.asarray(box, np.float64)
    reader = open_source(source)
    frames = [f for i, f in reader if f is not None and i < count + 1]
    reader.close()
    if resize:
        width, height = (int(v) for v in resize.lower().split("x"))
        sx, sy = width / frames[0].shape[1], height / frames[0].shape[0]
        frames = [cv2.resize(f, (width, height), interpolation=cv2.INTER_AREA) for f in frames]
        box = box * np.array([sx, sy, sx, sy])
    while len(frames) < count + 1:
        frames = frames + frames[-2:0:-1]
    return frames[: count + 1], box
