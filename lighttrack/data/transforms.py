"""Target-centred crops with one affine warp per patch, plus the recipe's augmentations.

The original pipeline cut a 511x511 crop per frame and then warped it again; here the chain
(frame -> context crop -> shift/scale jitter -> resize -> optional flip) is folded into a single
2x3 matrix, so each patch costs exactly one ``cv2.warpAffine`` on the source image and the box is
mapped by the same matrix (exact labels, no double interpolation).

Conventions (see docs/data.md):
- Scale: a patch shows the target at ``k = template_size / s_z`` patch pixels per image pixel, with
  ``s_z = sqrt((w + p)(h + p))``, ``p = context (w + h)``, from the annotated box. The original
  crops used 127 while labels assumed 128 (a 0.8% mismatch); we use ``template_size`` for both,
  so the pixels and the labels agree. The search patch uses the same ``k`` (it covers
  ``search_size / template_size * s_z`` image pixels), computed from the search frame's own box.
- Jitter: the patch is scaled per axis by ``1 + U(-s, s)`` (the target's size is divided by it)
  and shifted by ``U(-d, d)`` pixels (the target's centre lands at ``centre - shift``).
- Out-of-image pixels are filled with the source image's mean colour (the tracker pads with the
  first frame's mean at test time; the cache stores the full frame's mean for its crops).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from lighttrack.geometry import context_size, xywh_to_cxcywh


@dataclass(frozen=True)
class AugmentConfig:
    """Sizes, jitter and augmentation probabilities; defaults follow the LightTrack recipe."""

    template_size: int = 128
    search_size: int = 256
    context: float = 0.5
    template_shift: float = 4.0
    template_scale: float = 0.05
    search_shift: float = 64.0
    search_scale: float = 0.18
    color_prob: float = 1.0
    brightness: float = 0.05
    contrast: float = 0.05
    saturation: float = 0.05
    hue: float = 0.05
    blur_prob: float = 0.0
    gray_prob: float = 0.0
    flip_prob: float = 0.0


@dataclass(frozen=True)
class CropParams:
    """Everything that decides one patch: drawn once, then applied with a single warp."""

    out_size: int
    scale: float  # patch pixels per image pixel before jitter
    shift: tuple[float, float] = (0.0, 0.0)
    stretch: tuple[float, float] = (1.0, 1.0)  # per-axis scale jitter (region grows by it)
    flip: bool = False


def crop_matrix(box_xywh, params: CropParams) -> np.ndarray:
    """2x3 float64 matrix mapping continuous image coordinates to patch coordinates."""
    cx, cy, _, _ = xywh_to_cxcywh(box_xywh)
    kx, ky = params.scale / params.stretch[0], params.scale / params.stretch[1]
    half = params.out_size / 2
    m = np.array([[kx, 0.0, half - params.shift[0] - kx * cx],
                  [0.0, ky, half - params.shift[1] - ky * cy]])
    if params.flip:
        m = np.array([[-1.0, 0.0, params.out_size], [0.0, 1.0, 0.0]]) @ np.vstack([m, [0, 0, 1]])
    return m


def to_pixel_matrix(m: np.ndarray) -> np.ndarray:
    """Continuous-coordinate affine -> the pixel-centre form cv2.warpAffine expects."""
    out = np.array(m, dtype=np.float64)
    out[:, 2] = m[:, :2] @ np.array([0.5, 0.5]) + m[:, 2] - 0.5
    return out


def map_box(m: np.ndarray, box_xywh) -> np.ndarray:
    """Corners x1,y1,x2,y2 of a box after an axis-aligned (scale/flip/shift) affine map."""
    x, y, w, h = (float(v) for v in box_xywh)
    pts = m @ np.array([[x, x + w], [y, y + h], [1.0, 1.0]])
    return np.array([pts[0].min(), pts[1].min(), pts[0].max(), pts[1].max()])


def warp_patch(image: np.ndarray, box_xywh, params: CropParams, fill) -> tuple[np.ndarray, np.ndarray]:
    """(patch HxWx3 uint8, target box x1,y1,x2,y2 in the patch) from one warp of ``image``."""
    m = crop_matrix(box_xywh, params)
    patch = cv2.warpAffine(image, to_pixel_matrix(m), (params.out_size, params.out_size),
                           flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                           borderValue=tuple(float(v) for v in fill))
    return patch, map_box(m, box_xywh)


def draw_crop(rng: np.random.Generator, box_xywh, out_size: int, reference_size: int, context: float,
              max_shift: float, max_scale: float, flip_prob: float) -> CropParams:
    """Draw the jitter of one patch: shift U(-d, d) px and per-axis scale 1 + U(-s, s)."""
    _, _, w, h = (float(v) for v in box_xywh)
    scale = reference_size / context_size(w, h, context)
    shift = tuple(float(v) for v in rng.uniform(-max_shift, max_shift, 2)) if max_shift else (0.0, 0.0)
    stretch = tuple(float(v) for v in 1 + rng.uniform(-max_scale, max_scale, 2)) if max_scale else (1.0, 1.0)
    flip = bool(flip_prob and rng.random() < flip_prob)
    return CropParams(out_size, scale, shift, stretch, flip)


_LUMA = np.array([0.299, 0.587, 0.114])


def hue_rotation(turns: float) -> np.ndarray:
    """3x3 RGB rotation about the grey axis by ``turns`` of a full circle (a linear hue shift)."""
    a = 2 * np.pi * turns
    c, s, k = np.cos(a), np.sin(a) / np.sqrt(3.0), (1 - np.cos(a)) / 3
    return np.array([[c + k, k - s, k + s], [k + s, c + k, k - s], [k - s, k + s, c + k]])


def color_matrix(rng: np.random.Generator, cfg: AugmentConfig, mean_luma: float) -> np.ndarray:
    """3x4 affine colour map = hue o saturation o contrast o brightness.

    Each step is linear in RGB (brightness scales, contrast blends with the mean grey level,
    saturation blends with each pixel's grey, hue rotates about the grey axis), so the four fold
    into one matrix applied in a single ``cv2.transform`` pass: about 10x cheaper than converting
    to HSV and back, with the same factors 1 + U(-a, a) and hue U(-h, h) turns as the recipe's
    ColorJitter(0.05, 0.05, 0.05, 0.05). The order is fixed rather than shuffled per sample.
    """
    b = 1 + rng.uniform(-cfg.brightness, cfg.brightness)
    c = 1 + rng.uniform(-cfg.contrast, cfg.contrast)
    s = 1 + rng.uniform(-cfg.saturation, cfg.saturation)
    h = rng.uniform(-cfg.hue, cfg.hue)
    sat = s * np.eye(3) + (1 - s) * np.outer(np.ones(3), _LUMA)
    m = c * b * hue_rotation(h) @ sat
    offset = (1 - c) * b * mean_luma * np.ones(3)  # the grey axis is fixed by saturation and hue
    return np.hstack([m, offset[:, None]])


def color_jitter(rng: np.random.Generator, image: np.ndarray, cfg: AugmentConfig) -> np.ndarray:
    """Brightness, contrast, saturation and hue jitter of an RGB uint8 image, in one pass."""
    mean = cv2.mean(image)[:3]
    mean_luma = float(np.dot(_LUMA, mean))
    return cv2.transform(image, color_matrix(rng, cfg, mean_luma))


def photometric(rng: np.random.Generator, patch: np.ndarray, cfg: AugmentConfig) -> np.ndarray:
    """Colour jitter, blur and grayscale, each with its own probability."""
    if cfg.color_prob and rng.random() < cfg.color_prob:
        patch = color_jitter(rng, patch, cfg)
    if cfg.blur_prob and rng.random() < cfg.blur_prob:
        sigma = rng.uniform(0.5, 2.0)
        patch = cv2.GaussianBlur(patch, (0, 0), sigma)
    if cfg.gray_prob and rng.random() < cfg.gray_prob:
        patch = cv2.cvtColor(cv2.cvtColor(patch, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)
    return patch
