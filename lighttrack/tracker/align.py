"""Template alignment: the network's box, refined by matching the target's first-frame look.

A stride-16 network puts the box within a few pixels and, with the tuned size rate, follows a
zoom only slowly. Wherever the target still looks as it did in the first frame (a rigid object
under camera motion, zoom, blur, exposure drift), the normalised cross-correlation of that first
appearance places it to a fraction of a pixel and finds its scale. Where it no longer does (it
deformed, turned, or is hidden), the best correlation falls under a gate and the network's box
stands, so the network still does the finding and the alignment only the last pixels.

One scale serves both sides: an aligned box keeps the first frame's aspect ratio (the network's
boxes are the ones that can change it).

Pure functions and one small class on RGB numpy frames (matched in grey); no state outside the
aligner.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

# The reference is matched at most this many pixels on its longer side: enough texture for a
# decisive correlation peak, and under a millisecond per frame for most targets
# (benchmarks/align_speed.py).
MATCH_SIDE = 48
# Scales tried around the current one, as log ratios: +-8 % covers a fast zoom between two frames.
LOG_SCALE_STEPS = np.array([-0.08, -0.04, 0.0, 0.04, 0.08])
MIN_TEMPLATE_SIDE = 6  # below this many pixels a correlation peak means nothing


@dataclass(frozen=True)
class Alignment:
    """Where the first-frame appearance matched best: centre cx, cy and size w, h in image
    pixels, and the normalised correlation there (1 is a perfect match)."""

    center: np.ndarray
    size: np.ndarray
    correlation: float


def rgb_to_grey(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32)


def crop_region(image: np.ndarray, x0: float, y0: float, x1: float, y1: float) -> tuple[np.ndarray, int, int] | None:
    """The pixels of [x0, x1) x [y0, y1) (rounded outwards), edges replicated where the region
    leaves the image, with the integer top-left corner of what was returned; None when the
    region misses the image."""
    height, width = image.shape[:2]
    ix0, iy0 = int(np.floor(x0)), int(np.floor(y0))
    ix1, iy1 = max(int(np.ceil(x1)), ix0 + 1), max(int(np.ceil(y1)), iy0 + 1)
    cx0, cy0, cx1, cy1 = max(ix0, 0), max(iy0, 0), min(ix1, width), min(iy1, height)
    if cx1 <= cx0 or cy1 <= cy0:
        return None
    inside = image[cy0:cy1, cx0:cx1]
    pads = (cy0 - iy0, iy1 - cy1, cx0 - ix0, ix1 - cx1)
    if any(pads):
        inside = cv2.copyMakeBorder(inside, *pads, cv2.BORDER_REPLICATE)
    return inside, ix0, iy0


def peak_offset(before: float, peak: float, after: float) -> float:
    """Sub-sample position of a maximum from its two neighbours (a parabola through the three),
    within [-0.5, 0.5]."""
    curvature = before - 2.0 * peak + after
    if not curvature < 0:
        return 0.0
    return float(np.clip(0.5 * (before - after) / curvature, -0.5, 0.5))


class TemplateAligner:
    """Matches one target's first-frame appearance near a given box; see the module docstring.

    ``margin``: how far from the given box the match may move, as a fraction of the box's longer
    side (plus 4 px). ``threshold``: the least correlation at which :meth:`align` answers.
    """

    def __init__(self, frame: np.ndarray, box, threshold: float = 0.6, margin: float = 0.3) -> None:
        x, y, w, h = (float(v) for v in box)
        found = crop_region(frame, x, y, x + w, y + h)
        self.reference = rgb_to_grey(found[0]) if found is not None else np.zeros((1, 1), np.float32)
        self.size0 = np.array([w, h], np.float64)
        self.threshold = float(threshold)
        self.margin = float(margin)
        self.usable = bool(min(w, h) >= 2 and self.reference.std() > 1.0)  # a flat patch cannot be matched

    def align(self, frame: np.ndarray, center, size) -> Alignment | None:
        """The best match of the reference within the margin around ``center``, at scales around
        ``size``'s; None when nothing correlates at least ``threshold`` (or the target is too
        small or flat to match)."""
        if not self.usable:
            return None
        center = np.asarray(center, np.float64)
        size = np.asarray(size, np.float64)
        if not (np.all(np.isfinite(center)) and np.all(np.isfinite(size)) and np.all(size > 0)):
            return None
        log_base = 0.5 * float(np.log(size[0] * size[1] / (self.size0[0] * self.size0[1])))
        reach = self.size0 * float(np.exp(log_base + LOG_SCALE_STEPS[-1]))
        pad = self.margin * float(np.max(reach)) + 4.0
        half = reach / 2 + pad
        cropped = crop_region(frame, center[0] - half[0], center[1] - half[1], center[0] + half[0], center[1] + half[1])
        if cropped is None:
            return None
        region, ox, oy = cropped
        factor = min(1.0, MATCH_SIDE / float(np.max(reach)))
        search = rgb_to_grey(region)
        if factor < 1.0:
            search = cv2.resize(search, (max(1, round(search.shape[1] * factor)), max(1, round(search.shape[0] * factor))), interpolation=cv2.INTER_AREA)
        fx, fy = search.shape[1] / region.shape[1], search.shape[0] / region.shape[0]
        found = []
        for step in LOG_SCALE_STEPS:
            w, h = self.size0 * float(np.exp(log_base + step))
            tw, th = round(w * fx), round(h * fy)
            if min(tw, th) < MIN_TEMPLATE_SIDE or tw >= search.shape[1] or th >= search.shape[0]:
                found.append(None)
                continue
            template = cv2.resize(self.reference, (tw, th), interpolation=cv2.INTER_AREA)
            scores = cv2.matchTemplate(search, template, cv2.TM_CCOEFF_NORMED)
            _, best, _, (px, py) = cv2.minMaxLoc(scores)
            if not np.isfinite(best):
                found.append(None)
                continue
            dx = peak_offset(scores[py, px - 1], best, scores[py, px + 1]) if 0 < px < scores.shape[1] - 1 else 0.0
            dy = peak_offset(scores[py - 1, px], best, scores[py + 1, px]) if 0 < py < scores.shape[0] - 1 else 0.0
            cx = ox + (px + dx + tw / 2) / fx
            cy = oy + (py + dy + th / 2) / fy
            found.append((float(best), cx, cy))
        values = np.array([f[0] if f is not None else -np.inf for f in found])
        k = int(np.argmax(values))
        if not values[k] >= self.threshold:
            return None
        _, cx, cy = found[k]
        offset = peak_offset(values[k - 1], values[k], values[k + 1]) if 0 < k < len(values) - 1 and np.all(np.isfinite(values[k - 1:k + 2])) else 0.0
        spacing = float(LOG_SCALE_STEPS[1] - LOG_SCALE_STEPS[0])
        scale = float(np.exp(log_base + LOG_SCALE_STEPS[k] + offset * spacing))
        return Alignment(np.array([cx, cy]), self.size0 * scale, float(values[k]))
