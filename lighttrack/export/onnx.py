"""Export a TrackerNet as two ONNX graphs for deployment (ONNX Runtime, TensorRT, OpenVINO …).

- ``template.onnx``: template crop ``z`` (B,3,127|128,127|128) -> ``zk`` (B,64,C), ``zb`` (B,64,1).
  It runs the backbone, the template BN (``BN_z``) and folds the search BN (``BN_x``) into the
  correlation kernel: corr = Σ_c zn·(a·xf + b) = Σ_c (zn·a)·xf + Σ_c zn·b. So the per-frame graph
  runs no BatchNorm at all and the neck costs nothing per frame.
- ``track.onnx``: ``zk``, ``zb`` and the search crop ``x`` (B,3,256|288,…) -> ``cls`` (B,1,S,S)
  logits (already x0.1) and ``ltrb`` (B,4,S,S) distances, the same outputs as ``TrackerNet.track``.
- every Conv+BN pair is folded into the Conv (the exporter does this in eval mode; a check
  rejects a per-frame graph that still holds a BatchNormalization node). The template graph
  keeps ``BN_z`` as is: it follows a residual add, so it has no conv to fold into, and it runs
  once per target.
- ``lighttrack.json`` names the files and the export settings; ``--int8`` adds
  ``track.int8.onnx`` (ONNX Runtime static QDQ quantization, calibrated on tracking crops that
  ``lighttrack.tracker.quantize`` collects: the exporter itself knows nothing of the tracker).

Batch and spatial sizes are dynamic, so one export serves 256 and 288 search sizes and any
number of targets.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
import onnx
import onnxruntime as ort
import torch
from onnxruntime.quantization import (
    CalibrationMethod,
    QuantFormat,
    QuantType,
    quantize_static,
)
from onnxruntime.quantization.shape_inference import quant_pre_process
from torch import nn

from lighttrack import __version__
from lighttrack.errors import InputError
from lighttrack.io import atomic_write_json

TEMPLATE_FILE = "template.onnx"
TRACK_FILE = "track.onnx"
TRACK_INT8_FILE = "track.int8.onnx"
META_FILE = "lighttrack.json"
FORMAT = "lighttrack.onnx/1"  # the graphs' inputs, outputs and meaning; the tracker refuses other formats
FEATURE_NAMES = ("zk", "zb")


def _bn_affine(bn: nn.BatchNorm2d) -> tuple[torch.Tensor, torch.Tensor]:
    """Eval-mode BatchNorm as y = a*x + b."""
    a = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    return a, bn.bias - bn.running_mean * a


class TemplateGraph(nn.Module):
    """Backbone + BN_z, and the correlation kernel with BN_x folded in."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.backbone = net.backbone
        self.bn_z = net.neck.bn_z
        a, b = _bn_affine(net.neck.bn_x)
        self.register_buffer("x_scale", a.detach().clone().view(1, 1, -1))
        self.register_buffer("x_shift", b.detach().clone().view(1, -1, 1))

    def forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        zn = self.bn_z(self.backbone(z))
        kernel = zn.flatten(2).transpose(1, 2)  # (B, Hz*Wz, C): one row per template position
        return kernel * self.x_scale, torch.matmul(kernel, self.x_shift)


class TrackGraph(nn.Module):
    """Backbone of the search crop, folded correlation, channel attention, adjust, both heads."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.backbone = net.backbone
        self.attention = net.fusion.attention
        self.adjust = net.fusion.adjust
        self.cls_head = net.cls_head
        self.reg_head = net.reg_head

    def forward(self, zk: torch.Tensor, zb: torch.Tensor, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        xf = self.backbone(x)
        corr = torch.matmul(zk, xf.flatten(2)) + zb  # (B, Hz*Wz, Hx*Wx)
        corr = corr.reshape(xf.shape[0], zk.shape[1], xf.shape[2], xf.shape[3])
        fused = self.adjust(self.attention(corr))
        return self.cls_head(fused), self.reg_head(fused)


@dataclass
class ExportResult:
    directory: Path
    files: dict[str, Path] = field(default_factory=dict)
    parity: dict[str, float] = field(default_factory=dict)


def _export(module: nn.Module, args: tuple, path: Path, inputs: list[str], outputs: list[str], dynamic: dict, opset: int) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module,
            args,
            str(path),
            input_names=inputs,
            output_names=outputs,
            dynamic_axes=dynamic,
            opset_version=opset,
            do_constant_folding=True,
            dynamo=False,
        )


def _check_folded(path: Path) -> None:
    model = onnx.load(str(path))
    left = [n.name for n in model.graph.node if n.op_type == "BatchNormalization"]
    if left:
        raise RuntimeError(f"{path.name} still holds BatchNormalization nodes after folding: {left[:3]}")
    onnx.checker.check_model(model)


def output_folder(outdir: str | os.PathLike) -> Path:
    """The export's output folder, made if missing; a file in its place is refused."""
    outdir = Path(outdir)
    if outdir.exists() and not outdir.is_dir():
        raise InputError(f"the output folder {str(outdir)!r} is a file")
    outdir.mkdir(parents=True, exist_ok=True)
    return outdir


def export_onnx(
    net: nn.Module,
    outdir: str | os.PathLike,
    template_size: int = 127,
    search_size: int = 256,
    opset: int = 17,
    int8: bool = False,
    calibration: Iterable[dict[str, np.ndarray]] | None = None,
    check: bool = True,
    preset: Any = None,
) -> ExportResult:
    """Write ``template.onnx``, ``track.onnx`` (and ``track.int8.onnx``) plus ``lighttrack.json``.

    ``template_size`` is the crop size used for the example input and recorded in the metadata
    (the graphs accept 127 and 128). With ``check`` the graphs are run in ONNX Runtime on random
    inputs and compared with PyTorch (max abs differences go to ``result.parity``). ``int8`` needs
    ``calibration``: per-frame graph inputs from tracking real frames
    (``lighttrack.tracker.quantize.calibration_feeds``).
    """
    if int8 and calibration is None:
        raise InputError("an INT8 export needs calibration crops (lighttrack.tracker.quantize.calibration_feeds)")
    net = net.eval().cpu()
    outdir = output_folder(outdir)
    template_graph, track_graph = TemplateGraph(net).eval(), TrackGraph(net).eval()
    gen = torch.Generator().manual_seed(0)
    z = torch.randn(1, 3, template_size, template_size, generator=gen)
    x = torch.randn(1, 3, search_size, search_size, generator=gen)
    with torch.no_grad():
        zk, zb = template_graph(z)
    result = ExportResult(outdir)
    with tempfile.TemporaryDirectory(dir=outdir, prefix=".export-") as tmp:
        tmp = Path(tmp)
        _export(template_graph, (z,), tmp / TEMPLATE_FILE, ["z"], list(FEATURE_NAMES), {"z": {0: "batch", 2: "height", 3: "width"}, "zk": {0: "batch"}, "zb": {0: "batch"}}, opset)
        _export(
            track_graph,
            (zk, zb, x),
            tmp / TRACK_FILE,
            [*FEATURE_NAMES, "x"],
            ["cls", "ltrb"],
            {"zk": {0: "batch"}, "zb": {0: "batch"}, "x": {0: "batch", 2: "height", 3: "width"}, "cls": {0: "batch", 2: "rows", 3: "cols"}, "ltrb": {0: "batch", 2: "rows", 3: "cols"}},
            opset,
        )
        _check_folded(tmp / TRACK_FILE)
        for name in (TEMPLATE_FILE, TRACK_FILE):
            os.replace(tmp / name, outdir / name)
            result.files[name] = outdir / name
    meta = {
        "format": FORMAT,
        "lighttrack_version": __version__,
        "arch": str(getattr(net, "arch", "")),
        "template": TEMPLATE_FILE,
        "track": TRACK_FILE,
        "search_input": "x",
        "template_size": int(template_size),
        "feature_inputs": list(FEATURE_NAMES),
        "opset": opset,
        "bn_folded": True,
    }
    if preset:  # the checkpoint's own preset: Tracker.from_onnx's default
        meta["preset"] = preset.to_dict() if hasattr(preset, "to_dict") else dict(preset)
    atomic_write_json(outdir / META_FILE, meta)
    result.files[META_FILE] = outdir / META_FILE
    if check:
        result.parity = check_parity(net, outdir, template_size=template_size)
    if int8:
        result.files[TRACK_INT8_FILE] = add_int8_graph(outdir, calibration)
    elif (outdir / TRACK_INT8_FILE).exists():
        (outdir / TRACK_INT8_FILE).unlink()  # a stale INT8 graph from an older export
    return result


def check_parity(net: nn.Module, outdir: str | os.PathLike, template_size: int = 127, search_sizes: Sequence[int] = (256, 288), batch: int = 2) -> dict[str, float]:
    """Max abs difference between ONNX Runtime and ``TrackerNet`` on random normalised inputs."""
    outdir = Path(outdir)
    options = ort.SessionOptions()
    options.log_severity_level = 3
    template = ort.InferenceSession(str(outdir / TEMPLATE_FILE), options, providers=["CPUExecutionProvider"])
    track = ort.InferenceSession(str(outdir / TRACK_FILE), options, providers=["CPUExecutionProvider"])
    gen = torch.Generator().manual_seed(1)
    z = torch.randn(batch, 3, template_size, template_size, generator=gen)
    diffs: dict[str, float] = {}
    with torch.no_grad():
        zf = net.template(z)
        feats = dict(zip(FEATURE_NAMES, template.run(None, {"z": z.numpy()})))
        for size in search_sizes:
            x = torch.randn(batch, 3, size, size, generator=gen)
            cls, ltrb = net.track(zf, x)
            o_cls, o_ltrb = track.run(None, {**feats, "x": x.numpy()})
            diffs[f"cls_{size}"] = float(np.abs(o_cls - cls.numpy()).max())
            diffs[f"ltrb_{size}"] = float(np.abs(o_ltrb - ltrb.numpy()).max())
    return diffs


class _Reader:
    """onnxruntime CalibrationDataReader over a list of feeds."""

    def __init__(self, feeds: list[dict[str, np.ndarray]]) -> None:
        self._iter = iter(feeds)

    def get_next(self):
        return next(self._iter, None)

    def rewind(self):  # pragma: no cover - older onnxruntime versions call it
        pass


def _predictor_convs(model) -> list[str]:
    """Names of the last Conv before each graph output (the cls and reg predictors)."""
    producer = {out: node for node in model.graph.node for out in node.output}
    names = []
    for output in model.graph.output:
        node = producer.get(output.name)
        while node is not None and node.op_type != "Conv":
            node = next((producer[i] for i in node.input if i in producer), None)
        if node is not None:
            names.append(node.name)
    return names


def quantize_track_graph(outdir: str | os.PathLike, calibration: Iterable[dict[str, np.ndarray]] | None = None,
                         op_types: Sequence[str] | None = None, target_name: str = TRACK_INT8_FILE) -> Path:
    """INT8 per-frame graph: static QDQ quantization (per-channel int8 weights, uint8 activations).

    The template graph stays float (it runs once per target). The last conv of each predictor is
    kept in float so the box distances and logits keep their resolution. ``op_types`` limits
    quantization to those operator types (e.g. ``["Conv"]`` keeps Swish and the SE gates float);
    None quantizes every type ONNX Runtime can. ``target_name`` is the file written in ``outdir``.
    """
    outdir = Path(outdir)
    feeds = list(calibration) if calibration is not None else []
    if not feeds:
        raise InputError("INT8 calibration needs at least one crop (lighttrack.tracker.quantize.calibration_feeds)")
    exclude = _predictor_convs(onnx.load(str(outdir / TRACK_FILE)))
    with tempfile.TemporaryDirectory(dir=outdir, prefix=".int8-") as tmp:
        pre = Path(tmp) / "pre.onnx"
        quant_pre_process(str(outdir / TRACK_FILE), str(pre), skip_symbolic_shape=True)
        target = Path(tmp) / target_name
        quantize_static(
            str(pre),
            str(target),
            _Reader(feeds),
            quant_format=QuantFormat.QDQ,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            per_channel=True,
            calibrate_method=CalibrationMethod.MinMax,
            nodes_to_exclude=exclude,
            op_types_to_quantize=list(op_types) if op_types else None,
            extra_options={"ActivationSymmetric": False, "WeightSymmetric": True},
        )
        os.replace(target, outdir / target_name)
    return outdir / target_name


def add_int8_graph(outdir: str | os.PathLike, calibration: Iterable[dict[str, np.ndarray]],
                   op_types: Sequence[str] | None = None) -> Path:
    """Quantize an export's per-frame graph (:func:`quantize_track_graph`) and record the INT8
    graph in its ``lighttrack.json``, so ``Tracker.from_onnx(outdir, int8=True)`` finds it."""
    path = quantize_track_graph(outdir, calibration, op_types=op_types)
    meta_path = Path(outdir) / META_FILE
    meta = json.loads(meta_path.read_text())
    meta["track_int8"] = path.name
    atomic_write_json(meta_path, meta)
    return path


def copy_export(source: str | os.PathLike, target: str | os.PathLike) -> Path:
    """A copy of an export folder's graphs and metadata (e.g. to quantize it another way)."""
    source, target = Path(source), Path(target)
    target.mkdir(parents=True, exist_ok=True)
    for item in [*source.glob("*.onnx"), source / META_FILE]:
        shutil.copy(item, target / item.name)
    return target
