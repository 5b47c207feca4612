"""The LightTrack tracker: ``init(frame, box)`` then ``update(frame) -> TrackResult``.

Frames are HxWx3 uint8 RGB numpy arrays (grayscale and RGBA frames are converted); pass
``color="bgr"`` for frames straight from OpenCV. One Tracker
follows one target or several (``init_many`` / :class:`MultiTracker`): all templates go through
the network in one batch, and every frame runs one batched network call per search size
(targets smaller than 0.4 % of the image use the big search size in the ``vot2019`` preset, so
there are at most two calls, usually one).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
from dataclasses import dataclass
from typing import Any, Sequence

import cv2
import numpy as np

from lighttrack.errors import InputError, notice
from lighttrack.models import arch_of_weights, load_weights, resolve_arch, weights_file
from lighttrack.tracker.backends import Backend, OnnxBackend, TorchBackend
from lighttrack.tracker.crop import Cropper, fill_colour, normalize_into, search_geometry, template_side
from lighttrack.tracker.postprocess import Step, StepInputs, StepRates, cell_reading, choose_cell, move, result_box, sigmoid
from lighttrack.tracker.presets import Preset, get_preset, stored_preset
from lighttrack.tracker.presets import network_only as network_only_preset
from lighttrack.tracker.refiners import Refiner, TargetStart, refiners_for
from lighttrack.tracker.result import TrackResult

COLORS = ("rgb", "bgr")
BACKENDS = ("auto", "torch", "onnxruntime")


def choose_backend(requested: str = "auto", device: str = "cpu") -> str:
    """``"torch"`` or ``"onnxruntime"`` for a request of ``auto``, ``torch`` or ``onnxruntime``.

    ``auto`` runs ONNX Runtime on the CPU when it is installed (several times faster than eager
    PyTorch there) and PyTorch on a CUDA device; without ONNX Runtime it falls back to PyTorch
    with one line of notice.
    """
    requested = str(requested or "auto").lower()
    if requested not in BACKENDS:
        raise InputError(f"unknown backend {requested!r}: use {', '.join(BACKENDS)}")
    if requested == "torch":
        return "torch"
    has_ort = importlib.util.find_spec("onnxruntime") is not None
    if requested == "onnxruntime":
        if not has_ort:
            raise InputError("backend onnxruntime: ONNX Runtime is not installed (pip install onnxruntime)")
        return "onnxruntime"
    if str(device or "cpu").lower() != "cpu":
        return "torch"  # CUDA (or 'auto'): PyTorch runs on the device
    if not has_ort:
        notice("ONNX Runtime is not installed; tracking with PyTorch (slower): pip install onnxruntime")
        return "torch"
    return "onnxruntime"


def _read_phase(refiners) -> list[Refiner]:
    """The refiners that change how a box is read from the maps: what a probe of the network runs."""
    return [r for r in refiners if r.phase == "read"]


def check_color(color: str) -> str:
    color = str(color).lower()
    if color not in COLORS:
        raise InputError(f"color must be 'rgb' or 'bgr', got {color!r}")
    return color


def as_rgb_frame(frame: Any) -> np.ndarray:
    """A contiguous HxWx3 uint8 array from an RGB, grayscale or RGBA array (or a PIL image)."""
    if not isinstance(frame, np.ndarray):
        if hasattr(frame, "convert"):  # PIL image
            frame = np.asarray(frame.convert("RGB"))
        else:
            raise InputError(f"a frame must be a numpy array, got {type(frame).__name__}")
    if frame.dtype != np.uint8:
        if frame.dtype == np.uint16:
            frame = (frame >> 8).astype(np.uint8)
        elif frame.dtype == bool:
            frame = frame.astype(np.uint8) * 255
        else:
            raise InputError(f"frames must be uint8 (0-255), got dtype {frame.dtype}")
    if frame.ndim == 3 and frame.shape[2] == 1:
        frame = frame[:, :, 0]
    if frame.ndim == 2:
        frame = np.repeat(frame[:, :, None], 3, axis=2)
    elif frame.ndim == 3 and frame.shape[2] == 4:
        frame = frame[:, :, :3]
    if frame.ndim != 3 or frame.shape[2] != 3:
        raise InputError(f"a frame must be HxW, HxWx1, HxWx3 or HxWx4, got shape {frame.shape}")
    if frame.shape[0] < 2 or frame.shape[1] < 2:
        raise InputError(f"frame is too small: {frame.shape[1]}x{frame.shape[0]}")
    return np.ascontiguousarray(frame)


def check_box(box: Any, image_wh: tuple[int, int] | None = None) -> np.ndarray:
    """A valid x, y, w, h float64 box, or an InputError naming what is wrong."""
    try:
        b = np.asarray(box, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise InputError(f"a box must be 4 numbers x, y, w, h; got {box!r}") from None
    if b.size != 4:
        raise InputError(f"a box must be 4 numbers x, y, w, h; got {b.size} numbers")
    if not np.all(np.isfinite(b)):
        raise InputError(f"box {b.tolist()} holds NaN or infinite values")
    if b[2] <= 0 or b[3] <= 0:
        raise InputError(f"box {b.tolist()} must have positive width and height")
    if image_wh is not None:
        width, height = image_wh
        if b[0] >= width or b[1] >= height or b[0] + b[2] <= 0 or b[1] + b[3] <= 0:
            raise InputError(f"box {b.tolist()} lies entirely outside the {width}x{height} frame")
        if b[2] > 10 * width or b[3] > 10 * height:  # its crop would not fit in memory
            raise InputError(f"box {b.tolist()} is more than 10 times the size of the {width}x{height} frame")
    return b


@dataclass
class _Group:
    """Targets that share one search size, with their batch buffers and template features."""

    search_size: int
    indices: list[int]
    features: Any
    patches: np.ndarray  # (n, S, S, 3) uint8
    batch: np.ndarray  # (n, 3, S, S) float32


@dataclass
class _State:
    center: np.ndarray
    size: np.ndarray
    search_size: int
    score: float = 1.0
    valid: bool = True  # the last step had a finite score
    ok: bool = True  # found (True) or lost in the last frame
    refiners: tuple[Refiner, ...] = ()  # what the preset adds around LightTrack's step, for this target


class Tracker:
    """Single- or multi-target LightTrack tracker over a network backend.

    Build one with :meth:`from_weights` (a checkpoint or a shipped model's name; ONNX Runtime
    when installed, else PyTorch), :meth:`from_onnx` (an exported folder) or
    ``Tracker(net_or_backend, preset=...)``. ``color`` is the channel order of the frames you
    pass ("rgb", or "bgr" for OpenCV's); ``init``/``update`` can override it per call.
    """

    def __init__(self, net_or_backend: Any, preset: str | os.PathLike | Preset = "default", device: str = "cpu", crop_mode: str | None = None, align: bool | None = None, color: str = "rgb", network_only: bool = False) -> None:
        self.color = check_color(color)
        self.preset = get_preset(preset)
        if crop_mode is not None:
            self.preset = self.preset.replace(crop_mode=crop_mode)
        if align is not None:  # switch the preset's template alignment on or off
            self.preset = self.preset.replace(align=bool(align))
        if network_only:  # LightTrack's own inference: the preset's rates, no refiners
            if align:
                raise InputError("network_only runs no refiners: it cannot align")
            self.preset = network_only_preset(self.preset)
        if hasattr(net_or_backend, "track") and hasattr(net_or_backend, "take"):
            self.backend: Backend = net_or_backend
        else:
            self.backend = TorchBackend(net_or_backend, device=device)
        self.name = f"LightTrack-{self.backend.name}-{self.preset.name}"
        self._cropper = Cropper(self.preset.crop_mode)
        self._states: list[_State] = []
        self._groups: list[_Group] = []
        self._fill = np.zeros(3, np.uint8)

    # ----------------------------------------------------------------- constructors
    @classmethod
    def from_weights(cls, path_or_name: str | os.PathLike = "lighttrack-mobile", preset: str | os.PathLike | Preset | None = None, device: str = "cpu", arch: str = "lighttrack-mobile", threads: int | None = None, backend: str = "auto", spin: bool | None = False, **kwargs) -> "Tracker":
        """Tracker from a checkpoint (ours or the official layout) or a shipped model's name.

        ``backend``: ``"auto"`` (ONNX Runtime on the CPU when installed, else PyTorch),
        ``"onnxruntime"`` or ``"torch"`` (training, CUDA). For ONNX Runtime the weights are
        exported once and cached (:mod:`lighttrack.tracker.onnx_cache`). ``preset`` None: the
        preset the checkpoint carries (our shipped weights carry the one they were tuned with),
        else ``"default"``. ``spin``: see :func:`backends.session_options`.
        """
        if choose_backend(backend, device) == "onnxruntime":
            # local: the graphs run in ONNX Runtime, which choose_backend found installed; where it
            # is missing this module still imports and falls back to PyTorch
            from lighttrack.tracker.shipped import onnx_backend_of

            onnx_backend = onnx_backend_of(
                weights_file(path_or_name), arch_of_weights(path_or_name, arch),
                lambda directory: OnnxBackend(directory, threads=threads, spin=spin))
            if preset is None:
                preset = stored_preset(onnx_backend.meta) or "default"
            return cls(onnx_backend, preset=preset, **kwargs)
        net, data = load_weights(path_or_name, arch)
        if preset is None:
            preset = stored_preset(data) or "default"
        return cls(TorchBackend(net, device=device, threads=threads), preset=preset, **kwargs)

    @classmethod
    def from_onnx(cls, directory: str | os.PathLike, preset: str | os.PathLike | Preset | None = None, threads: int | None = None, int8: bool = False, spin: bool | None = False, arch: str | None = None, **kwargs) -> "Tracker":
        """ONNX Runtime tracker from a folder written by ``lighttrack export onnx``.

        ``int8`` picks the quantized per-frame graph; ``spin`` see :func:`backends.session_options`.
        ``preset`` None: the preset the export recorded from its checkpoint, else ``"default"``.
        A folder of another lighttrack version, or of another architecture than ``arch`` (a
        registry name or path string, when given), is refused before tracking.
        """
        backend = OnnxBackend(directory, threads=threads, int8=int8, spin=spin, arch=resolve_arch(arch) if arch else None)
        if preset is None:
            preset = stored_preset(getattr(backend, "meta", {}) or {}) or "default"
        return cls(backend, preset=preset, **kwargs)

    # ----------------------------------------------------------------- API
    @property
    def num_targets(self) -> int:
        return len(self._states)

    def init(self, frame: Any, box_xywh: Any, color: str | None = None) -> TrackResult:
        """Start tracking one target given by its x, y, w, h box in ``frame``."""
        return self.init_many(frame, [box_xywh], color=color)[0]

    def update(self, frame: Any, color: str | None = None) -> TrackResult:
        """Track the (first) target in the next frame."""
        return self.update_many(frame, color=color)[0]

    def _frame(self, frame: Any, color: str | None) -> np.ndarray:
        """The frame as contiguous RGB uint8, whatever it came as (see :func:`as_rgb_frame`)."""
        frame = as_rgb_frame(frame)
        if (self.color if color is None else check_color(color)) == "bgr":
            frame = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
        return frame

    def init_many(self, frame: Any, boxes: Sequence[Any], color: str | None = None) -> list[TrackResult]:
        """Start tracking several targets at once (one batched template call)."""
        frame = self._frame(frame, color)
        height, width = frame.shape[:2]
        boxes = [check_box(b, (width, height)) for b in boxes]
        if not boxes:
            raise InputError("init_many needs at least one box")
        p = self.preset
        self._fill = fill_colour(np.mean(frame, axis=(0, 1)))  # first frame's mean, truncated
        t = p.template_size
        z_patch = np.empty((t, t, 3), np.uint8)
        z = np.empty((len(boxes), 3, t, t), np.float32)
        states = []
        for i, b in enumerate(boxes):
            center = np.array([b[0] + b[2] / 2, b[1] + b[3] / 2])
            size = np.array([b[2], b[3]])
            side = template_side(size[0], size[1], p.context_amount)
            self._cropper.crop(frame, center[0], center[1], side, t, self._fill, out=z_patch)
            normalize_into(z_patch, z[i])
            search = p.search_size_for(size[0] * size[1], float(width * height))
            states.append(_State(center, size, search, refiners=tuple(refiners_for(p))))
        features = self.backend.template(z)
        groups = []
        for search in sorted({s.search_size for s in states}):
            idx = [i for i, s in enumerate(states) if s.search_size == search]
            feats = features if len(idx) == len(states) else self.backend.take(features, idx)
            groups.append(
                _Group(search, idx, feats, np.empty((len(idx), search, search, 3), np.uint8), np.empty((len(idx), 3, search, search), np.float32))
            )
        for group in groups:  # the refiners see the init frame (calibration probes the network in it)
            for k, i in enumerate(group.indices):
                readers = _read_phase(states[i].refiners)
                start = TargetStart(frame, boxes[i], lambda c, s, g=group, k=k, r=readers: self._probe(frame, g, k, c, s, r))
                for refiner in states[i].refiners:
                    refiner.start(start)
        self._states, self._groups = states, groups
        return [TrackResult(b.copy(), 1.0, True) for b in boxes]

    @staticmethod
    def _step(inputs: StepInputs, rates: StepRates, refiners: Sequence[Refiner]) -> Step:
        """LightTrack's step (choose the cell, move to its box), with the refiners' changes to the
        box it moves towards in between."""
        choice = choose_cell(inputs, rates)
        if not choice.valid:
            return move(inputs, rates, choice, None)
        reading = cell_reading(choice, inputs)
        for refiner in refiners:
            if refiner.phase in ("read", "correct"):
                reading = refiner.adjust_reading(choice, reading, inputs)
        return move(inputs, rates, choice, reading)

    def _probe(self, frame: np.ndarray, group: _Group, k: int, centers: np.ndarray, sizes: np.ndarray, readers: Sequence[Refiner]) -> list[Step]:
        """One batched search of ``frame`` for target ``k`` of ``group`` from each (centre, size)
        state; the raw outcome of each (``Step.measured``): the read-out refiners applied, no
        correction, no smoothing (lr 1)."""
        p = self.preset
        height, width = frame.shape[:2]
        n, side = len(centers), group.search_size
        batch = np.empty((n, 3, side, side), np.float32)
        geoms = self._crop_searches(frame, centers, sizes, np.empty((n, side, side, 3), np.uint8), batch)
        cls, ltrb = self.backend.track(self.backend.take(group.features, [k] * n), batch)
        rates = dataclasses.replace(StepRates.of(p), lr=1.0, double_smoothing=False)  # the reading, unsmoothed
        return [
            self._step(StepInputs(sigmoid(cls[j, 0]), ltrb[j], np.asarray(centers[j], np.float64), np.asarray(sizes[j], np.float64),
                                  geoms[j].scale_z, side, (width, height)), rates, readers)
            for j in range(n)
        ]

    def _crop_searches(self, frame: np.ndarray, centers, sizes, patches: np.ndarray, batch: np.ndarray) -> list:
        """Crop and normalise one search region per (centre, size) state into ``patches[j]`` and
        ``batch[j]``; the geometry of each crop."""
        p = self.preset
        side = batch.shape[-1]
        geoms = []
        for j, (center, size) in enumerate(zip(centers, sizes)):
            geom = search_geometry(size[0], size[1], p.template_size, side, p.context_amount)
            self._cropper.crop(frame, center[0], center[1], geom.side, side, self._fill, out=patches[j])
            normalize_into(patches[j], batch[j])
            geoms.append(geom)
        return geoms

    def probe(self, frame: Any, centers: Sequence[Any], sizes: Sequence[Any], target: int = 0) -> list:
        """Where the network finds a tracked target in ``frame`` when searched from each given
        state (centre cx, cy and size w, h in image pixels), in one batched call; nothing is
        updated. For diagnostics: each :class:`~lighttrack.tracker.postprocess.Step`'s
        ``measured`` is the box the network gave, before smoothing and calibration."""
        if not 0 <= target < len(self._states):
            raise InputError(f"no target {target}: this tracker follows {len(self._states)}")
        centers = np.asarray(centers, np.float64).reshape(-1, 2)
        sizes = np.asarray(sizes, np.float64).reshape(-1, 2)
        if len(centers) != len(sizes) or not len(centers):
            raise InputError("probe needs as many sizes as centres, and at least one")
        group = next(g for g in self._groups if target in g.indices)
        readers = _read_phase(self._states[target].refiners)
        return self._probe(self._frame(frame, None), group, group.indices.index(target), centers, sizes, readers)

    def update_many(self, frame: Any, color: str | None = None) -> list[TrackResult]:
        """Track every target in the next frame; one result per target, in init order."""
        if not self._states:
            raise InputError("call init(frame, box) or init_many(frame, boxes) before update")
        frame = self._frame(frame, color)
        height, width = frame.shape[:2]
        p = self.preset
        rates = StepRates.of(p)
        for group in self._groups:
            states = [self._states[i] for i in group.indices]
            geoms = self._crop_searches(frame, [st.center for st in states], [st.size for st in states], group.patches, group.batch)
            cls, ltrb = self.backend.track(group.features, group.batch)
            for k, i in enumerate(group.indices):
                st = self._states[i]
                inputs = StepInputs(sigmoid(cls[k, 0]), ltrb[k], st.center, st.size, geoms[k].scale_z, group.search_size, (width, height))
                step = self._step(inputs, rates, st.refiners)
                st.center, st.size, st.score, st.valid = step.center, step.size, step.score, step.valid
                if step.valid:
                    for refiner in st.refiners:
                        if refiner.phase == "place":
                            placed = refiner.place(frame, st.center, st.size)
                            if placed is not None:
                                st.center, st.size = placed
                st.ok = bool(step.valid and step.score >= p.lost_score)
                for refiner in st.refiners:
                    if refiner.phase == "report":
                        st.ok, st.center, st.size = refiner.report(frame, step, st.center, st.size, st.ok)
        return [TrackResult(result_box(s.center, s.size, p.clamp_output_xy), s.score, s.ok) for s in self._states]

    def refiners(self, target: int = 0) -> tuple[Refiner, ...]:
        """The refiners acting for one target, in the order they act (for diagnostics: e.g. the
        lost-target refiner's last ``signals``)."""
        if not 0 <= target < len(self._states):
            raise InputError(f"no target {target}: this tracker follows {len(self._states)}")
        return self._states[target].refiners

    def state(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """(centre, size) of every target, unclamped by the output convention (for tests/tools)."""
        return [(s.center.copy(), s.size.copy()) for s in self._states]


class MultiTracker(Tracker):
    """A Tracker whose ``init``/``update`` take and return lists (several targets at once)."""

    def init(self, frame: Any, boxes: Sequence[Any], color: str | None = None) -> list[TrackResult]:  # type: ignore[override]
        return self.init_many(frame, boxes, color=color)

    def update(self, frame: Any, color: str | None = None) -> list[TrackResult]:  # type: ignore[override]
        return self.update_many(frame, color=color)


class CVTracker:
    """OpenCV's tracker API over LightTrack: swap ``cv2.TrackerCSRT_create()`` for
    ``lighttrack.CVTracker.create()`` and keep the rest of the code.

    ``init(frame, box)`` takes a BGR frame (as OpenCV reads it) and an x, y, w, h box;
    ``ok, box = update(frame)`` returns found / lost and the box as integers, as OpenCV's
    trackers do. The full :class:`TrackResult` of the last call is in ``last``.
    """

    def __init__(self, tracker: Tracker) -> None:
        self.tracker = tracker
        self.last: TrackResult | None = None

    @classmethod
    def create(cls, weights: str | os.PathLike = "lighttrack-mobile", color: str = "bgr", **kwargs) -> "CVTracker":
        """A CVTracker over ``Tracker.from_weights(weights, color=color, **kwargs)``."""
        return cls(Tracker.from_weights(weights, color=color, **kwargs))

    def init(self, frame: Any, box: Any) -> None:
        self.last = self.tracker.init(frame, box)

    def update(self, frame: Any) -> tuple[bool, tuple[int, int, int, int]]:
        self.last = self.tracker.update(frame)
        x, y, w, h = (int(round(v)) for v in self.last.box)
        return self.last.ok, (x, y, w, h)


def carried_preset(path_or_name: str | os.PathLike) -> Preset | None:
    """The preset a checkpoint file or a shipped model's weights carry (None: they carry none),
    read without building the network."""
    from lighttrack.nn.checkpoint import read_checkpoint  # local: reading a checkpoint needs torch, tracking does not

    return stored_preset(read_checkpoint(weights_file(path_or_name)))



