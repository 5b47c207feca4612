"""A reader of OpenVINO's IR format (``.xml`` graph + ``.bin`` constants), with numpy only.

The IR (version 10/11) is a list of ``<layer>`` elements (id, name, type, ``<data>`` attributes,
input and output ports with their shapes) and a list of ``<edge>`` elements joining an output port
of one layer to an input port of another. Every ``Const`` layer's ``<data>`` names its element
type, shape, and the byte ``offset`` and ``size`` of its values in the ``.bin`` file.

This module only reads: it knows nothing about LightTrack. :mod:`lighttrack.nn.from_openvino`
maps a graph onto our networks. OpenVINO itself is never needed.
"""

from __future__ import annotations

import heapq
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lighttrack.errors import CheckpointError

# IR element type -> numpy dtype (little endian, as OpenVINO writes them)
ELEMENT_TYPES = {
    "f16": np.dtype("<f2"), "f32": np.dtype("<f4"), "f64": np.dtype("<f8"),
    "i8": np.dtype("i1"), "u8": np.dtype("u1"), "i16": np.dtype("<i2"), "u16": np.dtype("<u2"),
    "i32": np.dtype("<i4"), "u32": np.dtype("<u4"), "i64": np.dtype("<i8"), "u64": np.dtype("<u8"),
    "boolean": np.dtype("u1"),
}


class IRError(CheckpointError):
    """An IR file that cannot be read, or that is not the network it should be."""


@dataclass(frozen=True)
class Port:
    id: int
    shape: tuple[int, ...]


@dataclass(frozen=True)
class Layer:
    """One ``<layer>``: its ``data`` attributes as strings, its ports in file order."""

    id: int
    name: str
    type: str
    data: dict[str, str] = field(default_factory=dict)
    inputs: tuple[Port, ...] = ()
    outputs: tuple[Port, ...] = ()

    def describe(self) -> str:
        return f"layer {self.id} {self.name!r} ({self.type})"


@dataclass
class IRGraph:
    """A parsed IR: layers by id, and the edges both ways."""

    xml_path: Path
    bin_path: Path
    layers: dict[int, Layer]
    # (to_layer, to_port) -> (from_layer, from_port), and from_layer -> [to_layer, ...]
    sources: dict[tuple[int, int], tuple[int, int]]
    targets: dict[int, list[int]]
    blob: bytes

    # ---- structure ----------------------------------------------------------------------------
    def of_type(self, *types: str) -> list[Layer]:
        return [layer for layer in self.layers.values() if layer.type in types]

    def inputs_of(self, layer_id: int) -> list[int]:
        """The layers feeding ``layer_id``, in the order of its input ports."""
        layer = self.layers[layer_id]
        found = []
        for port in layer.inputs:
            source = self.sources.get((layer_id, port.id))
            if source is None:
                raise IRError(f"{self.xml_path}: {layer.describe()} has no edge into its input port {port.id}")
            found.append(source[0])
        return found

    def consumers(self, layer_id: int) -> list[int]:
        return list(self.targets.get(layer_id, ()))

    def ancestors(self, layer_id: int) -> set[int]:
        seen: set[int] = set()
        stack = [layer_id]
        while stack:
            for source in self.inputs_of(stack.pop()):
                if source not in seen:
                    seen.add(source)
                    stack.append(source)
        return seen

    def topological_order(self) -> list[int]:
        """Every layer after all its inputs; ties go to the lower id, so the order is fixed."""
        pending = {lid: len(self.layers[lid].inputs) for lid in self.layers}
        ready = [lid for lid, n in pending.items() if n == 0]
        heapq.heapify(ready)
        order = []
        while ready:
            lid = heapq.heappop(ready)
            order.append(lid)
            for target in self.targets.get(lid, ()):
                pending[target] -= 1
                if pending[target] == 0:
                    heapq.heappush(ready, target)
        if len(order) != len(self.layers):
            raise IRError(f"{self.xml_path}: the graph has a cycle or dangling ports")
        return order

    # ---- values -------------------------------------------------------------------------------
    def const(self, layer_id: int) -> np.ndarray:
        """The values of a ``Const`` layer, as stored (element type and shape of its ``<data>``)."""
        layer = self.layers[layer_id]
        if layer.type != "Const":
            raise IRError(f"{self.xml_path}: {layer.describe()} is not a constant")
        kind = layer.data.get("element_type", "")
        dtype = ELEMENT_TYPES.get(kind)
        if dtype is None:
            raise IRError(f"{self.xml_path}: {layer.describe()} has element type {kind!r}, which this reader does not know")
        shape = parse_shape(layer.data.get("shape", ""))
        try:
            offset, size = int(layer.data["offset"]), int(layer.data["size"])
        except (KeyError, ValueError):
            raise IRError(f"{self.xml_path}: {layer.describe()} lacks a valid offset and size") from None
        count = int(np.prod(shape, dtype=np.int64)) if shape else 1
        if size != count * dtype.itemsize:
            raise IRError(f"{self.xml_path}: {layer.describe()} says {size} bytes for {count} values of {kind}")
        if offset < 0 or offset + size > len(self.blob):
            raise IRError(f"{self.bin_path}: {layer.describe()} reads bytes {offset}..{offset + size}, but the file has "
                          f"{len(self.blob)} (truncated, or the .bin of another graph)")
        return np.frombuffer(self.blob, dtype=dtype, count=count, offset=offset).reshape(shape).copy()

    def value(self, layer_id: int) -> tuple[np.ndarray, str]:
        """A constant input's float32 value and its stored element type, looking through the
        ``Convert`` (decompression) and ``Reshape`` layers that OpenVINO puts after constants."""
        layer = self.layers[layer_id]
        if layer.type == "Const":
            array = self.const(layer_id)
            return array, layer.data.get("element_type", "")
        if layer.type == "Convert":
            (source,) = self.inputs_of(layer_id)
            array, kind = self.value(source)
            return array.astype(np.float32), kind
        if layer.type == "Reshape":
            source, shape_source = self.inputs_of(layer_id)
            array, kind = self.value(source)
            return array.reshape(tuple(layer.outputs[0].shape)), kind
        raise IRError(f"{self.xml_path}: {layer.describe()} is not a constant (a weight was expected here)")

    def is_constant(self, layer_id: int) -> bool:
        layer = self.layers[layer_id]
        if layer.type == "Const":
            return True
        if layer.type in ("Convert", "Reshape"):
            return all(self.is_constant(s) for s in self.inputs_of(layer_id))
        return False


def parse_shape(text: str) -> tuple[int, ...]:
    text = text.strip()
    if not text:
        return ()
    try:
        return tuple(int(part) for part in text.split(","))
    except ValueError:
        raise IRError(f"shape {text!r} is not a list of integers") from None


def _ports(element) -> tuple[Port, ...]:
    if element is None:
        return ()
    return tuple(Port(int(p.get("id")), tuple(int(d.text) for d in p.findall("dim"))) for p in element.findall("port"))


def read_ir(xml_path: str | Path, bin_path: str | Path | None = None) -> IRGraph:
    """Parse ``xml_path`` and load its ``.bin`` (beside it by default). Errors name the file."""
    xml_path = Path(xml_path)
    bin_path = Path(bin_path) if bin_path is not None else xml_path.with_suffix(".bin")
    for path in (xml_path, bin_path):
        if not path.is_file():
            raise IRError(f"{path} does not exist (an OpenVINO IR needs both the .xml and the .bin)")
    try:
        root = ET.parse(xml_path).getroot()
    except ET.ParseError as err:
        raise IRError(f"{xml_path}: not a readable XML file ({err})") from None
    if root.tag != "net" or root.find("layers") is None or root.find("edges") is None:
        raise IRError(f"{xml_path}: not an OpenVINO IR (expected <net> with <layers> and <edges>)")
    layers: dict[int, Layer] = {}
    try:
        for element in root.find("layers").findall("layer"):
            data = element.find("data")
            layer = Layer(int(element.get("id")), element.get("name", ""), element.get("type", ""),
                          dict(data.attrib) if data is not None else {},
                          _ports(element.find("input")), _ports(element.find("output")))
            layers[layer.id] = layer
        sources: dict[tuple[int, int], tuple[int, int]] = {}
        targets: dict[int, list[int]] = {}
        for edge in root.find("edges").findall("edge"):
            src, src_port = int(edge.get("from-layer")), int(edge.get("from-port"))
            dst, dst_port = int(edge.get("to-layer")), int(edge.get("to-port"))
            if src not in layers or dst not in layers:
                raise IRError(f"{xml_path}: an edge joins layer {src} to layer {dst}, and one of them does not exist")
            sources[(dst, dst_port)] = (src, src_port)
            targets.setdefault(src, []).append(dst)
    except (TypeError, ValueError):
        raise IRError(f"{xml_path}: a layer or edge has a missing or non-integer id or port") from None
    return IRGraph(xml_path, bin_path, layers, sources, targets, bin_path.read_bytes())


__all__ = ["ELEMENT_TYPES", "IRError", "IRGraph", "Layer", "Port", "parse_shape", "read_ir"]
