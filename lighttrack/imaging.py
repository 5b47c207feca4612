"""Image conventions shared by training and tracking: RGB order and ImageNet normalisation.

The tracker reads the constants in a plain install, so torch is imported by the two tensor
helpers only (a local import, on first use).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import torch

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def normalize_uint8(images: torch.Tensor) -> torch.Tensor:
    """(B,3,H,W) or (3,H,W) uint8 RGB -> float32 normalised, in the official step order.

    The steps run in float32 as /255, -mean, /std (folding them differs by ~2e-7, which the
    golden fixtures can see).
    """
    import torch  # local: see the module docstring

    x = images.to(torch.float32) / 255.0
    shape = (3, 1, 1)
    mean = torch.tensor(IMAGENET_MEAN, dtype=torch.float32, device=x.device).view(shape)
    std = torch.tensor(IMAGENET_STD, dtype=torch.float32, device=x.device).view(shape)
    return (x - mean) / std


def hwc_to_chw_tensor(image: np.ndarray) -> torch.Tensor:
    """HxWx3 uint8 array -> 3xHxW uint8 tensor (no copy of values beyond the layout change)."""
    import torch  # local: see the module docstring

    return torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1)))
