"""The LightTrack tracker: crops, LightTrack's step, refiners, presets, backends, the ONNX cache
and the got10k adapter.

Names are imported on first use, so ``lighttrack.tracker.result`` and ``.presets`` load without
the network code.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "Preset": "presets",
    "get_preset": "presets",
    "list_presets": "presets",
    "load_preset": "presets",
    "save_preset": "presets",
    "TrackResult": "result",
    "CVTracker": "tracker",
    "MultiTracker": "tracker",
    "Tracker": "tracker",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"lighttrack.tracker.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'lighttrack.tracker' has no attribute {name!r}")
