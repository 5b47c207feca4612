"""Shipped weights: float16 packaging round trip, and the bundled LightTrack-Mobile file."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import lighttrack
from lighttrack.demo import assets as A
from lighttrack.demo.weights import package
from lighttrack.nn.checkpoint import save_trackernet
from lighttrack.models import default_weights
from lighttrack.tracker import Tracker

TINY = "back_00000000000000000000+cls_002222222+reg_002222222_ops_20"


def test_fp16_package_loads_into_float32_and_matches(tmp_path):
    torch.manual_seed(0)
    net = lighttrack.build(TINY).eval()
    src = save_trackernet(net, tmp_path / "full.pt")
    dst = package(src, tmp_path / "half.pt")
    assert dst.stat().st_size < 0.6 * src.stat().st_size
    back = lighttrack.load(dst).eval()
    assert all(p.dtype == torch.float32 for p in back.parameters())
    z, x = torch.randn(1, 3, 128, 128), torch.randn(1, 3, 256, 256)
    with torch.no_grad():
        c0, r0 = net.track(net.template(z), x)
        c1, r1 = back.track(back.template(z), x)
    assert torch.allclose(c0, c1, atol=5e-2, rtol=1e-2)
    assert torch.allclose(r0, r1, atol=5e-1, rtol=2e-2)


@pytest.mark.skipif(default_weights("lighttrack-mobile") is None, reason="no bundled weights in this checkout")
def test_bundled_mobile_weights_track_by_default(monkeypatch):
    monkeypatch.delenv("LIGHTTRACK_WEIGHTS_DIR", raising=False)
    path = default_weights("lighttrack-mobile")
    assert path == A.ASSETS_DIR / "lighttrack-mobile-official.pt"  # the default: the official weights
    assert path.stat().st_size < 9_000_000
    assert (A.ASSETS_DIR / "MODEL_CARD.md").is_file()
    tracker = Tracker.from_weights("lighttrack-mobile")  # a registered name: the bundled weights
    frame = np.full((240, 320, 3), 90, np.uint8)
    frame[100:140, 150:190] = 220
    tracker.init(frame, (150, 100, 40, 40))
    result = tracker.update(frame)
    assert np.all(np.isfinite(result.box)) and 0.0 <= result.score <= 1.0 and isinstance(result.ok, bool)


def test_weights_carry_their_preset_into_trackers_and_exports(tmp_path, capsys):
    from lighttrack.cli import main
    from lighttrack.demo.weights import main as package_main
    from lighttrack.tracker.presets import get_preset, save_preset

    torch.manual_seed(0)
    src = save_trackernet(lighttrack.build(TINY).eval(), tmp_path / "full.pt")
    tuned = get_preset("default_even").replace(name="tuned", window_influence=0.5, lr=0.4)
    preset_file = tmp_path / "tuned.yaml"
    save_preset(tuned, preset_file)
    assert package_main([str(src), str(tmp_path / "with.pt"), "--preset", str(preset_file)]) == 0
    carried = Tracker.from_weights(tmp_path / "with.pt").preset
    assert (carried.window_influence, carried.lr, carried.template_size) == (0.5, 0.4, 128)
    assert Tracker.from_weights(tmp_path / "with.pt", preset="vot2019").preset.name == "vot2019"  # explicit wins
    assert Tracker.from_weights(src).preset.name == "default"  # a checkpoint without one

    assert main(["export", "onnx", str(tmp_path / "with.pt"), str(tmp_path / "onnx")]) == 0
    capsys.readouterr()
    exported = Tracker.from_onnx(tmp_path / "onnx").preset
    assert (exported.window_influence, exported.lr, exported.template_size) == (0.5, 0.4, 128)


def test_package_keeps_the_provenance_record_but_not_training_state(tmp_path):
    from lighttrack.nn.checkpoint import read_checkpoint

    torch.manual_seed(0)
    record = {"pairs": 10, "kept_epoch": 2}
    src = save_trackernet(lighttrack.build(TINY).eval(), tmp_path / "full.pt", reg_head_finetune=record, optimizer={"x": 1})
    data = read_checkpoint(package(src, tmp_path / "half.pt"))
    assert data["reg_head_finetune"] == record
    assert "optimizer" not in data


@pytest.mark.parametrize("model", ["lighttrack-mobile-official", "lighttrack-mobile-ours", "lighttrack-m300", "lighttrack-m200"])
def test_shipped_weights_carry_the_preset_file_they_were_tuned_with(model):
    """The preset inside each shipped file is the one in configs/presets (whose record says how it
    was chosen), so the two cannot drift apart."""
    from pathlib import Path

    from lighttrack.tracker.presets import load_preset

    preset_file = Path(__file__).resolve().parents[1] / "configs" / "presets" / f"{model}.yaml"
    if not preset_file.is_file():
        pytest.skip(f"{preset_file} is not in this checkout")
    carried = Tracker.from_weights(model).preset
    assert carried == load_preset(preset_file)
