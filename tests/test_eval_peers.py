"""Peer trackers in the toolkit: ``--tracker nanotrack:DIR`` (NanoTrack v2 through OpenCV)."""

from pathlib import Path

import numpy as np
import pytest

from lighttrack.errors import InputError
from lighttrack.eval.baselines import describe_tracker, make_tracker

NANO_V2 = Path(__file__).resolve().parents[2] / "shared" / "peers" / "nanotrack" / "v2"


def _has_tracker_nano() -> bool:
    import cv2

    return hasattr(cv2, "TrackerNano_create") and hasattr(cv2, "TrackerNano_Params")


def test_describe_nanotrack_before_module_factory():
    assert describe_tracker("nanotrack:/some/dir") == "nanotrack"
    assert describe_tracker("NanoTrack:/some/dir") == "nanotrack"
    assert describe_tracker("lighttrack.eval.baselines:StaticTracker") == "python"


def test_missing_folder_and_files_are_input_errors(tmp_path, monkeypatch):
    from lighttrack.eval import peers

    with pytest.raises(InputError, match="not a folder"):
        make_tracker(f"nanotrack:{tmp_path / 'nowhere'}")  # not "cannot import tracker factory"
    monkeypatch.setattr(peers, "SHIPPED_NANOTRACK_V2", tmp_path / "not-installed")
    with pytest.raises(InputError, match="nanotrack:DIR"):
        make_tracker("nanotrack")
    (tmp_path / "nanotrack_backbone_sim.onnx").write_bytes(b"x")
    with pytest.raises(InputError, match="lacks nanotrack_head_sim.onnx"):
        make_tracker(f"nanotrack:{tmp_path}")


@pytest.mark.skipif(not _has_tracker_nano(), reason="this OpenCV build has no TrackerNano")
def test_unreadable_graphs_are_input_errors(tmp_path):
    for name in ("nanotrack_backbone_sim.onnx", "nanotrack_head_sim.onnx"):
        (tmp_path / name).write_bytes(b"not an onnx graph")
    with pytest.raises(InputError, match="cannot load the ONNX graphs"):
        make_tracker(f"nanotrack:{tmp_path}")


def test_no_tracker_nano_in_opencv_is_an_input_error(tmp_path, monkeypatch):
    import cv2

    for name in ("nanotrack_backbone_sim.onnx", "nanotrack_head_sim.onnx"):
        (tmp_path / name).write_bytes(b"x")
    monkeypatch.delattr(cv2, "TrackerNano_create", raising=False)
    monkeypatch.delattr(cv2, "TrackerNano_Params", raising=False)
    monkeypatch.delattr(cv2, "TrackerNano", raising=False)
    with pytest.raises(InputError, match="no TrackerNano"):
        make_tracker(f"nanotrack:{tmp_path}")


def _moving_square_clip(n=12, size=(240, 320), box=(60.0, 70.0, 40.0, 40.0), step=(4.0, 2.0)):
    """RGB frames of a textured square moving over a smooth background, and its boxes."""
    rng = np.random.default_rng(0)
    h, w = size
    yy, xx = np.mgrid[0:h, 0:w]
    background = np.stack([(xx * 0.5) % 256, (yy * 0.7) % 256, np.full_like(xx, 90)], -1).astype(np.uint8)
    patch = rng.integers(0, 256, (int(box[3]), int(box[2]), 3), dtype=np.uint8)
    frames, boxes = [], []
    for i in range(n):
        x, y = box[0] + step[0] * i, box[1] + step[1] * i
        f = background.copy()
        f[int(y):int(y) + patch.shape[0], int(x):int(x) + patch.shape[1]] = patch
        frames.append(f)
        boxes.append([x, y, box[2], box[3]])
    return frames, np.asarray(boxes)


def test_the_shipped_graphs_are_the_peers_own_files():
    from lighttrack.eval.peers import SHIPPED_NANOTRACK_V2, shipped_nanotrack
    from lighttrack.io import file_sha256

    assert shipped_nanotrack() == SHIPPED_NANOTRACK_V2
    assert "Apache License" in (SHIPPED_NANOTRACK_V2 / "LICENSE").read_text()
    assert "248663fde6bf7c40190cf10ee396d5662919ecd3" in (SHIPPED_NANOTRACK_V2 / "README.md").read_text()
    assert file_sha256(SHIPPED_NANOTRACK_V2 / "nanotrack_backbone_sim.onnx").startswith("530bdd0cd00f")
    assert file_sha256(SHIPPED_NANOTRACK_V2 / "nanotrack_head_sim.onnx").startswith("0d8c0637be84")
    if NANO_V2.is_dir():  # unchanged from the peer folder the project was given
        for name in ("nanotrack_backbone_sim.onnx", "nanotrack_head_sim.onnx"):
            assert file_sha256(SHIPPED_NANOTRACK_V2 / name) == file_sha256(NANO_V2 / name)


@pytest.mark.skipif(not _has_tracker_nano(), reason="this OpenCV build has no TrackerNano")
@pytest.mark.parametrize("spec", ["nanotrack", "nanotrack:shared"])
def test_nanotrack_follows_a_moving_target(spec):
    if spec.endswith(":shared"):
        if not NANO_V2.is_dir():
            pytest.skip(f"NanoTrack v2 graphs not found at {NANO_V2} (../shared)")
        spec = f"nanotrack:{NANO_V2}"
    tracker = make_tracker(spec)  # bare: the graphs shipped with the package
    assert tracker.is_deterministic
    frames, gt = _moving_square_clip()
    tracker.init(frames[0], gt[0])
    for frame, box in zip(frames[1:], gt[1:]):
        out = tracker.update(frame)
        pred = out.box
        assert pred.shape == (4,) and out.ok and out.score > 0
        centre_error = np.hypot(*(pred[:2] + pred[2:] / 2 - box[:2] - box[2:] / 2))
        assert centre_error < 8, (pred, box)


@pytest.mark.skipif(not _has_tracker_nano(), reason="this OpenCV build has no TrackerNano")
def test_nanotrack_builds_without_opencv_warnings_and_restores_the_log_level(capfd):
    import cv2

    before = cv2.utils.logging.getLogLevel()
    tracker = make_tracker("nanotrack")
    frames, gt = _moving_square_clip()
    tracker.init(frames[0], gt[0])  # builds a fresh OpenCV tracker
    assert "WARN" not in capfd.readouterr().err
    assert cv2.utils.logging.getLogLevel() == before
