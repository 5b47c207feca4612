"""Synthetic clips in which the target disappears and comes back, with the frames known.

A textured target moves over a textured, slowly panning background and, in the middle of the
clip, either **leaves the frame** across an edge and re-enters (``kind="exit"``) or is **fully
hidden** by a larger occluder that slides over it, parks, and slides away (``kind="occlusion"``).
Half the clips also hold a distractor of another texture. Everything is a pure function of
``(seed, index, kind)``; frames are rendered on demand.

The box is always the target's full box (it may reach outside the frame). ``meta["fraction"]``
is the share of the target in view in each frame; a frame is visible (``Sequence.visible``) when
at least half of it is, and ``meta["absent"]`` lists the frames where less than
:data:`ABSENT_BELOW` of it is (in between, the target is partly in view and counts as neither).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lighttrack.data.sequence import Sequence
from lighttrack.data.synthetic import _paste, texture

KINDS = ("exit", "occlusion")
ABSENT_BELOW = 0.1  # share of the target in view under which it counts as absent
VISIBLE_FROM = 0.5  # share at or above which it counts as visible


def _visible_share(box: np.ndarray, width: int, height: int, occluder: np.ndarray | None) -> float:
    x, y, w, h = box
    mask = np.zeros((max(1, int(np.ceil(h))), max(1, int(np.ceil(w)))), bool)
    ys = y + np.arange(mask.shape[0]) + 0.5
    xs = x + np.arange(mask.shape[1]) + 0.5
    inside = ((ys >= 0) & (ys < height))[:, None] & ((xs >= 0) & (xs < width))[None, :]
    if occluder is not None:
        ox, oy, ow, oh = occluder
        covered = ((ys >= oy) & (ys < oy + oh))[:, None] & ((xs >= ox) & (xs < ox + ow))[None, :]
        inside &= ~covered
    return float(inside.mean())


@dataclass
class AbsenceClip:
    """One clip's plan; ``render(i)`` draws frame ``i``."""

    seed: int
    index: int
    kind: str
    length: int = 100
    width: int = 320
    height: int = 240

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")
        rng = np.random.default_rng([self.seed, self.index, KINDS.index(self.kind), 23])
        W, H, L = self.width, self.height, self.length
        side = rng.uniform(0.14, 0.22) * min(W, H)
        aspect = np.exp(rng.uniform(-0.4, 0.4))
        w, h = side * np.sqrt(aspect), side / np.sqrt(aspect)
        t = np.arange(L, dtype=np.float64)
        # the event: leaves (or is covered) at `leave`, stays away `away` frames
        leave = int(rng.integers(int(0.25 * L), int(0.35 * L)))
        away = int(rng.integers(int(0.15 * L), int(0.25 * L)))
        self.event = (leave, leave + away)
        start = np.array([rng.uniform(0.35, 0.65) * W, rng.uniform(0.35, 0.65) * H])
        wobble = np.stack([6 * np.sin(2 * np.pi * t / rng.uniform(30, 60) + rng.uniform(0, 6)),
                           6 * np.sin(2 * np.pi * t / rng.uniform(30, 60) + rng.uniform(0, 6))], axis=1)
        centers = np.tile(start, (L, 1)) + wobble
        self.occ_boxes = None
        if self.kind == "exit":
            edge = int(rng.integers(4))  # 0 left, 1 right, 2 top, 3 bottom
            outside = {0: (-w, start[1]), 1: (W + w, start[1]), 2: (start[0], -h), 3: (start[0], H + h)}[edge]
            outside = np.array(outside, np.float64)
            travel = 12  # frames to walk from the start to just outside (and back)
            back = start + rng.uniform(-0.15, 0.15, 2) * np.array([W, H])  # returns to a nearby place
            for i in range(L):
                if leave - travel <= i < leave:
                    a = (i - (leave - travel)) / travel
                    centers[i] = start + a * (outside - start) + wobble[i]
                elif leave <= i < leave + away:
                    centers[i] = outside
                elif leave + away <= i < leave + away + travel:
                    a = (i - (leave + away)) / travel
                    centers[i] = outside + a * (back - outside) + wobble[i]
                elif i >= leave + away + travel:
                    centers[i] = back + wobble[i]
        else:
            ow, oh = 2.2 * w + 10, 2.2 * h + 10
            slide = 8
            side_x = -ow if rng.random() < 0.5 else W + ow
            occ_x = np.full(L, side_x)
            for i in range(L):
                target_x = centers[min(i, L - 1), 0] - ow / 2
                if leave - slide <= i < leave:
                    occ_x[i] = side_x + (i - (leave - slide) + 1) / slide * (target_x - side_x)
                elif leave <= i < leave + away:
                    occ_x[i] = target_x
                elif leave + away <= i < leave + away + slide:
                    occ_x[i] = target_x + (i - (leave + away) + 1) / slide * (side_x - target_x)
            occ_y = centers[:, 1] - oh / 2
            self.occ_boxes = np.stack([occ_x, occ_y, np.full(L, ow), np.full(L, oh)], axis=1)
        self.boxes = np.concatenate([centers - [w / 2, h / 2], np.tile([[w, h]], (L, 1))], axis=1)
        self.fraction = np.array([_visible_share(self.boxes[i], W, H, None if self.occ_boxes is None else self.occ_boxes[i])
                                  for i in range(L)])
        self.distractor = None
        if rng.random() < 0.5:
            p0 = rng.uniform([0, 0], [W - w, H - h])
            v = rng.uniform(-1.0, 1.0, 2)
            span = np.array([W - w, H - h]).clip(1)
            folded = (p0 + t[:, None] * v) % (2 * span)
            self.distractor = np.concatenate([span - np.abs(folded - span), np.tile([[w, h]], (L, 1))], axis=1)
        self.pan = np.stack([16 * np.sin(2 * np.pi * t / rng.uniform(80, 160)), 16 * np.sin(2 * np.pi * t / rng.uniform(80, 160))], axis=1)
        self._textures: tuple | None = None

    def render(self, i: int) -> np.ndarray:
        if self._textures is None:
            rng = np.random.default_rng([self.seed, self.index, KINDS.index(self.kind), 29])
            self._textures = (texture(rng, self.height + 40, self.width + 40, contrast=0.8), texture(rng, 64, 64, contrast=1.4),
                              texture(rng, 64, 64, contrast=1.4), texture(rng, 32, 32, contrast=1.0))
        background, target, other, occluder = self._textures
        ox, oy = int(20 + self.pan[i, 0]), int(20 + self.pan[i, 1])
        frame = np.ascontiguousarray(background[oy:oy + self.height, ox:ox + self.width])
        if self.distractor is not None:
            _paste(frame, other, self.distractor[i], False)
        _paste(frame, target, self.boxes[i], False)
        if self.occ_boxes is not None:
            _paste(frame, occluder, self.occ_boxes[i], False)
        return frame


def absence_sequence(seed: int = 0, index: int = 0, kind: str = "exit", length: int = 100, size=(320, 240)) -> Sequence:
    """One clip as a ``Sequence`` (RGB uint8 frames rendered lazily); see the module docstring."""
    width, height = (size, size) if isinstance(size, int) else size
    clip = AbsenceClip(seed, index, kind, length, int(width), int(height))
    name = f"absence-{kind}-{seed}-{index:04d}"
    paths = [f"synthetic://{name}/{i:05d}" for i in range(length)]
    visible = clip.fraction >= VISIBLE_FROM
    meta = {"synthetic": True, "kind": kind, "image_size": (int(width), int(height)), "event": list(clip.event),
            "fraction": clip.fraction.round(4).tolist(), "absent": np.flatnonzero(clip.fraction < ABSENT_BELOW).tolist(),
            "distractor": clip.distractor is not None}
    return Sequence(name, paths, clip.boxes.copy(), visible, meta, (), clip.render)


def absence_clips(n: int = 8, seed: int = 0, length: int = 100, size=(320, 240)) -> list[Sequence]:
    """``n`` clips, alternating exit and occlusion (index i: kind i % 2)."""
    return [absence_sequence(seed, i, KINDS[i % 2], length, size) for i in range(n)]
