"""lighttrack: lightweight single-object trackers found with one-shot architecture search."""

__version__ = "0.1.0"

import importlib  # noqa: E402

from lighttrack.arch import Arch, HeadArch  # noqa: E402
from lighttrack.models import ModelEntry, build, get_model, list_models, load, register, resolve_arch  # noqa: E402
from lighttrack.space import SearchSpace  # noqa: E402

# The tracker API, imported on first use (``import lighttrack`` stays light).
_TRACKER_EXPORTS = ("CVTracker", "MultiTracker", "Preset", "TrackResult", "Tracker")

__all__ = ["Arch", "HeadArch", "ModelEntry", "SearchSpace", "build", "get_model", "list_models", "load", "register", "resolve_arch",
           "__version__", *_TRACKER_EXPORTS]


def __getattr__(name: str):
    if name in _TRACKER_EXPORTS:
        return getattr(importlib.import_module("lighttrack.tracker"), name)
    if name == "nn":
        return importlib.import_module("lighttrack.nn")
    raise AttributeError(f"module 'lighttrack' has no attribute {name!r}")
