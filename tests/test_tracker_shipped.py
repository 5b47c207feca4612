"""The plain install: the ONNX graphs the package ships for every shipped model (intact, equal to
their .pt), tracking without torch, damaged or foreign graphs refused, one session per graph."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import lighttrack
from lighttrack.errors import CheckpointError
from lighttrack.models import ASSETS_DIR, list_models
from lighttrack.tracker import shipped
from lighttrack.tracker.backends import GRAPH_FORMAT, OnnxBackend
from lighttrack.tracker.tracker import Tracker

ROOT = Path(__file__).resolve().parents[1]
VIDEO = ROOT / "lighttrack" / "assets" / "demo" / "videos" / "bigbuckbunny.mp4"
# a plain install, simulated: the training extra's modules cannot be imported
NO_TRAIN_EXTRA = "import sys\nfor m in ('torch', 'optuna', 'matplotlib', 'onnx'):\n    sys.modules[m] = None\n"


def test_manifest_covers_every_shipped_model():
    """Rerun `python -m lighttrack.tracker.ship` when this fails: the registry or a weights file changed."""
    manifest = shipped.read_manifest()
    assert manifest is not None and manifest.lighttrack_version == lighttrack.__version__
    by_model = {name: graphs for graphs in manifest.graphs.values() for name in graphs.models}
    for entry in list_models():
        if entry.weights is None:
            continue
        graphs = by_model.get(entry.name)
        assert graphs is not None, f"no shipped ONNX graphs for {entry.name}"
        assert graphs.weights_sha256 == shipped.file_sha256(ASSETS_DIR / entry.weights) == (entry.sha256 or graphs.weights_sha256)
        assert graphs.arch == entry.arch
        assert shipped.problem_with(manifest, graphs) is None
    # one export per weights file: aliases share it
    assert len({g.weights_sha256 for g in manifest.graphs.values()}) == len(manifest.graphs)


@pytest.mark.parametrize("folder", sorted(p.name for p in shipped.SHIPPED_DIR.iterdir() if p.is_dir()))
def test_shipped_graphs_equal_their_weights(folder):
    graphs = shipped.read_manifest().graphs[folder]
    net = lighttrack.load(ASSETS_DIR / graphs.weights)
    backend = OnnxBackend(graphs.directory, threads=1)
    gen = torch.Generator().manual_seed(0)
    z = torch.rand(2, 3, backend.template_size, backend.template_size, generator=gen) * 4 - 2
    x = torch.rand(2, 3, 256, 256, generator=gen) * 4 - 2
    with torch.no_grad():
        cls, ltrb = net.track(net.template(z), x)
    got_cls, got_ltrb = backend.track(backend.template(z.numpy()), x.numpy())
    np.testing.assert_allclose(got_cls, cls.numpy(), atol=1e-4)
    np.testing.assert_allclose(got_ltrb, ltrb.numpy(), atol=2e-3, rtol=1e-4)


def test_graph_format_is_the_exporters():
    from lighttrack.export.onnx import FORMAT

    assert GRAPH_FORMAT == FORMAT


@pytest.fixture
def shipped_copy(tmp_path):
    root = tmp_path / "onnx"
    shutil.copytree(shipped.SHIPPED_DIR, root)
    return root


def test_damaged_shipped_graph_is_exported_again_with_torch_and_refused_without(shipped_copy, monkeypatch):
    weights = ASSETS_DIR / "lighttrack-m300.pt"
    graphs = shipped.find_shipped(shipped.file_sha256(weights), shipped_copy)[1]
    track = graphs.directory / "track.onnx"
    track.write_bytes(track.read_bytes()[:1000])
    calls, notes = [], []
    monkeypatch.setattr(shipped, "cached_onnx_backend", lambda *a, **k: calls.append(a) or "from-cache")
    assert shipped.onnx_backend_of(weights, "lighttrack-m300", OnnxBackend, notes.append, shipped_copy) == "from-cache"
    assert len(calls) == 1 and "damaged" in notes[0] and str(track) in notes[0]
    monkeypatch.setattr(shipped, "torch_installed", lambda: False)
    with pytest.raises(CheckpointError, match="damaged") as err:
        shipped.onnx_backend_of(weights, "lighttrack-m300", OnnxBackend, notes.append, shipped_copy)
    assert str(track) in str(err.value) and "lighttrack[train]" in str(err.value)
    # weights with no shipped graphs and no torch: which extra to install
    other = shipped_copy.parent / "mine.pt"
    other.write_bytes(b"not the shipped weights")
    with pytest.raises(CheckpointError, match=r"no ONNX graphs ship .*lighttrack\[train\]"):
        shipped.onnx_backend_of(other, "lighttrack-m300", OnnxBackend, notes.append, shipped_copy)


def test_stale_manifest_is_not_trusted(shipped_copy, monkeypatch):
    path = shipped_copy / shipped.MANIFEST_FILE
    path.write_text(json.dumps({**json.loads(path.read_text()), "lighttrack_version": "0.0.1"}))
    monkeypatch.setattr(shipped, "torch_installed", lambda: False)
    with pytest.raises(CheckpointError, match="made by lighttrack 0.0.1"):
        shipped.onnx_backend_of(ASSETS_DIR / "lighttrack-m300.pt", "lighttrack-m300", OnnxBackend, root=shipped_copy)


def test_onnx_folder_of_another_version_or_architecture_is_refused(shipped_copy):
    mobile = next(g for g in shipped.read_manifest(shipped_copy).graphs.values() if "lighttrack-mobile" in g.models)
    with pytest.raises(CheckpointError, match="holds architecture"):
        Tracker.from_onnx(mobile.directory, arch="lighttrack-m300")
    assert Tracker.from_onnx(mobile.directory, arch="lighttrack-mobile")
    meta_path = mobile.directory / "lighttrack.json"
    meta = json.loads(meta_path.read_text())
    meta_path.write_text(json.dumps({**meta, "lighttrack_version": "0.0.1"}))
    with pytest.raises(CheckpointError, match="exported by lighttrack 0.0.1"):
        Tracker.from_onnx(mobile.directory)
    meta_path.write_text(json.dumps({**meta, "arch": "back_123"}))
    with pytest.raises(CheckpointError, match="not of an architecture"):
        Tracker.from_onnx(mobile.directory)


def test_track_cli_refuses_an_onnx_folder_of_another_architecture(tmp_path, capsys):
    from lighttrack.cli import main

    m300 = next(g for g in shipped.read_manifest().graphs.values() if "lighttrack-m300" in g.models)
    argv = ["track", str(VIDEO), "--box", "295,255,140,200", "--onnx", str(m300.directory), "--max-frames", "2",
            "--no-progress", "--boxes", str(tmp_path / "b.txt")]
    assert main(argv + ["--arch", "lighttrack-mobile"]) == 2
    assert "holds architecture" in capsys.readouterr().err and not (tmp_path / "b.txt").exists()
    assert main(argv + ["--arch", "lighttrack-m300"]) == 0


def test_trackers_share_their_sessions():
    a = Tracker.from_weights("lighttrack-m300")
    b = Tracker.from_weights("lighttrack-m300")
    assert a.backend.track_session is b.backend.track_session
    assert a.backend.template_session is b.backend.template_session
    assert Tracker.from_weights("lighttrack-m300", threads=1).backend.track_session is not a.backend.track_session


def _run(code: str, tmp_path, timeout: int = 300) -> subprocess.CompletedProcess:
    env = {"LIGHTTRACK_CACHE_DIR": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-c", NO_TRAIN_EXTRA + code], cwd=ROOT, capture_output=True, text=True, env=env, timeout=timeout)


def test_plain_install_tracks_without_torch(tmp_path):
    """What a plain install (no training extra) does: import, the API, `lighttrack track`, with
    nothing written to the ONNX cache (the shipped graphs are used as they are)."""
    boxes = tmp_path / "boxes.txt"
    code = (
        "import numpy as np, lighttrack\n"
        "from lighttrack.cli import main\n"
        "t = lighttrack.Tracker.from_weights()\n"
        "cv = lighttrack.CVTracker.create('lighttrack-m300')\n"
        "frame = np.zeros((240, 320, 3), np.uint8); frame[100:140, 100:160] = 200\n"
        "t.init(frame, (100, 100, 60, 40)); cv.init(frame, (100, 100, 60, 40))\n"
        "assert t.update(frame).ok and cv.update(frame)[0]\n"
        f"rc = main(['track', {str(VIDEO)!r}, '--box', '295,255,140,200', '--boxes', {str(boxes)!r}, '--max-frames', '20', '--no-progress'])\n"
        "assert rc == 0, rc\n"
        "assert sys.modules.get('torch') is None  # blocked, so never imported\n"
        "print('PLAIN-OK')\n"
    )
    done = _run(code, tmp_path)
    assert done.returncode == 0 and "PLAIN-OK" in done.stdout, done.stderr[-3000:]
    assert len(np.loadtxt(boxes, delimiter=",")) == 20
    assert not (tmp_path / "cache").exists()


@pytest.mark.parametrize("argv", [["train", "x.yaml"], ["demo", "--quick"], ["export", "onnx", "a", "b"],
                                  ["track", str(VIDEO), "--box", "295,255,140,200", "--backend", "torch", "--max-frames", "2"]])
def test_plain_install_names_the_extra(argv, tmp_path):
    done = _run(f"from lighttrack.cli import main\nsys.exit(main({argv!r}))\n", tmp_path)
    assert done.returncode == 2, done.stderr[-3000:]
    errors = [line for line in done.stderr.splitlines() if "error" in line]
    assert len(errors) == 1 and "pip install 'lighttrack[train]'" in errors[0] and "Traceback" not in done.stderr
