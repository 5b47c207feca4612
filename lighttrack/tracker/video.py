"""Frame sources (video file, image folder, camera) and an annotated video writer.

Everything the tracker sees is RGB uint8 HxWx3; OpenCV's BGR is converted here, at the edge.
A source is checked when it opens (a clear error before tracking starts). A frame that cannot be
read in the middle of an image folder is reported as ``None`` rather than stopping the run.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np

from lighttrack.errors import InputError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".ppm", ".pgm"}


def to_rgb(image: np.ndarray) -> np.ndarray:
    """OpenCV image (gray, BGR, BGRA; 8 or 16 bit) -> RGB uint8."""
    if image.dtype == np.uint16:
        image = (image >> 8).astype(np.uint8)
    elif image.dtype != np.uint8:
        image = np.clip(image, 0, 255).astype(np.uint8)
    if image.ndim == 2 or (image.ndim == 3 and image.shape[2] == 1):
        return cv2.cvtColor(image.reshape(image.shape[0], image.shape[1]), cv2.COLOR_GRAY2RGB)
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2RGB)
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def _natural_key(path: Path):
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", path.name)]


@dataclass
class FrameSource:
    """An opened source: iterate for (index, RGB frame or None)."""

    name: str
    fps: float
    count: int | None  # None when unknown (camera, some streams)
    _capture: cv2.VideoCapture | None = None
    _files: list[Path] | None = None
    _first: np.ndarray | None = None

    def __iter__(self) -> Iterator[tuple[int, np.ndarray | None]]:
        if self._files is not None:
            for i, path in enumerate(self._files):
                image = self._first if i == 0 and self._first is not None else cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
                yield i, (to_rgb(image) if image is not None else None)
            return
        assert self._capture is not None
        i = 0
        if self._first is not None:
            yield 0, to_rgb(self._first)
            i = 1
        while True:
            ok, frame = self._capture.read()
            if not ok or frame is None:
                break
            yield i, to_rgb(frame)
            i += 1

    def first_frame(self) -> np.ndarray:
        assert self._first is not None
        return to_rgb(self._first)

    def close(self) -> None:
        if self._capture is not None:
            self._capture.release()


def open_source(spec: str | os.PathLike | int) -> FrameSource:
    """A video file, a folder of images (natural sort order) or a camera index ("0")."""
    text = str(spec)
    if isinstance(spec, int) or text.isdigit():
        capture = cv2.VideoCapture(int(text))
        ok, first = capture.read() if capture.isOpened() else (False, None)
        if not ok:
            capture.release()
            raise InputError(f"cannot open camera {text}")
        return FrameSource(f"camera {text}", float(capture.get(cv2.CAP_PROP_FPS) or 30.0) or 30.0, None, capture, None, first)
    path = Path(text)
    if path.is_dir():
        files = sorted((p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()), key=_natural_key)
        if not files:
            raise InputError(f"folder {text!r} holds no images ({', '.join(sorted(IMAGE_SUFFIXES))})")
        first = cv2.imread(str(files[0]), cv2.IMREAD_UNCHANGED)
        if first is None:
            raise InputError(f"cannot read the first image {str(files[0])!r}")
        return FrameSource(text, 30.0, len(files), None, files, first)
    if not path.exists():
        raise InputError(f"source {text!r} does not exist (give a video file, an image folder or a camera index)")
    if path.suffix.lower() in IMAGE_SUFFIXES:
        first = cv2.imread(text, cv2.IMREAD_UNCHANGED)
        if first is None:
            raise InputError(f"cannot read image {text!r}")
        return FrameSource(text, 30.0, 1, None, [path], first)
    capture = cv2.VideoCapture(text)
    ok, first = capture.read() if capture.isOpened() else (False, None)
    if not ok or first is None:
        capture.release()
        raise InputError(f"cannot read video {text!r} (unsupported format or corrupt file)")
    fps = capture.get(cv2.CAP_PROP_FPS)
    count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
    return FrameSource(text, float(fps) if fps and fps > 0 and fps < 1000 else 30.0, count if count > 0 else None, capture, None, first)


COLOURS = [(0, 255, 0), (255, 64, 64), (64, 160, 255), (255, 200, 0), (255, 0, 255), (0, 255, 255)]


def draw_results(frame_rgb: np.ndarray, results, thickness: int = 2) -> np.ndarray:
    """A BGR copy of the frame with each box and its score drawn."""
    image = cv2.cvtColor(frame_rgb, cv2.COLOR_RGB2BGR)
    for k, result in enumerate(results):
        x, y, w, h = (float(v) for v in result.box)
        colour = COLOURS[k % len(COLOURS)][::-1]
        p1, p2 = (int(round(x)), int(round(y))), (int(round(x + w)), int(round(y + h)))
        cv2.rectangle(image, p1, p2, colour, thickness)
        label = f"{result.score:.2f}" if len(results) == 1 else f"#{k} {result.score:.2f}"
        if not getattr(result, "ok", True):
            label += " lost"
        cv2.putText(image, label, (p1[0], max(12, p1[1] - 4)), cv2.FONT_HERSHEY_SIMPLEX, 0.45, colour, 1, cv2.LINE_AA)
    return image


class VideoWriter:
    """mp4 (or avi) writer with a fixed frame size; later frames of another size are resized."""

    def __init__(self, path: str | os.PathLike, fps: float, size_wh: tuple[int, int]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fourcc = cv2.VideoWriter_fourcc(*("MJPG" if self.path.suffix.lower() == ".avi" else "mp4v"))
        self.size = (int(size_wh[0]), int(size_wh[1]))
        self._writer = cv2.VideoWriter(str(self.path), fourcc, float(fps), self.size)
        if not self._writer.isOpened():
            raise InputError(f"cannot write video {str(self.path)!r} (use a .mp4 or .avi name in a writable folder)")

    def write(self, image_bgr: np.ndarray) -> None:
        if (image_bgr.shape[1], image_bgr.shape[0]) != self.size:
            image_bgr = cv2.resize(image_bgr, self.size, interpolation=cv2.INTER_AREA)
        self._writer.write(image_bgr)

    def close(self) -> None:
        self._writer.release()
