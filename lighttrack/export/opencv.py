"""Export a TrackerNet as the two ONNX graphs OpenCV's own Siamese tracker, ``cv::TrackerNano``,
runs as they are: C++, Java, Android and iOS users track with our weights without Python.

What OpenCV's implementation feeds and reads (``modules/video/src/tracking/tracker_nano.cpp``,
read for its conventions) is baked into the graphs:

- ``backbone.onnx`` gets one crop as ``blobFromImage(crop, swapRB=true)`` makes it: 1x3xHxW float,
  RGB, values 0-255, a 127 px template and a 255 px search crop through the same graph. Our
  ImageNet normalisation is its first operation; it returns the backbone's feature map.
- ``neckhead.onnx`` takes the template feature as ``input1`` and the search feature as ``input2``
  and gives ``output1`` (1x2xSxS, a two-class softmax of which OpenCV reads channel 1: our logit
  beside a zero, so that softmax is our sigmoid) and ``output2`` (1x4xSxS: left, top, right,
  bottom distances in search-crop pixels from cell points at ``(j - S//2) * 16 + 127``; ours sit
  at ``(j - S//2) * 16 + 128``, so the distances are shifted by that pixel).
- S must be (255 - 127) / 16 + 8 = 16: OpenCV sizes its window and grid with that number, so a
  network of another stride or grid cannot run there (refused before export).

OpenCV applies its own step (window 0.455, penalty 0.055, size rate 0.37 times penalty and
score; no refiner), not the preset our weights carry; docs/deployment.md says what differs.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from lighttrack.errors import InputError
from lighttrack.geometry import grid_points
from lighttrack.imaging import IMAGENET_MEAN, IMAGENET_STD
from lighttrack.export.onnx import output_folder
from lighttrack.io import make_staging_dir

BACKBONE_FILE = "backbone.onnx"
NECKHEAD_FILE = "neckhead.onnx"
TEMPLATE_SIZE = 127  # OpenCV's exemplar size
SEARCH_SIZE = 255  # OpenCV's instance size
STRIDE = 16  # OpenCV's total stride
GRID = (SEARCH_SIZE - TEMPLATE_SIZE) // STRIDE + 8  # the score map OpenCV reads: 16x16
TRAINED_SEARCH = 256  # the search size our grid points are defined for


class BackboneGraph(nn.Module):
    """RGB 0-255 crop -> backbone feature, the normalisation folded into one scale and shift."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.backbone = net.backbone
        std = torch.tensor(IMAGENET_STD, dtype=torch.float32).view(1, 3, 1, 1)
        mean = torch.tensor(IMAGENET_MEAN, dtype=torch.float32).view(1, 3, 1, 1)
        self.register_buffer("scale", 1.0 / (255.0 * std))
        self.register_buffer("shift", -mean / std)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.backbone(image * self.scale + self.shift)


class NeckHeadGraph(nn.Module):
    """Template and search features -> OpenCV's two-class scores and its grid's box distances."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.neck, self.fusion, self.cls_head, self.reg_head = net.neck, net.fusion, net.cls_head, net.reg_head
        ours = float(grid_points(TRAINED_SEARCH)[0][0, 0])
        theirs = float((0 - GRID // 2) * STRIDE + SEARCH_SIZE // 2)
        delta = theirs - ours  # x1 = theirs - l' must equal ours - l, and x2 = theirs + r' equal ours + r
        self.register_buffer("ltrb_shift", torch.tensor([delta, delta, -delta, -delta], dtype=torch.float32).view(1, 4, 1, 1))

    def forward(self, input1: torch.Tensor, input2: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        fused = self.fusion(self.neck.bn_z(input1), self.neck.bn_x(input2))
        logit = self.cls_head(fused)
        return torch.cat([torch.zeros_like(logit), logit], dim=1), self.reg_head(fused) + self.ltrb_shift


@dataclass
class OpenCVExport:
    directory: Path
    files: dict[str, Path] = field(default_factory=dict)
    parity: dict[str, float] = field(default_factory=dict)


def check_opencv_grid(net: nn.Module) -> None:
    """Refuse a network whose score grid OpenCV's TrackerNano cannot read (InputError, one line)."""
    arch = getattr(net, "arch", None)
    stride = getattr(arch, "stride", STRIDE)
    with torch.no_grad():
        xf = net.backbone(torch.zeros(1, 3, SEARCH_SIZE, SEARCH_SIZE))
    if stride != STRIDE or tuple(xf.shape[-2:]) != (GRID, GRID):
        raise InputError(f"OpenCV's TrackerNano reads a {GRID}x{GRID} score map (stride {STRIDE} over a {SEARCH_SIZE} px "
                         f"search crop); architecture {arch} has stride {stride} and gives {xf.shape[-2]}x{xf.shape[-1]}: "
                         "it cannot run there")


def export_opencv(net: nn.Module, outdir: str | os.PathLike, opset: int = 14) -> OpenCVExport:
    """Write ``backbone.onnx`` and ``neckhead.onnx`` for ``cv2.TrackerNano`` into ``outdir``
    (atomically: built in a staging folder), checked in ONNX Runtime against PyTorch."""
    net = net.eval().cpu()
    check_opencv_grid(net)
    outdir = output_folder(outdir)
    backbone, neckhead = BackboneGraph(net).eval(), NeckHeadGraph(net).eval()
    gen = torch.Generator().manual_seed(0)
    z = torch.rand(1, 3, TEMPLATE_SIZE, TEMPLATE_SIZE, generator=gen) * 255
    x = torch.rand(1, 3, SEARCH_SIZE, SEARCH_SIZE, generator=gen) * 255
    with torch.no_grad():
        zf, xf = backbone(z), backbone(x)
        out1, out2 = neckhead(zf, xf)
    result = OpenCVExport(outdir)
    staging = make_staging_dir(outdir, "opencv")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(backbone, (x,), str(staging / BACKBONE_FILE), input_names=["input"], output_names=["output"],
                              dynamic_axes={"input": {2: "height", 3: "width"}, "output": {2: "rows", 3: "cols"}},
                              opset_version=opset, do_constant_folding=True, dynamo=False)
            torch.onnx.export(neckhead, (zf, xf), str(staging / NECKHEAD_FILE), input_names=["input1", "input2"],
                              output_names=["output1", "output2"], opset_version=opset, do_constant_folding=True, dynamo=False)
        import onnxruntime as ort  # local: a check only

        options = ort.SessionOptions()
        options.log_severity_level = 3
        bb = ort.InferenceSession(str(staging / BACKBONE_FILE), options, providers=["CPUExecutionProvider"])
        nh = ort.InferenceSession(str(staging / NECKHEAD_FILE), options, providers=["CPUExecutionProvider"])
        got_zf = bb.run(None, {"input": z.numpy()})[0]
        got_xf = bb.run(None, {"input": x.numpy()})[0]
        got1, got2 = nh.run(None, {"input1": got_zf, "input2": got_xf})
        result.parity = {"output1": float(np.abs(got1 - out1.numpy()).max()), "output2": float(np.abs(got2 - out2.numpy()).max())}
        for name in (BACKBONE_FILE, NECKHEAD_FILE):
            os.replace(staging / name, outdir / name)
            result.files[name] = outdir / name
    finally:
        import shutil

        shutil.rmtree(staging, ignore_errors=True)
    return result
