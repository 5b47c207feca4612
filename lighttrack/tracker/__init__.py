"""The LightTrack tracker: crops, post-processing, presets, backends and toolkit adapters."""

from lighttrack.tracker.presets import Preset, get_preset, list_presets, load_preset, save_preset
from lighttrack.tracker.tracker import MultiTracker, TrackResult, Tracker, default_weights

__all__ = [
    "MultiTracker",
    "Preset",
    "TrackResult",
    "Tracker",
    "default_weights",
    "get_preset",
    "list_presets",
    "load_preset",
    "save_preset",
]
