"""Pretrained peer trackers behind the project's ``init`` / ``update`` API, to compare against.

``nanotrack:DIR`` is NanoTrack v2 (Apache-2.0 weights, not ours; bare ``nanotrack``: the graphs shipped
in ``lighttrack/assets/peers/nanotrack-v2``) run by OpenCV's
``TrackerNano`` from its two ONNX graphs in ``DIR``: ``nanotrack_backbone_sim.onnx`` (the
backbone, run on the 127 px template and the 255 px search crop) and
``nanotrack_head_sim.onnx`` (the head OpenCV calls ``neckhead``). OpenCV does the cropping,
the post-processing and the box smoothing; frames arrive RGB and are converted to BGR at the
edge, as for KCF and CSRT. OpenCV's TrackerNano accepts v2 only (v3's head has a 15x15 map).
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import cv2
import numpy as np

from lighttrack.errors import InputError
from lighttrack.eval.opencv import OpenCVTracker
from lighttrack.models import ASSETS_DIR

NANOTRACK_PREFIX = "nanotrack:"
NANOTRACK_V2_FILES = ("nanotrack_backbone_sim.onnx", "nanotrack_head_sim.onnx")
NANOTRACK_V2_MACS = 84.6e6  # per frame, backbone + head (its README, thop); spec peers-and-metrics.md
# the graphs shipped unchanged with the package (Apache-2.0; LICENSE and provenance beside them)
SHIPPED_NANOTRACK_V2 = ASSETS_DIR / "peers" / "nanotrack-v2"


def shipped_nanotrack() -> Path | None:
    """The shipped NanoTrack v2 folder, or None when this install lacks its graphs."""
    return SHIPPED_NANOTRACK_V2 if all((SHIPPED_NANOTRACK_V2 / n).is_file() for n in NANOTRACK_V2_FILES) else None


def nanotrack_files(folder: str | Path) -> tuple[Path, Path]:
    """(backbone, head) ONNX paths of NanoTrack v2 in ``folder``; InputError naming what is missing."""
    if not str(folder).strip():
        raise InputError("nanotrack needs the folder of its ONNX files: --tracker nanotrack:DIR "
                         f"(DIR holds {' and '.join(NANOTRACK_V2_FILES)})")
    d = Path(folder).expanduser()
    if not d.is_dir():
        raise InputError(f"nanotrack: {d} is not a folder (expected {' and '.join(NANOTRACK_V2_FILES)} in it)")
    missing = [name for name in NANOTRACK_V2_FILES if not (d / name).is_file()]
    if missing:
        raise InputError(f"nanotrack: {d} lacks {', '.join(missing)} (NanoTrack v2 needs "
                         f"{' and '.join(NANOTRACK_V2_FILES)})")
    return d / NANOTRACK_V2_FILES[0], d / NANOTRACK_V2_FILES[1]


def _nano_api():
    params = getattr(cv2, "TrackerNano_Params", None)
    create = getattr(cv2, "TrackerNano_create", None)
    if create is None:
        cls = getattr(cv2, "TrackerNano", None)
        create = getattr(cls, "create", None) if cls is not None else None
    if params is None or create is None:
        raise InputError(f"this OpenCV build ({cv2.__version__}) has no TrackerNano; NanoTrack needs "
                         "OpenCV >= 4.7 with its DNN module (e.g. opencv-contrib-python-headless)")
    return params, create


@contextmanager
def _opencv_errors_only():
    """OpenCV's DNN warns twice per TrackerNano it builds (a target its new graph engine ignores):
    noise on every sequence, so warnings are held back while one is built, then the level restored."""
    logging = getattr(getattr(cv2, "utils", None), "logging", None)
    if logging is None:
        yield
        return
    before = logging.getLogLevel()
    logging.setLogLevel(logging.LOG_LEVEL_ERROR)
    try:
        yield
    finally:
        logging.setLogLevel(before)


class NanoTrackTracker(OpenCVTracker):
    """NanoTrack v2 through OpenCV's TrackerNano (RGB frames, xywh float boxes).

    Shares ``init`` / ``update`` with the KCF and CSRT wrapper (BGR conversion, the initial box
    clipped to the frame and rounded to OpenCV's integer rectangle; a lost target keeps the
    previous box with score 0). Each ``init`` builds a fresh OpenCV tracker from the two files.
    """

    is_deterministic = True

    def __init__(self, folder: str | Path):  # noqa: D107 - OpenCVTracker.__init__ picks KCF/CSRT
        self.backbone, self.head = nanotrack_files(folder)
        self.folder = self.backbone.parent
        self.name = "nanotrack"
        self._params_cls, self._create_fn = _nano_api()
        self._tracker = None
        self._create = self._build
        self._build()  # fail now, not on the first sequence, when OpenCV cannot read the graphs
        self._box = np.zeros(4)

    def _build(self):
        params = self._params_cls()
        params.backbone = str(self.backbone)
        params.neckhead = str(self.head)
        try:
            with _opencv_errors_only():
                return self._create_fn(params)
        except cv2.error as err:
            first = str(err).strip().splitlines()[-1] if str(err).strip() else type(err).__name__
            raise InputError(f"nanotrack: OpenCV cannot load the ONNX graphs in {self.folder}: {first}") from None


def make_peer(spec: str):
    """The peer tracker a ``--tracker`` spec names (``nanotrack:DIR``)."""
    s = str(spec)
    if s.lower() == "nanotrack" or s.lower().startswith(NANOTRACK_PREFIX):
        folder = s[len(NANOTRACK_PREFIX):] if ":" in s else ""
        if not folder.strip() and shipped_nanotrack() is not None:
            folder = str(shipped_nanotrack())  # bare "nanotrack": the graphs shipped with the package
        return NanoTrackTracker(folder)
    raise InputError(f"unknown peer tracker {s!r}; peers: nanotrack (the shipped v2 graphs) or nanotrack:DIR")


def is_peer_spec(spec: str) -> bool:
    s = str(spec).lower()
    return s == "nanotrack" or s.startswith(NANOTRACK_PREFIX)
