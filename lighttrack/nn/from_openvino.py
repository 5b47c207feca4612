"""The official LightTrack-Mobile as an OpenVINO IR -> a TrackerNet checkpoint of ours.

The IR (``z_feature``, ``x_feature``, ``head``; see ``../shared/peers/lighttrack-official``) holds
the trained network after three rewrites, which the conversion undoes or checks:

* **BatchNorm folded** into each convolution (a convolution, then an ``Add`` of a per-channel bias).
  We keep our BatchNorm layers, with identity statistics (running mean 0, running variance 1),
  scale ``sqrt(1 + eps)`` (so that the normalisation divides by exactly 1) and the folded bias as
  shift: the network computes what the IR computes, and ``extract``, ONNX export, fine-tuning and
  supernet inheritance keep working on the same module layout as every other checkpoint.
  The neck's BatchNorms are a ``Multiply`` + ``Add`` on each head input: scale and shift.
* **Pre-processing** at the front of each backbone graph (u8 BGR NHWC -> RGB, ImageNet mean/std,
  NCHW): our tracker does the same in numpy before the network, so these layers are checked
  (channel order and constants) and dropped.
* The classification predictor's ``x 0.1`` is folded into its convolution, and the head ends
  with a sigmoid: our ``ClsPredictor`` multiplies by 0.1 and returns logits, so its weights are
  multiplied by 10 and the sigmoid is checked and left to the tracker.

Layers are matched by data flow, not by name (the port's names are ONNX tensor numbers): the
convolutions of a backbone graph in topological order against our backbone's convolutions in
execution order; in the head, the convolutions that both outputs depend on (fusion), then those
only the classification output depends on, then the regression's. Every shape is compared; the
first one that differs is named with its file and layer.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from lighttrack.arch import Arch
from lighttrack.io import atomic_torch_save, file_sha256
from lighttrack.nn.checkpoint import FORMAT
from lighttrack.nn.net import TrackerNet
from lighttrack.nn.openvino_ir import IRError, IRGraph, read_ir

MOBILE_ARCH = "back_04502514044521042540+cls_211000022+reg_100000111_ops_32"
GRAPHS = ("z_feature", "x_feature", "head")
WEIGHT_TYPES = ("f16", "f32")
# what the official tracker does to a crop before the network (lighttrack.imaging's constants x 255)
PIXEL_MEAN = (123.675, 116.28, 103.53)
PIXEL_STD = (58.395, 57.12, 57.375)
CONV_TYPES = ("Convolution", "GroupConvolution")


@dataclass(frozen=True)
class IRConv:
    """One convolution of the IR: its weight in PyTorch's layout, its bias (None: no ``Add``
    follows), stride and padding, and where it stands (for errors)."""

    where: str
    weight: np.ndarray
    bias: np.ndarray | None
    stride: tuple[int, int]
    padding: tuple[int, int]
    groups: int
    output: int  # the layer whose output the next layer reads (the bias Add, or the conv)


@dataclass(frozen=True)
class Conversion:
    """The result: our state dict, and what was read (for the report and the checkpoint)."""

    state_dict: dict[str, torch.Tensor]
    arch: str
    convolutions: int
    element_types: tuple[str, ...]
    sources: dict[str, str]  # IR file name -> SHA-256 (recorded in the checkpoint)


# ---- reading the IR ------------------------------------------------------------------------------
def _conv(graph: IRGraph, layer_id: int) -> IRConv:
    layer = graph.layers[layer_id]
    where = f"{graph.xml_path.name}: {layer.describe()}"
    data_source, weight_source = graph.inputs_of(layer_id)
    if not graph.is_constant(weight_source):
        raise IRError(f"{where}: its weights are not a constant")
    weight, kind = graph.value(weight_source)
    if kind not in WEIGHT_TYPES:
        raise IRError(f"{where}: weights of element type {kind!r}; this conversion reads {' or '.join(WEIGHT_TYPES)} "
                      "(a quantised IR is another network)")
    weight = weight.astype(np.float32)
    groups = 1
    if layer.type == "GroupConvolution":  # (G, Cout/G, Cin/G, kh, kw) -> (Cout, Cin/G, kh, kw)
        if weight.ndim != 5:
            raise IRError(f"{where}: group weights of shape {weight.shape}, expected 5 dimensions")
        groups = weight.shape[0]
        weight = weight.reshape(weight.shape[0] * weight.shape[1], *weight.shape[2:])
    if weight.ndim != 4:
        raise IRError(f"{where}: weights of shape {weight.shape}, expected 4 dimensions")
    pads_begin = tuple(int(v) for v in layer.data.get("pads_begin", "0,0").split(","))
    pads_end = tuple(int(v) for v in layer.data.get("pads_end", "0,0").split(","))
    if pads_begin != pads_end or layer.data.get("auto_pad", "explicit") not in ("explicit", "notset"):
        raise IRError(f"{where}: asymmetric or automatic padding ({layer.data}), which our convolutions do not have")
    if tuple(int(v) for v in layer.data.get("dilations", "1,1").split(",")) != (1, 1):
        raise IRError(f"{where}: dilated convolution, which our networks do not have")
    stride = tuple(int(v) for v in layer.data.get("strides", "1,1").split(","))
    bias, output = None, layer_id
    consumers = graph.consumers(layer_id)
    if len(consumers) == 1 and graph.layers[consumers[0]].type == "Add":
        add = consumers[0]
        others = [s for s in graph.inputs_of(add) if s != layer_id]
        if len(others) == 1 and graph.is_constant(others[0]):
            value, _ = graph.value(others[0])
            bias, output = value.astype(np.float32).reshape(-1), add
            if bias.size != weight.shape[0]:
                raise IRError(f"{where}: a bias of {bias.size} values after a convolution of {weight.shape[0]} channels")
    return IRConv(where, weight, bias, stride, pads_begin, groups, output)


def _convs_in_order(graph: IRGraph, among: set[int] | None = None) -> list[IRConv]:
    order = graph.topological_order()
    return [_conv(graph, lid) for lid in order
            if graph.layers[lid].type in CONV_TYPES and (among is None or lid in among)]


def _single(graph: IRGraph, kind: str) -> int:
    found = graph.of_type(kind)
    if len(found) != 1:
        raise IRError(f"{graph.xml_path}: {len(found)} {kind} layers, expected one (is this a LightTrack backbone graph?)")
    return found[0].id


def _check_preprocessing(graph: IRGraph) -> None:
    """The backbone graph's front must be the official pre-processing (u8 BGR -> RGB, ImageNet
    mean and std): our tracker feeds the network what those layers compute."""
    name = graph.xml_path.name
    gathers = graph.of_type("Gather")
    if len(gathers) != 1:
        raise IRError(f"{name}: expected one Gather (BGR -> RGB) at the front of the backbone, found {len(gathers)}")
    order_source = graph.inputs_of(gathers[0].id)[1]
    order = _integer_values(graph, order_source)
    if order is not None and list(order) != [2, 1, 0]:
        raise IRError(f"{name}: {gathers[0].describe()} reorders channels as {list(order)}, expected [2, 1, 0] (BGR -> RGB)")
    for kind, expected in (("Subtract", PIXEL_MEAN), ("Divide", PIXEL_STD)):
        layers = graph.of_type(kind)
        if len(layers) != 1:
            raise IRError(f"{name}: expected one {kind} in the pre-processing, found {len(layers)}")
        value, _ = graph.value(graph.inputs_of(layers[0].id)[1])
        if not np.allclose(value.reshape(-1), expected, atol=1e-3):
            raise IRError(f"{name}: {layers[0].describe()} uses {value.reshape(-1).tolist()}, expected {list(expected)}")


def _integer_values(graph: IRGraph, layer_id: int):
    """The channel order a Gather reads: a constant, or the Range(start, stop, step) OpenVINO
    writes for a reversed channel axis; None where it is neither (not checked)."""
    layer = graph.layers[layer_id]
    if graph.is_constant(layer_id):
        return graph.value(layer_id)[0].astype(np.int64).reshape(-1)
    if layer.type == "Range":
        start, stop, step = (int(graph.value(s)[0].reshape(-1)[0]) for s in graph.inputs_of(layer_id))
        return np.arange(start, stop, step)
    return None


def _result_of(graph: IRGraph, channels: int) -> int:
    """The Result whose tensor has ``channels`` maps (1: classification, 4: regression)."""
    for result in graph.of_type("Result"):
        shape = result.inputs[0].shape
        if (len(shape) == 2 and channels == 1) or (len(shape) >= 3 and shape[-3] == channels):
            return result.id
    raise IRError(f"{graph.xml_path}: no output with {channels} channel(s) (expected the cls and reg outputs)")


# ---- our side --------------------------------------------------------------------------------------
def _execution_order(net: TrackerNet) -> list[tuple[str, nn.Module]]:
    """Our convolutions and BatchNorms in the order one forward pass runs them."""
    names = {module: name for name, module in net.named_modules()}
    order: list[tuple[str, nn.Module]] = []
    seen: set[int] = set()

    def hook(module, _inputs, _output):
        if id(module) not in seen:
            seen.add(id(module))
            order.append((names[module], module))

    handles = [m.register_forward_hook(hook) for m in net.modules() if isinstance(m, (nn.Conv2d, nn.BatchNorm2d))]
    try:
        with torch.no_grad():
            size = net.template_size
            net(torch.zeros(1, 3, size, size), torch.zeros(1, 3, 2 * size, 2 * size))
    finally:
        for handle in handles:
            handle.remove()
    return order


def _conv_targets(net: TrackerNet) -> list[tuple[str, nn.Conv2d, str | None]]:
    """(conv name, conv, name of the BatchNorm that directly follows it or None), in order."""
    order = _execution_order(net)
    targets = []
    for i, (name, module) in enumerate(order):
        if isinstance(module, nn.Conv2d):
            follower = order[i + 1] if i + 1 < len(order) else None
            bn = follower[0] if follower is not None and isinstance(follower[1], nn.BatchNorm2d) else None
            targets.append((name, module, bn))
    return targets


def _assign(state: dict[str, torch.Tensor], target: tuple[str, nn.Conv2d, str | None], conv: IRConv,
            eps: float, scale: float = 1.0) -> None:
    name, module, bn = target
    expected = tuple(module.weight.shape)
    if conv.weight.shape != expected:
        raise IRError(f"{conv.where}: weights of shape {conv.weight.shape}, but {name} of this architecture "
                      f"has {expected}: the IR is not this network")
    if conv.stride != tuple(module.stride) or conv.padding != tuple(module.padding) or conv.groups != module.groups:
        raise IRError(f"{conv.where}: stride {conv.stride}, padding {conv.padding}, groups {conv.groups}, but {name} has "
                      f"stride {tuple(module.stride)}, padding {tuple(module.padding)}, groups {module.groups}")
    state[f"{name}.weight"] = torch.from_numpy(conv.weight * scale)
    has_bias = module.bias is not None
    if has_bias or bn is not None:
        if conv.bias is None:
            raise IRError(f"{conv.where}: no bias follows this convolution, but {name} has "
                          f"{'a bias' if has_bias else 'a BatchNorm'} after it")
        bias = torch.from_numpy(conv.bias * scale)
        if has_bias:
            state[f"{name}.bias"] = bias
        else:
            _identity_bn(state, bn, bias, torch.ones_like(bias), eps)
    elif conv.bias is not None:
        raise IRError(f"{conv.where}: a bias follows this convolution, but {name} has neither bias nor BatchNorm")


def _identity_bn(state: dict[str, torch.Tensor], name: str, shift: torch.Tensor, scale: torch.Tensor, eps: float) -> None:
    """A BatchNorm that computes ``scale * x + shift`` in eval mode: statistics 0 / 1 and the
    affine scale times sqrt(1 + eps), which the normalisation's division cancels exactly."""
    state[f"{name}.weight"] = scale.float() * math.sqrt(1.0 + eps)
    state[f"{name}.bias"] = shift.float()
    state[f"{name}.running_mean"] = torch.zeros_like(shift, dtype=torch.float32)
    state[f"{name}.running_var"] = torch.ones_like(shift, dtype=torch.float32)
    state[f"{name}.num_batches_tracked"] = torch.tensor(0)


def _neck(graph: IRGraph, parameter: str) -> tuple[np.ndarray, np.ndarray]:
    """The scale and shift of the BatchNorm on head input ``parameter`` (Multiply, then Add)."""
    found = [p for p in graph.of_type("Parameter") if p.name == parameter]
    if len(found) != 1:
        raise IRError(f"{graph.xml_path}: no input named {parameter!r} (expected the inputs 'zf' and 'xf')")
    values = []
    current = found[0].id
    for kind in ("Multiply", "Add"):
        consumers = graph.consumers(current)
        if len(consumers) != 1 or graph.layers[consumers[0]].type != kind:
            got = ", ".join(graph.layers[c].describe() for c in consumers) or "nothing"
            raise IRError(f"{graph.xml_path.name}: input {parameter!r} should go through the neck's {kind} next, "
                          f"but goes to {got}")
        current = consumers[0]
        constant = [s for s in graph.inputs_of(current) if graph.is_constant(s)]
        if len(constant) != 1:
            raise IRError(f"{graph.xml_path.name}: {graph.layers[current].describe()} has no constant operand")
        values.append(graph.value(constant[0])[0].astype(np.float32).reshape(-1))
    return values[0], values[1]


def _check_output_ops(graph: IRGraph, cls_result: int, reg_result: int, stride: int) -> None:
    """The head's tail must be what the conversion assumes: a sigmoid on cls; ReLU, x stride on reg."""
    name = graph.xml_path.name
    cls_chain = {graph.layers[a].type for a in graph.ancestors(cls_result)}
    if "Sigmoid" not in cls_chain:
        raise IRError(f"{name}: the classification output has no sigmoid before it")
    multiplies = [a for a in graph.ancestors(reg_result) if graph.layers[a].type == "Multiply"
                  and any(graph.is_constant(s) and graph.value(s)[0].size == 1 for s in graph.inputs_of(a))]
    if not multiplies:
        raise IRError(f"{name}: the regression output is not multiplied by the stride")
    for layer_id in multiplies:
        factor = next(float(graph.value(s)[0].reshape(-1)[0]) for s in graph.inputs_of(layer_id) if graph.is_constant(s))
        if factor != float(stride):
            raise IRError(f"{name}: {graph.layers[layer_id].describe()} multiplies the regression by {factor}, "
                          f"expected the stride {stride}")


# ---- the conversion --------------------------------------------------------------------------------
def _graph_paths(folder: Path) -> dict[str, tuple[Path, Path]]:
    if not folder.is_dir():
        raise IRError(f"{folder} is not a folder (expected the IR's z_feature, x_feature and head .xml + .bin)")
    paths = {}
    for graph in GRAPHS:
        xml, bin_ = folder / f"{graph}.xml", folder / f"{graph}.bin"
        missing = [p.name for p in (xml, bin_) if not p.is_file()]
        if missing:
            raise IRError(f"{folder}: {', '.join(missing)} missing (an OpenVINO IR of LightTrack has "
                          f"{', '.join(g + '.xml/.bin' for g in GRAPHS)})")
        paths[graph] = (xml, bin_)
    return paths


def convert_openvino(folder: str | os.PathLike, arch: str | Arch = MOBILE_ARCH) -> Conversion:
    """Read the three IR graphs in ``folder`` and return our state dict for ``arch``."""
    folder = Path(folder)
    paths = _graph_paths(folder)
    arch = arch if isinstance(arch, Arch) else Arch.parse(str(arch))
    net = TrackerNet(arch).eval()
    targets = _conv_targets(net)
    eps = next(m.eps for m in net.modules() if isinstance(m, nn.BatchNorm2d))
    state: dict[str, torch.Tensor] = {}
    kinds: set[str] = set()

    backbone = [t for t in targets if t[0].startswith("backbone.")]
    graphs = {name: read_ir(*paths[name]) for name in GRAPHS}
    per_branch = {}
    for name in ("z_feature", "x_feature"):
        graph = graphs[name]
        _check_preprocessing(graph)
        _single(graph, "Parameter")
        convs = _convs_in_order(graph)
        _check_count(graph, convs, backbone, "backbone")
        per_branch[name] = convs
    for a, b in zip(per_branch["z_feature"], per_branch["x_feature"]):
        if not (np.array_equal(a.weight, b.weight) and (a.bias is None) == (b.bias is None)
                and (a.bias is None or np.array_equal(a.bias, b.bias))):
            raise IRError(f"{b.where}: differs from the template graph's {a.where.split(': ', 1)[1]}: the two backbone "
                          "graphs must carry the same weights")
    for target, conv in zip(backbone, per_branch["z_feature"]):
        _assign(state, target, conv, eps)

    head = graphs["head"]
    cls_result, reg_result = _result_of(head, 1), _result_of(head, 4)
    _check_output_ops(head, cls_result, reg_result, arch.stride)
    cls_side, reg_side = head.ancestors(cls_result), head.ancestors(reg_result)
    groups = (("fusion.", cls_side & reg_side), ("cls_head.", cls_side - reg_side), ("reg_head.", reg_side - cls_side))
    for prefix, among in groups:
        mine = [t for t in targets if t[0].startswith(prefix)]
        convs = _convs_in_order(head, among)
        _check_count(head, convs, mine, prefix.rstrip("."))
        for target, conv in zip(mine, convs):
            scale = 10.0 if target[0] == "cls_head.predictor.conv" else 1.0  # the x0.1 folded into it
            _assign(state, target, conv, eps, scale)
    for parameter, bn in (("zf", "neck.bn_z"), ("xf", "neck.bn_x")):
        scale, shift = _neck(head, parameter)
        if scale.size != arch.out_channels or shift.size != arch.out_channels:
            raise IRError(f"{head.xml_path.name}: the neck on {parameter!r} has {scale.size} channels, "
                          f"this architecture {arch.out_channels}")
        _identity_bn(state, bn, torch.from_numpy(shift), torch.from_numpy(scale), eps)

    for graph in graphs.values():
        kinds.update(layer.data.get("element_type", "") for layer in graph.of_type("Const"))
    own = net.state_dict()
    missing = [k for k in own if k not in state]
    if missing:
        raise IRError(f"{folder}: the IR gave no value for {missing[0]} ({len(missing)} entries in all)")
    return Conversion(state, str(arch), len(targets), tuple(sorted(kinds)),
                      {path.name: file_sha256(path) for name in GRAPHS for path in paths[name]})


def _check_count(graph: IRGraph, convs: list[IRConv], targets: list, part: str) -> None:
    if len(convs) != len(targets):
        # name the first one whose shape differs, which is where the two networks part
        for (name, module, _), conv in zip(targets, convs):
            if conv.weight.shape != tuple(module.weight.shape):
                raise IRError(f"{conv.where}: weights of shape {conv.weight.shape}, but {name} has "
                              f"{tuple(module.weight.shape)} ({len(convs)} convolutions in the IR's {part}, "
                              f"{len(targets)} in this architecture's)")
        raise IRError(f"{graph.xml_path.name}: {len(convs)} convolutions in the {part}, but this architecture has "
                      f"{len(targets)}: the IR is another network")


def save_conversion(conversion: Conversion, out: str | os.PathLike, preset: dict | None = None,
                    provenance: dict | None = None, converter: str = "lighttrack convert openvino") -> Path:
    """Write the converted network as our self-describing checkpoint, atomically (nothing is
    written unless the whole conversion succeeded: call this after :func:`convert_openvino`)."""
    payload = {"format": FORMAT, "arch": conversion.arch, "template_size": 128, "state_dict": conversion.state_dict,
               "storage": "float32",
               "source": {"converted_from": "OpenVINO IR", "files_sha256": conversion.sources,
                          "converter": converter, **(provenance or {})}}
    if preset is not None:
        payload["preset"] = preset
    return atomic_torch_save(out, payload)


__all__ = ["Conversion", "GRAPHS", "IRConv", "MOBILE_ARCH", "convert_openvino", "save_conversion"]
