"""The one value every reader returns: a sequence of frames with one target's boxes.

Frames load lazily (a GOT-10k train set is ~1.4 M JPEGs), so a ``Sequence`` holds paths, or a
``loader`` callable for frames that are made rather than read (synthetic clips, stills under a
virtual camera). Problems a reader notices while parsing (GT rows that do not match the frames,
missing files) travel with the sequence in ``issues`` instead of raising, so that training can skip
a bad sequence and ``lighttrack data check`` can report it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

import cv2
import numpy as np

from lighttrack.errors import InputError

_PNG_END = b"IEND\xaeB`\x82"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a sequence, in words a user can act on."""

    kind: str  # missing_frames, gt_mismatch, invalid_boxes, unreadable, empty_gt, layout
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.detail}"


@dataclass(frozen=True, eq=False)
class Sequence:
    """Frames of one video plus one target's boxes (x, y, w, h; NaN where absent).

    ``visible[i]`` is False where the target is absent, fully occluded or out of view, or where
    the box is missing. ``loader`` (optional) makes frame ``i`` without a file: synthetic and
    still-image clips use it; ``frame_paths`` then hold descriptive pseudo-paths.
    """

    name: str
    frame_paths: list[str]
    boxes: np.ndarray
    visible: np.ndarray
    meta: dict = field(default_factory=dict)
    issues: tuple[Problem, ...] = ()
    loader: Callable[[int], np.ndarray] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        boxes = np.asarray(self.boxes, dtype=np.float64).reshape(-1, 4)
        visible = np.asarray(self.visible, dtype=bool).reshape(-1)
        if len(boxes) != len(self.frame_paths) or len(visible) != len(self.frame_paths):
            raise ValueError(
                f"sequence {self.name}: {len(self.frame_paths)} frames but {len(boxes)} boxes and "
                f"{len(visible)} visibility flags (readers must pad or trim first)"
            )
        object.__setattr__(self, "boxes", boxes)
        object.__setattr__(self, "visible", visible)
        object.__setattr__(self, "frame_paths", list(self.frame_paths))

    def __len__(self) -> int:
        return len(self.frame_paths)

    def frame(self, index: int) -> np.ndarray:
        """Frame ``index`` as an HxWx3 uint8 RGB array; InputError names the file if unreadable."""
        if not -len(self) <= index < len(self):
            raise IndexError(f"frame {index} out of range for {self.name} ({len(self)} frames)")
        if self.loader is not None:
            return self.loader(index % len(self))
        return load_image(self.frame_paths[index])

    def head(self, n: int) -> "Sequence":
        """The same sequence cut to its first ``n`` frames (a quick or smoke run)."""
        return replace(self, frame_paths=self.frame_paths[:n], boxes=self.boxes[:n], visible=self.visible[:n])

    def usable(self) -> np.ndarray:
        """Indices of frames that can serve as training samples: visible with a valid box."""
        b = self.boxes
        ok = self.visible & np.all(np.isfinite(b), axis=1) & (b[:, 2] > 0) & (b[:, 3] > 0)
        return np.flatnonzero(ok)


def _truncated(head: bytes, tail: bytes) -> bool:
    """Cheap integrity test on a file's first and last bytes: JPEGs end with FFD9 and PNGs with
    IEND. OpenCV decodes truncated JPEGs silently, filling the missing rows with grey, which would
    poison training without anyone noticing."""
    if head[:2] == b"\xff\xd8":
        return b"\xff\xd9" not in tail[-1024:]
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return _PNG_END not in tail[-64:]
    return False


def check_image_file(path: str | Path) -> str | None:
    """Why ``path`` cannot be a frame (missing, empty, truncated), or None if it looks whole.

    Reads 8 + 1024 bytes, not the image, so it is fast enough to run over a whole data set.
    """
    p = Path(path)
    try:
        size = p.stat().st_size
    except OSError:
        return "missing"
    if size == 0:
        return "empty file"
    with open(p, "rb") as handle:
        head = handle.read(8)
        handle.seek(max(0, size - 1024))
        tail = handle.read()
    return "truncated image" if _truncated(head, tail) else None


def load_image(path: str | Path) -> np.ndarray:
    """Read an image file as HxWx3 uint8 RGB (grey images are expanded to three channels)."""
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise InputError(f"cannot read frame {path}: {err.strerror or err}") from None
    if not data:
        raise InputError(f"cannot read frame {path}: empty file")
    if _truncated(data[:8], data[-1024:]):
        raise InputError(f"cannot read frame {path}: truncated image")
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise InputError(f"cannot read frame {path}: not a decodable image")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
