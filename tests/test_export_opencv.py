"""`lighttrack export opencv`: graphs that OpenCV's own cv2.TrackerNano runs as they are, with our
network's outputs in OpenCV's layout; a network of another grid refused before export."""

from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

import lighttrack
from lighttrack.cli import main
from lighttrack.errors import InputError
from lighttrack.export.opencv import BACKBONE_FILE, NECKHEAD_FILE, export_opencv
from lighttrack.imaging import IMAGENET_MEAN, IMAGENET_STD
from lighttrack.tracker.tracker import Tracker

VIDEO = Path(__file__).resolve().parents[1] / "lighttrack" / "assets" / "demo" / "videos" / "bigbuckbunny.mp4"
TINY = "back_00000000000000000000+cls_002222222+reg_002222222_ops_20"
pytestmark = pytest.mark.skipif(not hasattr(cv2, "TrackerNano_create"), reason="this OpenCV has no TrackerNano")


def _nano(folder: Path):
    params = cv2.TrackerNano_Params()
    params.backbone, params.neckhead = str(folder / BACKBONE_FILE), str(folder / NECKHEAD_FILE)
    return cv2.TrackerNano_create(params)


def test_opencv_dnn_reads_the_graphs_as_pytorch_computes_them(tmp_path):
    torch.manual_seed(0)
    net = lighttrack.build(TINY).eval()
    result = export_opencv(net, tmp_path)
    assert result.parity["output1"] < 1e-4 and result.parity["output2"] < 1e-3
    rng = np.random.default_rng(0)
    z = rng.uniform(0, 255, (1, 3, 127, 127)).astype(np.float32)
    x = rng.uniform(0, 255, (1, 3, 255, 255)).astype(np.float32)
    backbone = cv2.dnn.readNet(str(tmp_path / BACKBONE_FILE))
    backbone.setInput(z)
    zf = backbone.forward().copy()
    backbone.setInput(x)
    xf = backbone.forward().copy()
    head = cv2.dnn.readNet(str(tmp_path / NECKHEAD_FILE))
    head.setInput(zf, "input1")
    head.setInput(xf, "input2")
    out1, out2 = head.forward(["output1", "output2"])
    # what PyTorch computes: the normalisation folded in front, our logit beside a zero (OpenCV's
    # softmax of channel 1 is then our sigmoid), our distances moved onto OpenCV's cell points,
    # which sit one pixel left of and above ours
    mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    with torch.no_grad():
        zn, xn = (torch.from_numpy(z) / 255 - mean) / std, (torch.from_numpy(x) / 255 - mean) / std
        fused = net.fusion(net.neck.bn_z(net.backbone(zn)), net.neck.bn_x(net.backbone(xn)))  # track() wants 256
        cls, ltrb = net.cls_head(fused), net.reg_head(fused)
    assert out1.shape == (1, 2, 16, 16) and out2.shape == (1, 4, 16, 16)
    np.testing.assert_allclose(out1[:, :1], 0, atol=1e-6)
    np.testing.assert_allclose(out1[:, 1:], cls.numpy(), atol=2e-4)
    np.testing.assert_allclose(out2, ltrb.numpy() + np.array([-1, -1, 1, 1], np.float32).reshape(1, 4, 1, 1), atol=2e-3, rtol=1e-4)


def test_cv2_tracker_nano_follows_the_shipped_model_like_our_tracker(tmp_path):
    net, _ = lighttrack.models.load_weights("lighttrack-mobile")
    export_opencv(net, tmp_path)
    nano = _nano(tmp_path)
    ours = Tracker.from_weights("lighttrack-mobile", color="bgr", network_only=True)
    video = cv2.VideoCapture(str(VIDEO))
    _, frame = video.read()
    box = (295, 255, 140, 200)
    nano.init(frame, box)
    ours.init(frame, box)
    ious = []
    for _ in range(30):
        _, frame = video.read()
        ok, a = nano.update(frame)
        b = ours.update(frame).box
        x1, y1 = max(a[0], b[0]), max(a[1], b[1])
        x2, y2 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
        inter = max(0, x2 - x1) * max(0, y2 - y1)
        ious.append(inter / (a[2] * a[3] + b[2] * b[3] - inter))
    assert np.mean(ious) > 0.7, ious


def test_a_network_of_another_grid_is_refused(tmp_path, capsys):
    net = lighttrack.build(TINY.replace("ops_20", "ops_10")).eval()  # stride 8: a 32x32 map
    with pytest.raises(InputError, match="16x16 score map.*stride 8"):
        export_opencv(net, tmp_path / "out")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    weights = tmp_path / "s8.pt"
    from lighttrack.nn.checkpoint import save_trackernet

    save_trackernet(net, weights)
    assert main(["export", "opencv", str(weights), "--out", str(tmp_path / "cli")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot run there" in err
