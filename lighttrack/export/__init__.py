"""Deployment exports: two ONNX graphs (template, per-frame) with BatchNorm folded; optional INT8."""

from lighttrack.export.onnx import ExportResult, check_parity, export_onnx, quantize_track_graph

__all__ = ["ExportResult", "check_parity", "export_onnx", "quantize_track_graph"]
