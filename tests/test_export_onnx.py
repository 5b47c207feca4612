"""ONNX export: BN folded, parity with PyTorch, golden boxes through ONNX Runtime, INT8."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

import onnx  # noqa: E402

from lighttrack.errors import CheckpointError  # noqa: E402
from lighttrack.tracker import Tracker  # noqa: E402
from lighttrack.tracker.presets import get_preset  # noqa: E402

FIXTURE = Path(__file__).parent / "fixtures" / "official_lighttrack_mobile"
pytestmark = pytest.mark.skipif(not (FIXTURE / "state_dict.pt").is_file(), reason=f"golden fixture missing: {FIXTURE}")


@pytest.fixture(scope="module")
def net():
    import lighttrack

    return lighttrack.build("lighttrack-mobile", weights=FIXTURE / "state_dict.pt")


@pytest.fixture(scope="module")
def exported(net, tmp_path_factory):
    from lighttrack.export.onnx import export_onnx

    outdir = tmp_path_factory.mktemp("onnx")
    result = export_onnx(net, outdir, check=True)
    return outdir, result


@pytest.fixture(scope="module")
def frames():
    return [cv2.cvtColor(cv2.imread(str(FIXTURE / "frames" / f"{i:04d}.png")), cv2.COLOR_BGR2RGB) for i in range(30)]


def test_export_writes_two_folded_graphs(exported):
    outdir, result = exported
    meta = json.loads((outdir / "lighttrack.json").read_text())
    assert meta["template"] == "template.onnx" and meta["track"] == "track.onnx" and meta["bn_folded"]
    track = onnx.load(str(outdir / "track.onnx"))
    ops = {n.op_type for n in track.graph.node}
    assert "BatchNormalization" not in ops and "Conv" in ops
    assert [i.name for i in track.graph.input] == ["zk", "zb", "x"]
    template = onnx.load(str(outdir / "template.onnx"))
    assert [o.name for o in template.graph.output] == ["zk", "zb"]
    # parity with PyTorch on random inputs, both search sizes, batch of 2
    for key, diff in result.parity.items():
        assert diff < (1e-3 if key.startswith("ltrb") else 1e-4), (key, diff)


def test_onnx_tracker_reproduces_golden_boxes(exported, frames):
    outdir, _ = exported
    for run in ("vot2019", "default", "default_even"):
        ref = np.genfromtxt(FIXTURE / f"tracker_boxes_{run}.txt", comments="#")
        tracker = Tracker.from_onnx(outdir, preset=run, threads=1)
        tracker.init(frames[0], ref[0, 1:5])
        boxes = np.array([tracker.update(f).box for f in frames[1:]])
        assert np.abs(boxes - ref[1:, 1:5]).max() < 0.01, run


def test_onnx_batch_of_targets(exported, frames):
    outdir, _ = exported
    tracker = Tracker.from_onnx(outdir, preset="vot2019", threads=1)
    results = tracker.init_many(frames[0], [[150, 113, 20, 14], [40, 40, 60, 50], [10, 150, 80, 60]])
    assert len(results) == 3
    for frame in frames[1:4]:
        out = tracker.update_many(frame)
        assert len(out) == 3 and all(np.isfinite(r.box).all() for r in out)


def test_onnx_and_torch_calibrate_alike(exported, net, frames):
    """The calibration's batch of nine search crops runs through the ONNX graph too, and both
    backends arrive at the same correction and the same boxes."""
    from lighttrack.tracker.backends import TorchBackend

    outdir, _ = exported
    preset = get_preset("default").replace(calibration=1.0, vote_radius=1)
    runs = []
    for tracker in (Tracker.from_onnx(outdir, preset=preset, threads=1), Tracker(TorchBackend(net), preset=preset)):
        tracker.init(frames[0], [150, 113, 20, 14])
        correction = next(r.correction for r in tracker._states[0].refiners if r.name == "calibration")
        runs.append((correction, np.array([tracker.update(f).box for f in frames[1:6]])))
    assert np.abs(runs[0][0]).max() > 0  # this network misses the box: there is something to correct
    np.testing.assert_allclose(runs[0][0], runs[1][0], atol=1e-3)
    np.testing.assert_allclose(runs[0][1], runs[1][1], atol=0.05)


def test_onnx_and_torch_align_alike(exported, net, frames):
    """Template alignment runs on the frame, after either backend's step: the same boxes."""
    from lighttrack.tracker.backends import TorchBackend

    outdir, _ = exported
    preset = get_preset("aligned")
    onnx_tracker = Tracker.from_onnx(outdir, preset="default_even", threads=1, align=True)
    assert onnx_tracker.preset.align
    runs = []
    for tracker in (Tracker.from_onnx(outdir, preset=preset, threads=1), Tracker(TorchBackend(net), preset=preset)):
        tracker.init(frames[0], [150, 113, 20, 14])
        runs.append(np.array([tracker.update(f).box for f in frames[1:6]]))
    np.testing.assert_allclose(runs[0], runs[1], atol=0.05)


def test_missing_or_bad_onnx_folder(tmp_path):
    with pytest.raises(CheckpointError, match="export onnx"):
        Tracker.from_onnx(tmp_path)
    (tmp_path / "lighttrack.json").write_text("{}")
    with pytest.raises(CheckpointError):
        Tracker.from_onnx(tmp_path)


def test_int8_graph_tracks(exported, frames, net):
    """Static INT8 quantization, calibrated on a few fixture frames: runs and stays close."""
    from lighttrack.export.onnx import quantize_track_graph
    from lighttrack.tracker.quantize import calibration_feeds
    from lighttrack.io import atomic_write_json

    outdir, _ = exported
    feeds = calibration_feeds(outdir, frames[:6], np.array([150.0, 113.0, 20.0, 14.0]), presets=("default",))
    path = quantize_track_graph(outdir, feeds)
    model = onnx.load(str(path))
    assert any(n.op_type in ("QuantizeLinear", "QLinearConv") for n in model.graph.node)
    meta = json.loads((outdir / "lighttrack.json").read_text())
    atomic_write_json(outdir / "lighttrack.json", {**meta, "track_int8": path.name})
    fp32 = Tracker.from_onnx(outdir, preset="default", threads=1)
    int8 = Tracker.from_onnx(outdir, preset="default", threads=1, int8=True)
    # one step from the same state: the INT8 network's box stays near the float one
    for tracker in (fp32, int8):
        tracker.init(frames[0], [150, 113, 20, 14])
    a, b = fp32.update(frames[1]).box, int8.update(frames[1]).box
    assert np.isfinite(b).all() and np.abs(a - b).max() < 20
