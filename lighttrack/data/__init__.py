"""The tracking-data layer: readers for every standard layout, checks, synthetic clips, pair
sampling, crops, labels and a crop cache. See docs/data.md.

Names are imported on first use: ``lighttrack eval`` reads data sets in the plain install, while
pair sampling (``PairDataset``) needs torch, which only the training extra brings.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "FORMATS": "datasets", "Dataset": "datasets", "detect_format": "datasets", "open_dataset": "datasets",
    "PairDataset": "pairs",
    "PairSampler": "sampler", "PairSpec": "sampler", "Source": "sampler",
    "Problem": "sequence", "Sequence": "sequence", "load_image": "sequence",
    "synthetic_sequence": "synthetic",
    "make_targets": "targets",
    "AugmentConfig": "transforms",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"lighttrack.data.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'lighttrack.data' has no attribute {name!r}")
