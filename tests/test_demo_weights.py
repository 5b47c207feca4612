"""Shipped weights: float16 packaging round trip, and the bundled LightTrack-Mobile file."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import lighttrack
from lighttrack.demo import assets as A
from lighttrack.demo.weights import package
from lighttrack.nn.checkpoint import save_trackernet
from lighttrack.tracker import Tracker, default_weights

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
    assert path == A.ASSETS_DIR / "lighttrack-mobile.pt"
    assert path.stat().st_size < 6_000_000
    assert (A.ASSETS_DIR / "MODEL_CARD.md").is_file()
    tracker = Tracker.from_weights("lighttrack-mobile")  # a registered name: the bundled weights
    frame = np.full((240, 320, 3), 90, np.uint8)
    frame[100:140, 150:190] = 220
    tracker.init(frame, (150, 100, 40, 40))
    box, score = tracker.update(frame)
    assert np.all(np.isfinite(box)) and 0.0 <= score <= 1.0
