"""The exceptions a user may see: each names the problem in plain words.

The CLI prints these without a traceback; anything else is a bug.
"""

import sys


class LightTrackError(Exception):
    """Base class for every error caused by user input rather than by a bug."""


class ArchError(LightTrackError, ValueError):
    """A malformed architecture string or an architecture outside the search space."""


class CheckpointError(LightTrackError):
    """A checkpoint that is missing, corrupt, or made for another architecture."""


class InputError(LightTrackError, ValueError):
    """Bad input data: wrong tensor sizes, invalid boxes, unreadable frames or files."""


class DataError(LightTrackError):
    """A data set that is missing, in the wrong layout, or inconsistent."""


class ConfigError(LightTrackError):
    """A configuration with an unknown key, a wrong type or an impossible value."""


TRAIN_EXTRA = "lighttrack[train]"


class MissingExtraError(LightTrackError):
    """A command or backend that needs PyTorch (training, search, export, the demo, ``--backend
    torch``) run from the plain install, which leaves PyTorch out."""


def missing_extra(what: str) -> MissingExtraError:
    """The one-line answer for ``what`` in a plain install: which extra to install."""
    return MissingExtraError(f"{what} needs PyTorch and the training tools, which the plain install leaves out: "
                             f"pip install '{TRAIN_EXTRA}'")


def notice(message: str) -> None:
    """One line on stderr for what the user should know but that does not stop the work (a
    fallback taken, a cache rebuilt): the non-fatal sibling of :class:`LightTrackError`."""
    print(f"lighttrack: note: {message}", file=sys.stderr)
