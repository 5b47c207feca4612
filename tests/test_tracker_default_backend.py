"""The fast path by default: LightTrack weights run in ONNX Runtime through a cached export, with
PyTorch's boxes; the API people expect (ok, colour order, OpenCV's calling convention)."""

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

import lighttrack
from lighttrack.errors import CheckpointError, InputError
from lighttrack.nn.checkpoint import save_trackernet
from lighttrack.tracker import onnx_cache
from lighttrack.tracker.backends import OnnxBackend, TorchBackend
from lighttrack.tracker.shipped import SHIPPED_DIR
from lighttrack.tracker.tracker import CVTracker, Tracker, choose_backend

FIXTURE = Path(__file__).parent / "fixtures" / "official_lighttrack_mobile"
TINY = "back_00000000000000000000+cls_002222222+reg_002222222_ops_20"


@pytest.fixture(scope="module")
def frames():
    return [cv2.cvtColor(cv2.imread(str(FIXTURE / "frames" / f"{i:04d}.png")), cv2.COLOR_BGR2RGB) for i in range(12)]


@pytest.fixture
def tiny_weights(tmp_path):
    torch.manual_seed(0)
    return save_trackernet(lighttrack.build(TINY).eval(), tmp_path / "tiny.pt")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("LIGHTTRACK_CACHE_DIR", str(folder))
    return folder


def _boxes(tracker, frames, box=(150, 113, 20, 14)):
    tracker.init(frames[0], box)
    return np.array([tracker.update(f).box for f in frames[1:]])


def test_backend_choice(monkeypatch, capsys):
    assert choose_backend("auto", "cpu") == "onnxruntime"
    assert choose_backend("torch", "cpu") == "torch"
    assert choose_backend("auto", "cuda") == "torch"
    with pytest.raises(InputError, match="unknown backend"):
        choose_backend("tensorrt")
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "onnxruntime" else real(name, *a))
    assert choose_backend("auto", "cpu") == "torch"
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "ONNX Runtime is not installed" in err  # one line of notice
    with pytest.raises(InputError, match="not installed"):
        choose_backend("onnxruntime")


def test_weights_default_to_onnxruntime_with_torch_boxes(cache, frames):
    """Shipped Mobile through ONNX Runtime (the default) and eager PyTorch: the same boxes."""
    fast = Tracker.from_weights("lighttrack-mobile", threads=1)
    slow = Tracker.from_weights("lighttrack-mobile", backend="torch")
    assert isinstance(fast.backend, OnnxBackend) and isinstance(slow.backend, TorchBackend)
    assert fast.preset == slow.preset  # the carried preset comes through the export
    np.testing.assert_allclose(_boxes(fast, frames), _boxes(slow, frames), atol=0.05)
    assert fast.backend.directory.parent == SHIPPED_DIR  # the graphs the package ships: nothing exported
    assert not (cache / "onnx").exists()


def test_export_is_cached_by_weights_hash_and_rebuilt_when_damaged(cache, tiny_weights, monkeypatch, capsys, frames):
    calls = []
    real = onnx_cache.export_weights
    monkeypatch.setattr(onnx_cache, "export_weights", lambda *a: (calls.append(a), real(*a))[1])
    reference = _boxes(Tracker.from_weights(tiny_weights, arch=TINY, threads=1), frames)
    Tracker.from_weights(tiny_weights, arch=TINY, threads=1)
    assert len(calls) == 1  # the second tracker read the cache
    (entry,) = (cache / "onnx").iterdir()
    meta = json.loads((entry / "lighttrack.json").read_text())
    assert meta["cache"]["weights_sha256"] == onnx_cache.file_sha256(tiny_weights)

    # a truncated graph is rebuilt, not trusted
    track = entry / "track.onnx"
    track.write_bytes(track.read_bytes()[:1000])
    np.testing.assert_array_equal(_boxes(Tracker.from_weights(tiny_weights, arch=TINY, threads=1), frames), reference)
    assert len(calls) == 2 and "stale or damaged" in capsys.readouterr().err

    # an entry from another exporter version is stale
    meta = json.loads((entry / "lighttrack.json").read_text())
    meta["cache"]["export_version"] = -1
    (entry / "lighttrack.json").write_text(json.dumps(meta))
    Tracker.from_weights(tiny_weights, arch=TINY, threads=1)
    assert len(calls) == 3

    # other weights, other entry
    torch.manual_seed(1)
    other = save_trackernet(lighttrack.build(TINY).eval(), tiny_weights.parent / "other.pt")
    Tracker.from_weights(other, arch=TINY, threads=1)
    assert len(calls) == 4 and len(list((cache / "onnx").iterdir())) == 2
    assert not list((cache / "onnx").glob(".building*"))  # no staging folder left behind


def test_an_export_killed_midway_leaves_nothing_the_next_one_keeps(cache, tiny_weights):
    """A kill during an export leaves its staging folder; the next export removes it when its
    writer is gone, and leaves a live writer's folder alone."""
    import subprocess
    import sys

    from lighttrack.io import make_staging_dir

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    root = cache / "onnx"
    live = make_staging_dir(root, onnx_cache.STAGING_LABEL)  # this process: alive
    killed = root / live.name.replace(f"-{__import__('os').getpid()}.", f"-{dead.pid}.")
    killed.mkdir()
    (killed / "track.onnx").write_bytes(b"half")
    Tracker.from_weights(tiny_weights, arch=TINY, threads=1)
    assert not killed.exists() and live.is_dir()


def test_unwritable_cache_tracks_without_caching(tmp_path, monkeypatch, tiny_weights, capsys, frames):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("LIGHTTRACK_CACHE_DIR", str(blocker / "cache"))
    tracker = Tracker.from_weights(tiny_weights, arch=TINY, threads=1)
    assert np.isfinite(_boxes(tracker, frames)).all()
    err = capsys.readouterr().err
    assert "cannot write the ONNX cache" in err and "without caching" in err


def test_weights_that_cannot_export_name_the_file(cache, tiny_weights, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("unsupported operator")

    import lighttrack.export.onnx

    monkeypatch.setattr(lighttrack.export.onnx, "export_onnx", broken)  # the cache imports the exporter when it exports
    with pytest.raises(CheckpointError, match=r"cannot export the weights .*tiny\.pt.*unsupported operator"):
        Tracker.from_weights(tiny_weights, arch=TINY)


def test_ok_follows_the_score_and_the_presets_threshold(cache, frames):
    found = Tracker.from_weights("lighttrack-mobile", threads=1)
    assert found.init(frames[0], (150, 113, 20, 14)).ok
    results = [found.update(f) for f in frames[1:]]
    assert all(r.ok == (r.score >= found.preset.lost_score) for r in results)
    never = Tracker(found.backend, preset=found.preset.replace(lost_score=1.0))
    never.init(frames[0], (150, 113, 20, 14))
    assert not any(never.update(f).ok for f in frames[1:])


def test_bgr_frames_track_like_rgb(cache, frames):
    rgb = Tracker.from_weights("lighttrack-mobile", threads=1)
    bgr = Tracker(rgb.backend, preset=rgb.preset, color="bgr")
    bgr_frames = [cv2.cvtColor(f, cv2.COLOR_RGB2BGR) for f in frames]
    np.testing.assert_array_equal(_boxes(rgb, frames), _boxes(bgr, bgr_frames))
    per_call = Tracker(rgb.backend, preset=rgb.preset)  # RGB by default, BGR for one call
    per_call.init(bgr_frames[0], (150, 113, 20, 14), color="bgr")
    np.testing.assert_array_equal(per_call.update(bgr_frames[1], color="bgr").box, _boxes(rgb, frames[:2])[0])
    with pytest.raises(InputError, match="color"):
        Tracker(rgb.backend, color="hsv")


def test_opencv_calling_convention(cache, frames):
    bgr_frames = [cv2.cvtColor(f, cv2.COLOR_RGB2BGR) for f in frames]
    cv_tracker = CVTracker.create("lighttrack-mobile", threads=1)
    assert cv_tracker.init(bgr_frames[0], (150, 113, 20, 14)) is None
    reference = _boxes(Tracker.from_weights("lighttrack-mobile", threads=1), frames)
    for frame, expected in zip(bgr_frames[1:], reference):
        ok, box = cv_tracker.update(frame)
        assert isinstance(ok, bool) and all(isinstance(v, int) for v in box)
        assert box == tuple(int(round(v)) for v in expected)
    assert cv_tracker.last.ok == ok


def test_eval_defaults_to_the_shipped_model_and_takes_a_backend(cache, tmp_path, capsys):
    from lighttrack.cli import main

    runs = {}
    for backend in ("auto", "torch"):
        out = tmp_path / backend
        assert main(["eval", "--dataset", "synthetic", "--max-sequences", "1", "--backend", backend,
                     "--out", str(out), "--no-progress", "--json"]) == 0
        doc = json.loads(capsys.readouterr().out)
        run = json.loads((out / "run.json").read_text())
        assert run["tracker"] == "lighttrack-mobile"
        runs[backend] = doc["summary"]["auc"]
    assert runs["auto"] == pytest.approx(runs["torch"], abs=0.01)  # the same boxes within tolerance
    assert not (cache / "onnx").exists()  # the shipped graphs ran: nothing was exported


def test_track_cli_backend_flag(cache, tmp_path, capsys):
    from lighttrack.cli import main

    folder = tmp_path / "frames"
    folder.mkdir()
    for i, f in enumerate(_clip_frames()):
        cv2.imwrite(str(folder / f"{i:04d}.png"), cv2.cvtColor(f, cv2.COLOR_RGB2BGR))
    boxes = {}
    for backend in ("auto", "torch"):
        out = tmp_path / f"{backend}.txt"
        assert main(["track", str(folder), "--box", "150,113,20,14", "--backend", backend, "--boxes", str(out), "--no-progress"]) == 0
        boxes[backend] = np.loadtxt(out, delimiter=",")[:, :4]
    np.testing.assert_allclose(boxes["auto"], boxes["torch"], atol=0.05)


def _clip_frames():
    return [cv2.cvtColor(cv2.imread(str(FIXTURE / "frames" / f"{i:04d}.png")), cv2.COLOR_BGR2RGB) for i in range(8)]


def test_network_only_runs_no_refiner_from_the_cli_and_the_api(cache, tmp_path, capsys, frames):
    from lighttrack.cli import main

    shipped = Tracker.from_weights("lighttrack-mobile-ours", threads=1)  # our weights' preset refines (the official's does not)
    assert [r for s in [shipped.init(frames[0], (150, 113, 20, 14))] for r in shipped._states[0].refiners]  # the carried preset refines
    alone = Tracker.from_weights("lighttrack-mobile-ours", threads=1, network_only=True)
    alone.init(frames[0], (150, 113, 20, 14))
    assert alone._states[0].refiners == () and alone.preset.penalty_k == shipped.preset.penalty_k
    out = tmp_path / "alone"
    assert main(["eval", "--network-only", "--dataset", "synthetic", "--max-sequences", "1", "--out", str(out), "--no-progress"]) == 0
    assert json.loads((out / "run.json").read_text())["network_only"] is True
    capsys.readouterr()
    assert main(["eval", "--tracker", "kcf", "--network-only", "--dataset", "synthetic", "--max-sequences", "1",
                 "--out", str(tmp_path / "kcf"), "--no-progress"]) == 2
    assert "network-only applies to LightTrack trackers" in capsys.readouterr().err
    folder = tmp_path / "frames"
    folder.mkdir()
    for i, f in enumerate(frames[:3]):
        cv2.imwrite(str(folder / f"{i:04d}.png"), cv2.cvtColor(f, cv2.COLOR_RGB2BGR))
    assert main(["track", str(folder), "--box", "150,113,20,14", "--network-only", "--align", "--no-progress"]) == 2
    assert "cannot align" in capsys.readouterr().err


def test_a_run_folder_refuses_another_preset_under_the_same_name(cache, tmp_path):
    from lighttrack.eval.protocols import protocol_for
    from lighttrack.eval.runner import run_benchmark
    from lighttrack.data.synthetic import SyntheticDataset

    data = SyntheticDataset(num_sequences=1, length=4, seed=0)
    base = Tracker.from_weights("lighttrack-mobile", threads=1)
    run_benchmark(data, "lighttrack-mobile", tmp_path / "run", protocol_for("synthetic"), progress=False, tracker=base)
    renamed = Tracker(base.backend, preset=base.preset.replace(lr=0.1))  # same name, other rates
    with pytest.raises(InputError, match="tracker_preset"):
        run_benchmark(data, "lighttrack-mobile", tmp_path / "run", protocol_for("synthetic"), progress=False, tracker=renamed)


BLOCK_ONNX = """
import sys
sys.modules['onnxruntime'] = None  # as if not installed: importing it fails, find_spec says None
sys.modules['onnx'] = None
"""


def test_without_onnx_runtime_the_tracker_falls_back_with_one_line(tmp_path, frames):
    """ONNX Runtime really missing (its import fails): PyTorch tracks, after one line of notice."""
    import subprocess
    import sys

    folder = tmp_path / "frames"
    folder.mkdir()
    for i, f in enumerate(frames[:4]):
        cv2.imwrite(str(folder / f"{i:04d}.png"), cv2.cvtColor(f, cv2.COLOR_RGB2BGR))
    code = BLOCK_ONNX + f"""
from lighttrack.cli import main
raise SystemExit(main(['track', {str(folder)!r}, '--box', '150,113,20,14', '--boxes', {str(tmp_path / 'b.txt')!r}, '--no-progress']))
"""
    env = {"LIGHTTRACK_CACHE_DIR": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    notes = [line for line in done.stderr.splitlines() if "ONNX Runtime is not installed" in line]
    assert len(notes) == 1 and "Traceback" not in done.stderr
    assert len((tmp_path / "b.txt").read_text().splitlines()) == 4
