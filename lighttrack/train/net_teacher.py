"""A TrackerNet of our own space as a teacher: e.g. the official LightTrack-Mobile (issue 26).

``distill.teacher`` names a checkpoint file or a shipped model (``lighttrack-mobile-official``)
instead of a folder of ONNX graphs. The network runs in PyTorch, in eval mode (a BN-folded
conversion is exact there), behind the interface of :class:`lighttrack.train.teacher.OnnxTeacher`
— ``id``, ``shapes``, ``features(bgr)``, ``head(zf, xf)``, ``check(...)`` — so the grids, the
per-pair cache and the terms of ``lighttrack.train.distill`` serve it unchanged.

Its conventions are ours: cell j of an S-cell map at ``16 j`` px of the crop, i.e.
``(j - S // 2) * 16`` from the centre of a ``16 S`` crop — the teacher convention ``distill``
matches cells by — and l, t, r, b in crop pixels. The logits are the network's (already x 0.1), so
the foreground probability is their sigmoid, as the tracker computes it. Its native search crop is
256 px; a teacher whose stride is not 16 answers on another grid and is refused.
"""

from __future__ import annotations

import hashlib

import numpy as np
import torch

from lighttrack.errors import ConfigError
from lighttrack.imaging import normalize_uint8
from lighttrack.models import get_model, load_weights, weights_file
from lighttrack.train.teacher import STRIDE, TeacherShapes

NATIVE_SEARCH = 256


class NetTeacher:
    """One of our TrackerNets (weights file or shipped name) as a distillation teacher."""

    def __init__(self, spec: str, threads: int = 1):
        self.spec = str(spec)
        path = weights_file(self.spec)  # CheckpointError naming the shipped models for an unknown name
        self.net, _ = load_weights(self.spec)
        self.net.eval()
        self.threads = max(1, int(threads))
        try:
            self.id = (get_model(self.spec).sha256 or "")[:16]
        except Exception:  # noqa: BLE001 - not a registry name: a file
            self.id = ""
        if not self.id:
            self.id = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        stride = int(self.net.stride)
        grid = NATIVE_SEARCH // stride
        if stride != STRIDE:
            raise ConfigError(
                f"config key 'distill.teacher': {self.spec!r} ({self.net.arch}) answers on a {grid}x{grid} grid for "
                f"{NATIVE_SEARCH}-px search crops (stride {stride}); the distillation terms match cells on the stride-"
                f"{STRIDE} grid ({NATIVE_SEARCH // STRIDE}x{NATIVE_SEARCH // STRIDE}): use a teacher whose output is at stride {STRIDE}"
            )
        self.shapes = TeacherShapes(int(self.net.arch.out_channels), self.net.template_feature_size, grid, grid)

    def _run(self, fn, *args):
        previous = torch.get_num_threads()
        torch.set_num_threads(self.threads)
        try:
            with torch.no_grad():
                return fn(*args)
        finally:
            torch.set_num_threads(previous)

    def features(self, bgr: np.ndarray) -> np.ndarray:
        """(3, H, W) float32 BGR 0-255 -> backbone features (C, H/16, W/16), float32 (before the neck)."""
        rgb = torch.from_numpy(np.ascontiguousarray(bgr[::-1])).clamp(0, 255).round().to(torch.uint8)[None]
        return self._run(lambda t: self.net.backbone(normalize_uint8(t))[0].float().numpy(), rgb)

    def head(self, zf: np.ndarray, xf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """-> (foreground probability (G, G), l/t/r/b (4, G, G)), float32."""

        def run(z, x):
            net = self.net
            fused = net.fusion(net.neck.bn_z(z), net.neck.bn_x(x))
            return torch.sigmoid(net.cls_head(fused))[0, 0].numpy(), net.reg_head(fused)[0].numpy()

        return self._run(run, torch.from_numpy(zf)[None], torch.from_numpy(xf)[None])

    def check(self, template_size: int, canvas: int) -> None:
        """The teacher's template grid must be what ``template_size`` gives (one clear error)."""
        side = round(template_size / STRIDE)
        if side != self.shapes.template_grid:
            raise ConfigError(
                f"config key 'data.template_size': {template_size}-px templates give a {side}x{side} template feature, the "
                f"teacher {self.spec!r} was built for {self.net.template_size}-px templates ({self.shapes.template_grid}x"
                f"{self.shapes.template_grid})"
            )
