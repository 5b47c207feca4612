"""``lighttrack track`` and ``lighttrack export``: outputs, and clear errors with exit code 2."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from lighttrack.cli import main
from lighttrack.tracker.tracker import carried_preset

FIXTURE = Path(__file__).parent / "fixtures" / "official_lighttrack_mobile"
FRAMES = FIXTURE / "frames"
WEIGHTS = FIXTURE / "state_dict.pt"
pytestmark = pytest.mark.skipif(not WEIGHTS.is_file(), reason=f"golden fixture missing: {FIXTURE}")


def test_track_without_weights_is_a_clear_error(capsys, monkeypatch, tmp_path):
    import lighttrack.models as models_module

    monkeypatch.setattr(models_module, "ASSETS_DIR", tmp_path / "no_assets")
    monkeypatch.setenv("LIGHTTRACK_WEIGHTS_DIR", str(tmp_path))
    code = main(["track", str(FRAMES), "--box", "150,113,20,14", "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and "missing from this install" in err and "Traceback" not in err


def test_unknown_model_names_the_models_that_exist(capsys):
    import lighttrack
    from lighttrack.errors import CheckpointError
    from lighttrack.models import shipped_names

    names = ", ".join(shipped_names())
    assert "lighttrack-mobile" in names and "lighttrack-m300" in names
    code = main(["track", str(FRAMES), "--box", "150,113,20,14", "--arch", "nosuch", "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and "unknown model 'nosuch'" in err and names in err and "Traceback" not in err
    code = main(["eval", "--tracker", "nosuch", "--dataset", "synthetic", "--max-sequences", "1", "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and names in err
    with pytest.raises(CheckpointError, match="unknown model or weights file 'nosuch'") as info:
        lighttrack.Tracker.from_weights("nosuch")
    assert names in str(info.value)


def test_track_uses_the_shipped_weights_by_default(capsys, monkeypatch, tmp_path):
    import lighttrack.models as models_module

    monkeypatch.delenv("LIGHTTRACK_WEIGHTS_DIR", raising=False)
    assert models_module.default_weights() == models_module.ASSETS_DIR / "lighttrack-mobile-official.pt"
    boxes = tmp_path / "boxes.txt"
    code = main(["track", str(FRAMES), "--box", "150,113,20,14", "--no-progress", "--boxes", str(boxes)])
    assert code == 0, capsys.readouterr().err
    assert len(boxes.read_text().splitlines()) == len(list(FRAMES.glob("*.png")))


def test_track_runs_our_searched_model_by_name(capsys, monkeypatch, tmp_path):
    import lighttrack
    import lighttrack.models as models_module

    monkeypatch.delenv("LIGHTTRACK_WEIGHTS_DIR", raising=False)
    shipped = models_module.default_weights("lighttrack-m300")
    assert shipped == models_module.ASSETS_DIR / "lighttrack-m300.pt"
    net = lighttrack.load(shipped)
    assert str(net.arch) == lighttrack.models.get_model("lighttrack-m300").arch
    assert sum(p.numel() for p in net.parameters()) == 1_963_253  # Mobile with two blocks of stage 3 changed
    assert carried_preset(str(shipped)).small_size == 192  # on 192-px search crops
    boxes = tmp_path / "boxes.txt"
    code = main(["track", str(FRAMES), "--box", "150,113,20,14", "--arch", "lighttrack-m300", "--no-progress",
                 "--boxes", str(boxes)])
    assert code == 0, capsys.readouterr().err
    assert len(boxes.read_text().splitlines()) == len(list(FRAMES.glob("*.png")))


@pytest.mark.parametrize(
    "args, message",
    [
        (["--box", "150,113,0,14"], "positive width"),
        (["--box", "150,113,nan,14"], "NaN"),
        (["--box", "1,2,3"], "four numbers"),
        (["--box", "900,900,10,10"], "outside"),
    ],
)
def test_track_rejects_bad_boxes(capsys, args, message):
    code = main(["track", str(FRAMES), "--weights", str(WEIGHTS), "--no-progress", *args])
    assert code == 2 and message in capsys.readouterr().err


def test_track_rejects_unreadable_sources(capsys, tmp_path):
    assert main(["track", str(tmp_path / "none.mp4"), "--box", "1,1,5,5", "--weights", str(WEIGHTS)]) == 2
    assert "does not exist" in capsys.readouterr().err
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video at all")
    assert main(["track", str(broken), "--box", "1,1,5,5", "--weights", str(WEIGHTS)]) == 2
    assert "cannot read video" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["track", str(tmp_path / "empty"), "--box", "1,1,5,5", "--weights", str(WEIGHTS)]) == 2


def test_track_folder_writes_golden_boxes_and_video(tmp_path, capsys):
    out, boxes = tmp_path / "out.mp4", tmp_path / "boxes.txt"
    code = main(["track", str(FRAMES), "--box", "150,113,20,14", "--weights", str(WEIGHTS), "--preset", "vot2019",
                 "--out", str(out), "--boxes", str(boxes), "--no-progress", "--threads", "1"])
    assert code == 0, capsys.readouterr().err
    got = np.loadtxt(boxes, delimiter=",")
    ref = np.genfromtxt(FIXTURE / "tracker_boxes_vot2019.txt", comments="#")
    assert got.shape == (30, 5)
    np.testing.assert_allclose(got[:, :4], ref[:, 1:5], atol=1e-3)  # 4 decimals in the file
    capture = cv2.VideoCapture(str(out))
    ok, frame = capture.read()
    assert ok and frame.shape == (240, 320, 3)
    capture.release()


def test_track_video_file_with_a_bad_frame_and_two_targets(tmp_path, capsys):
    """A video source, several targets (one boxes file each); an unreadable image is skipped."""
    video = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 10, (320, 240))
    for i in range(8):
        writer.write(cv2.imread(str(FRAMES / f"{i:04d}.png")))
    writer.release()
    code = main(["track", str(video), "--box", "150,113,20,14", "--box", "30,30,50,40", "--weights", str(WEIGHTS),
                 "--boxes", str(tmp_path / "b.txt"), "--no-progress", "--threads", "1"])
    assert code == 0, capsys.readouterr().err
    for k in range(2):
        assert np.loadtxt(tmp_path / f"b.{k}.txt", delimiter=",").shape == (8, 5)
    folder = tmp_path / "frames"
    folder.mkdir()
    for i in range(4):
        (folder / f"{i:04d}.png").write_bytes((FRAMES / f"{i:04d}.png").read_bytes())
    (folder / "0002.png").write_bytes(b"corrupt")
    code = main(["track", str(folder), "--box", "150,113,20,14", "--weights", str(WEIGHTS), "--boxes",
                 str(tmp_path / "c.txt"), "--no-progress", "--threads", "1"])
    captured = capsys.readouterr()
    assert code == 0 and "1 unreadable frame" in captured.err
    rows = np.loadtxt(tmp_path / "c.txt", delimiter=",")
    assert rows.shape == (4, 5) and rows[2, 4] == 0.0 and np.array_equal(rows[2, :4], rows[1, :4])


def test_export_cli_and_track_with_onnx(tmp_path, capsys):
    pytest.importorskip("onnxruntime")
    outdir = tmp_path / "onnx"
    assert main(["export", "onnx", str(WEIGHTS), str(outdir)]) == 0
    assert "parity_max_abs_diff" in capsys.readouterr().out
    code = main(["track", str(FRAMES), "--box", "150,113,20,14", "--onnx", str(outdir), "--boxes",
                 str(tmp_path / "b.txt"), "--no-progress", "--max-frames", "10", "--threads", "1"])
    assert code == 0
    got = np.loadtxt(tmp_path / "b.txt", delimiter=",")
    ref = np.genfromtxt(FIXTURE / "tracker_boxes_default.txt", comments="#")
    np.testing.assert_allclose(got[:, :4], ref[:10, 1:5], atol=1e-3)
    assert main(["track", str(FRAMES), "--box", "150,113,20,14", "--onnx", str(outdir), "--int8"]) == 2
    assert "INT8" in capsys.readouterr().err
    assert main(["export", "onnx", str(tmp_path / "missing.pt"), str(outdir)]) == 2
