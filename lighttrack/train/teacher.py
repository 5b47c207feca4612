"""A pretrained peer tracker as a teacher: two ONNX graphs (backbone, head) run with ONNX Runtime.

The teacher this module is written for is NanoTrack (v2 and v3, Apache-2.0, kept in
``shared/peers/nanotrack``): a stride-16 Siamese tracker whose graphs are

- backbone: ``input`` (1, 3, 255, 255) BGR 0-255, no normalisation -> ``output`` (1, C, 16, 16);
- head: ``input1`` (1, C, 8, 8) template features, ``input2`` (1, C, 16, 16) search features ->
  ``output1`` (1, 2, G, G) background/foreground logits, ``output2`` (1, 4, G, G) l, t, r, b
  distances in search-crop pixels, measured from grid point ``(k - G // 2) * 16`` relative to the
  crop centre (G = 16 for v2, 15 for v3; checked on DAVIS crops: channel 1 peaks on the target and
  the distances decode to its box in crop pixels).

Any pair of graphs with these names and roles works. The graphs declare fixed 255x255 inputs;
the template crop goes through the same backbone, so the backbone's spatial input dims are made
symbolic here. Their batch stays 1 (the NanoTrack graphs reshape with a literal batch of 1), so
the teacher runs one crop at a time — its outputs are cached on disk (``lighttrack.train.distill``),
so that cost is paid once per training pair.

Nothing here imports torch: the teacher is numpy in, numpy out.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort

from lighttrack.errors import CheckpointError, ConfigError

STRIDE = 16


@dataclass(frozen=True)
class TeacherShapes:
    """What the graphs declare (and a probe run confirms)."""

    channels: int  # backbone feature channels = head input channels
    template_grid: int  # side of the head's template feature input (8)
    search_grid: int  # side of the head's search feature input (16): the teacher's native crop is search_grid * 16 px
    out_grid: int  # side of the head's output maps (16 for v2, 15 for v3)

    @property
    def native_search(self) -> int:
        """Search crop side (our convention, a multiple of the stride) the head is built for: 256."""
        return self.search_grid * STRIDE


def find_teacher_files(root: str | Path) -> tuple[Path, Path]:
    """(backbone.onnx, head.onnx) inside ``root``, or one clear error."""
    root = Path(root)
    if not root.is_dir():
        raise ConfigError(f"config key 'distill.teacher': {str(root)!r} is not a directory (it must hold the teacher's backbone and head .onnx files)")
    graphs = sorted(root.glob("*.onnx"))
    backbones = [p for p in graphs if "backbone" in p.name.lower()]
    heads = [p for p in graphs if "head" in p.name.lower()]
    found = ", ".join(p.name for p in graphs) or "no .onnx files"
    if len(backbones) != 1 or len(heads) != 1:
        raise CheckpointError(
            f"distill.teacher {str(root)!r} must hold exactly one *backbone*.onnx and one *head*.onnx, found: {found}"
        )
    return backbones[0], heads[0]


def _dims(value_info) -> list:
    return [d.dim_value if d.HasField("dim_value") else (d.dim_param or None) for d in value_info.type.tensor_type.shape.dim]


def _load_graph(path: Path):
    try:
        return onnx.load(str(path))
    except Exception as err:  # onnx raises DecodeError, ValueError, ... for a file that is not a graph
        raise CheckpointError(f"distill.teacher: {str(path)!r} is not a readable ONNX graph ({type(err).__name__})") from None


def _io(model, path: Path, inputs: tuple[str, ...], outputs: tuple[str, ...]) -> dict[str, list]:
    init = {t.name for t in model.graph.initializer}
    have = {i.name: i for i in model.graph.input if i.name not in init}
    have.update({o.name: o for o in model.graph.output})
    missing = [n for n in inputs + outputs if n not in have]
    if missing:
        raise CheckpointError(
            f"distill.teacher: {path.name} has no tensor {missing[0]!r} (it has {', '.join(sorted(have))}; "
            f"expected inputs {', '.join(inputs)} and outputs {', '.join(outputs)})"
        )
    dims = {n: _dims(have[n]) for n in inputs + outputs}
    for name, d in dims.items():
        if len(d) != 4:
            raise CheckpointError(f"distill.teacher: {path.name}: tensor {name!r} is {d}, not (1, C, H, W)")
    return dims


class OnnxTeacher:
    """NanoTrack-style teacher: ``features(bgr)`` and ``head(zf, xf)``, one crop at a time."""

    BACKBONE_IO = (("input",), ("output",))
    HEAD_IO = (("input1", "input2"), ("output1", "output2"))

    def __init__(self, root: str | Path, threads: int = 1):
        self.root = Path(root)
        self.backbone_path, self.head_path = find_teacher_files(self.root)
        digest = hashlib.sha256()
        for p in (self.backbone_path, self.head_path):
            digest.update(hashlib.sha256(p.read_bytes()).digest())
        self.id = digest.hexdigest()[:16]  # content, not path: a copied teacher reuses its cache

        bb = _load_graph(self.backbone_path)
        hd = _load_graph(self.head_path)
        bdims = _io(bb, self.backbone_path, *self.BACKBONE_IO)
        hdims = _io(hd, self.head_path, *self.HEAD_IO)
        cb = bdims["output"][1]
        c1, c2 = hdims["input1"][1], hdims["input2"][1]
        if not (cb == c1 == c2):
            raise CheckpointError(
                f"distill.teacher {str(self.root)!r}: the backbone gives {cb} channels but the head takes {c1} (template) "
                f"and {c2} (search): the two graphs are not one tracker"
            )
        if hdims["output1"][1] != 2 or hdims["output2"][1] != 4:
            raise CheckpointError(
                f"distill.teacher: {self.head_path.name} must give 2-class logits (output1) and 4 distances (output2), "
                f"got {hdims['output1'][1]} and {hdims['output2'][1]} channels"
            )
        side = lambda d: d[2] if d[2] == d[3] and isinstance(d[2], int) else None  # noqa: E731
        shapes = (cb, side(hdims["input1"]), side(hdims["input2"]), side(hdims["output1"]))
        if any(not isinstance(s, int) or s <= 0 for s in shapes) or side(hdims["output2"]) != shapes[3]:
            raise CheckpointError(f"distill.teacher: {self.head_path.name} must declare fixed square inputs and outputs, got {hdims}")
        self.shapes = TeacherShapes(*shapes)

        # The backbone takes any crop size: make its spatial dims symbolic (batch stays 1).
        for value in list(bb.graph.input) + list(bb.graph.output):
            dims = value.type.tensor_type.shape.dim
            if value.name in ("input", "output"):
                for i, name in ((2, "height"), (3, "width")):
                    dims[i].Clear()
                    dims[i].dim_param = f"{value.name}_{name}"
        del bb.graph.value_info[:]  # shapes inferred for 255 px would contradict other sizes
        self._backbone = self._session(bb.SerializeToString(), self.backbone_path, threads)
        self._head = self._session(hd.SerializeToString(), self.head_path, threads)

    @staticmethod
    def _session(data: bytes, path: Path, threads: int):
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = max(1, int(threads))
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        try:
            return ort.InferenceSession(data, opts, providers=["CPUExecutionProvider"])
        except Exception as err:
            line = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise CheckpointError(f"distill.teacher: ONNX Runtime cannot run {str(path)!r}: {line}") from None

    # ------------------------------------------------------------------ running
    def features(self, bgr: np.ndarray) -> np.ndarray:
        """(3, H, W) float32 BGR 0-255 -> (C, H/16, W/16) float32."""
        out = self._backbone.run(["output"], {"input": np.ascontiguousarray(bgr[None], dtype=np.float32)})[0]
        return out[0]

    def head(self, zf: np.ndarray, xf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """-> (foreground probability (G, G), l/t/r/b distances (4, G, G)), float32."""
        logits, loc = self._head.run(
            ["output1", "output2"], {"input1": np.ascontiguousarray(zf[None]), "input2": np.ascontiguousarray(xf[None])}
        )
        logits = logits[0].astype(np.float64)
        fg = 1.0 / (1.0 + np.exp(logits[0] - logits[1]))  # softmax over the two classes, channel 1
        return fg.astype(np.float32), loc[0].astype(np.float32)

    def check(self, template_size: int, canvas: int) -> None:
        """Run once on blank crops of the sizes training will use; any disagreement is an error now."""
        s = self.shapes
        try:
            zf = self.features(np.zeros((3, template_size, template_size), np.float32))
            xf = self.features(np.zeros((3, canvas, canvas), np.float32))
        except Exception as err:
            line = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise CheckpointError(f"distill.teacher: the backbone {self.backbone_path.name} fails on {template_size}/{canvas}-px crops: {line}") from None
        if zf.shape != (s.channels, s.template_grid, s.template_grid):
            raise ConfigError(
                f"config key 'data.template_size': {template_size}-px templates give the teacher a {tuple(zf.shape)} feature, "
                f"its head takes ({s.channels}, {s.template_grid}, {s.template_grid}) (templates of {s.template_grid * STRIDE} px)"
            )
        if xf.shape != (s.channels, s.search_grid, s.search_grid):
            raise CheckpointError(f"distill.teacher: the backbone gives {tuple(xf.shape)} on {canvas}-px crops, the head takes "
                                  f"({s.channels}, {s.search_grid}, {s.search_grid})")
        try:
            fg, loc = self.head(zf, xf)
        except Exception as err:
            line = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise CheckpointError(f"distill.teacher: the head {self.head_path.name} fails on the backbone's features: {line}") from None
        if fg.shape != (s.out_grid, s.out_grid) or loc.shape != (4, s.out_grid, s.out_grid):
            raise CheckpointError(f"distill.teacher: the head gives {fg.shape} / {loc.shape}, it declares {s.out_grid}x{s.out_grid}")
