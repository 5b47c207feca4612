"""Network backends with one numpy interface: PyTorch (CPU or CUDA) and ONNX Runtime.

Both take normalised float32 NCHW batches and return float32 numpy arrays, so the tracker
never knows which one runs. torch is imported when a PyTorch backend is made: the plain install
(ONNX Runtime, no torch) imports this module too. ``template()`` returns an opaque per-target feature handle (a torch
tensor kept on the device, or the ONNX template graph's outputs); ``take()`` selects targets
from it so targets with different search sizes can be run in separate batches.
"""

from __future__ import annotations

import json
import os
import weakref
from pathlib import Path
from typing import Any, Protocol, Sequence

import numpy as np

from lighttrack import __version__
from lighttrack.arch import Arch
from lighttrack.errors import ArchError, CheckpointError, InputError, missing_extra
from lighttrack.geometry import score_size

TEMPLATE_GRAPH = "template.onnx"
TRACK_GRAPH = "track.onnx"
META_FILE = "lighttrack.json"
GRAPH_FORMAT = "lighttrack.onnx/1"  # what lighttrack.export.onnx writes (kept equal by a test: export imports torch)


class Backend(Protocol):
    name: str

    def template(self, z: np.ndarray) -> Any: ...

    def track(self, features: Any, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...

    def take(self, features: Any, indices: Sequence[int]) -> Any: ...


def _torch():
    """torch, or the one-line answer of a plain install (see the module docstring)."""
    try:
        import torch  # local: see the module docstring
    except ImportError:
        raise missing_extra("the PyTorch backend (--backend torch, CUDA)") from None
    return torch


def resolve_device(device: str | None) -> str:
    """'cpu', 'cuda', 'cuda:N' or 'auto' (CUDA when present, else CPU)."""
    torch = _torch()
    device = (device or "cpu").lower()
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise InputError(f"device {device!r} requested but CUDA is not available; use --device cpu")
    if device != "cpu" and not device.startswith("cuda"):
        raise InputError(f"unknown device {device!r}: use cpu, cuda, cuda:N or auto")
    return device


class TorchBackend:
    """A TrackerNet in eager PyTorch; the template feature stays on the device."""

    name = "torch"

    def __init__(self, net, device: str = "cpu", threads: int | None = None) -> None:
        self.torch = torch = _torch()
        self.device = torch.device(resolve_device(device))
        if threads:
            torch.set_num_threads(int(threads))
        self.net = net.eval().to(self.device)
        self.template_size = int(getattr(net, "template_size", 128))

    def _input(self, array: np.ndarray):
        tensor = self.torch.from_numpy(array)
        return tensor.to(self.device, non_blocking=True) if self.device.type != "cpu" else tensor

    def template(self, z: np.ndarray):
        with self.torch.inference_mode():
            return self.net.template(self._input(z))

    def track(self, features, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        with self.torch.inference_mode():
            cls, ltrb = self.net.track(features, self._input(x))
            return cls.float().cpu().numpy(), ltrb.float().cpu().numpy()

    def take(self, features, indices: Sequence[int]):
        index = self.torch.as_tensor(list(indices), dtype=self.torch.long, device=features.device)
        return features.index_select(0, index)


def _onnxruntime():
    """ONNX Runtime, imported when an ONNX backend is made: a core dependency, but the tracker
    falls back to PyTorch where it is missing (``tracker.choose_backend``), so this module must
    import without it."""
    try:
        import onnxruntime  # local: optional at run time (see the docstring)
    except ImportError as err:
        raise InputError("ONNX Runtime is not installed: pip install onnxruntime (or use the torch backend)") from err
    return onnxruntime


def session_options(threads: int | None = None, spin: bool | None = None):
    """ONNX Runtime options tuned for low-latency single-stream tracking on a small CPU.

    ``ORT_ENABLE_ALL`` matters most: its NCHWc layout makes this network about 3x faster than
    the basic level. ``spin=False`` stops idle worker threads from busy-waiting between
    operators; that costs a little latency on an idle machine but avoids a large slowdown when
    other processes compete for the cores (None keeps ONNX Runtime's default, spinning).
    """
    ort = _onnxruntime()
    options = ort.SessionOptions()
    if spin is not None:
        options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spin else "0")
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.intra_op_num_threads = int(threads) if threads else 0  # 0: one per physical core
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return options


# Sessions of one graph file with the same settings, shared by every backend of this process that
# loads it: 8 trackers hold one set of weights and one memory arena instead of 8 (ONNX Runtime's
# run() may be called from several threads). A session lives while a backend holds it.
_SESSIONS: "weakref.WeakValueDictionary[tuple, Any]" = weakref.WeakValueDictionary()


def shared_session(path: Path, options_key: tuple, make: Any) -> Any:
    """The process's session of ``path`` for these settings, made by ``make()`` on first use.
    The key holds the file's size and modification time, so a re-exported graph is loaded anew."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns, options_key)
    session = _SESSIONS.get(key)
    if session is None:
        session = make()
        _SESSIONS[key] = session
    return session


def check_export_identity(directory: Path, meta: dict, arch: str | Arch | None = None) -> None:
    """Refuse, before any tracking, a folder this version cannot read as it was meant: another
    graph format, another lighttrack version, an architecture outside this version's space, or
    another architecture than ``arch`` (when given)."""
    where = f"the ONNX folder {str(directory)!r}"
    if meta.get("format", GRAPH_FORMAT) != GRAPH_FORMAT:
        raise CheckpointError(f"{where} holds graphs of format {meta.get('format')!r}; this version reads {GRAPH_FORMAT!r}: "
                              f"re-export with 'lighttrack export onnx'")
    version = meta.get("lighttrack_version")
    if version != __version__:
        made = f"lighttrack {version}" if version else "a lighttrack version that did not record itself"
        raise CheckpointError(f"{where} was exported by {made}, not by this lighttrack {__version__}: "
                              f"re-export it with 'lighttrack export onnx'")
    try:
        found = Arch.parse(str(meta.get("arch", "")))
    except ArchError as err:
        raise CheckpointError(f"{where} is not of an architecture this version knows ({err})") from None
    if arch is not None:
        expected = arch if isinstance(arch, Arch) else Arch.parse(str(arch))
        if found != expected:
            raise CheckpointError(f"{where} holds architecture {found}, not the {expected} asked for")


class OnnxBackend:
    """The exported template and per-frame graphs (``lighttrack export onnx``) in ONNX Runtime.

    Worker threads do not spin by default (``spin=False``): on a CPU shared with other work,
    spinning made the per-frame time 2-3x worse in our measurements; pass ``spin=True`` (or
    None for ONNX Runtime's default) on a dedicated machine.
    """

    name = "onnxruntime"

    def __init__(self, directory: str | os.PathLike, threads: int | None = None, providers: Sequence[str] | None = None, int8: bool | None = None, spin: bool | None = False, arch: str | Arch | None = None) -> None:
        directory = Path(directory)
        meta_path = directory / META_FILE
        if not directory.is_dir() or not meta_path.is_file():
            raise CheckpointError(f"{str(directory)!r} is not an exported lighttrack ONNX folder (no {META_FILE}); run 'lighttrack export onnx'")
        try:
            self.meta = json.loads(meta_path.read_text())
        except ValueError as err:
            raise CheckpointError(f"{meta_path} is not valid JSON: {err}") from err
        if not isinstance(self.meta, dict):
            raise CheckpointError(f"{meta_path} is not a JSON object; re-export with 'lighttrack export onnx'")
        check_export_identity(directory, self.meta, arch)
        track_file = self.meta.get("track_int8") if int8 else self.meta.get("track", TRACK_GRAPH)
        if int8 and not track_file:
            raise CheckpointError(f"{str(directory)!r} holds no INT8 graph; export with 'lighttrack export onnx --int8'")
        self.int8 = bool(int8)
        try:
            self.template_size = int(self.meta.get("template_size", 128))
        except (TypeError, ValueError):
            raise CheckpointError(f"{meta_path}: template_size must be a number, not {self.meta.get('template_size')!r}") from None
        ort = _onnxruntime()
        available = ort.get_available_providers()
        if providers is None:
            providers = [p for p in ("CUDAExecutionProvider", "CPUExecutionProvider") if p in available]
        options_key = (threads, spin, tuple(providers))

        def session(path: Path):
            return shared_session(path, options_key, lambda: ort.InferenceSession(str(path), session_options(threads, spin), providers=list(providers)))

        try:
            self.template_session = session(directory / self.meta.get("template", TEMPLATE_GRAPH))
            self.track_session = session(directory / track_file)
        except Exception as err:  # onnxruntime raises its own exception types
            raise CheckpointError(f"cannot load the ONNX graphs in {str(directory)!r}: {err}") from None
        self.template_outputs = [o.name for o in self.template_session.get_outputs()]
        self.track_inputs = [i.name for i in self.track_session.get_inputs()]
        self.search_input = self.meta.get("search_input", "x")
        self.feature_inputs = [name for name in self.track_inputs if name != self.search_input]
        unknown = [name for name in self.feature_inputs if name not in self.template_outputs]
        if self.search_input not in self.track_inputs or unknown or len(self.track_session.get_outputs()) != 2:
            raise CheckpointError(
                f"the ONNX graphs in {str(directory)!r} do not fit together as a lighttrack export: the per-frame "
                f"graph takes {self.track_inputs} and gives {len(self.track_session.get_outputs())} outputs, the "
                f"template graph gives {self.template_outputs}; re-export with 'lighttrack export onnx'")
        self.directory = directory

    def template(self, z: np.ndarray) -> dict[str, np.ndarray]:
        try:
            outputs = self.template_session.run(None, {self.template_session.get_inputs()[0].name: z})
        except Exception as err:  # onnxruntime's own exception types: a graph of another input shape
            raise CheckpointError(f"the template ONNX graph in {str(self.directory)!r} failed: {str(err).splitlines()[0]}") from None
        return dict(zip(self.template_outputs, outputs))

    def track(self, features: dict[str, np.ndarray], x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        feed = {name: features[name] for name in self.feature_inputs}
        feed[self.search_input] = x
        try:
            cls, ltrb = self.track_session.run(None, feed)
        except Exception as err:  # onnxruntime's own exception types: a graph that does not take these inputs
            raise CheckpointError(f"the per-frame ONNX graph in {str(self.directory)!r} failed: {str(err).splitlines()[0]}") from None
        size = score_size(x.shape[-1])
        if cls.shape != (len(x), 1, size, size) or ltrb.shape != (len(x), 4, size, size):
            raise CheckpointError(
                f"the per-frame ONNX graph in {str(self.directory)!r} gives scores of shape {list(cls.shape)} and boxes of "
                f"shape {list(ltrb.shape)}; a lighttrack export gives [{len(x)}, 1, {size}, {size}] and [{len(x)}, 4, {size}, {size}]")
        return cls, ltrb

    def take(self, features: dict[str, np.ndarray], indices: Sequence[int]) -> dict[str, np.ndarray]:
        index = np.asarray(list(indices), dtype=np.int64)
        return {name: np.ascontiguousarray(value[index]) for name, value in features.items()}
