"""lighttrack: lightweight single-object trackers found with one-shot architecture search."""

__version__ = "0.1.0"

from lighttrack.arch import Arch, HeadArch  # noqa: E402
from lighttrack.models import build, load, register, resolve_arch  # noqa: E402
from lighttrack.space import SearchSpace  # noqa: E402

__all__ = ["Arch", "HeadArch", "SearchSpace", "build", "load", "register", "resolve_arch", "__version__"]
