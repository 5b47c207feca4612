"""Network-free parts of the tracker: presets, crop geometry and bytes, post-processing.

The golden data come from the official LightTrack tracker (see
tests/fixtures/official_lighttrack_mobile/README.md): the crops must match byte for byte and the
post-processing, fed the recorded network outputs, must reproduce every recorded row exactly.
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from lighttrack.errors import ConfigError
from lighttrack.imaging import normalize_uint8
from lighttrack.tracker.crop import (
    Cropper,
    crop_corner,
    fill_colour,
    normalize_into,
    round_half_away,
    search_geometry,
    template_side,
)
from lighttrack.tracker.postprocess import StepInputs, StepRates, lighttrack_step, result_box, score_maps, sigmoid
from lighttrack.tracker.presets import PRESETS, Preset, get_preset, load_preset, save_preset

FIXTURE = Path(__file__).parent / "fixtures" / "official_lighttrack_mobile"
RUNS = ("vot2019", "default", "default_even")
needs_fixture = pytest.mark.skipif(not (FIXTURE / "tracker_trace.pt").is_file(), reason=f"golden fixture missing: {FIXTURE}")


@pytest.fixture(scope="module")
def trace():
    return torch.load(FIXTURE / "tracker_trace.pt", weights_only=True)


@pytest.fixture(scope="module")
def frames():
    return [cv2.cvtColor(cv2.imread(str(FIXTURE / "frames" / f"{i:04d}.png")), cv2.COLOR_BGR2RGB) for i in range(30)]


def box_rows(run: str) -> np.ndarray:
    return np.genfromtxt(FIXTURE / f"tracker_boxes_{run}.txt", comments="#")


# ---------------------------------------------------------------- presets


def test_presets_hold_the_published_values():
    vot = get_preset("vot2019")
    assert (vot.penalty_k, vot.window_influence, vot.lr, vot.small_size, vot.big_size) == (0.007, 0.225, 0.616, 256, 288)
    default = get_preset("default")
    assert (default.penalty_k, default.window_influence, default.lr, default.small_size, default.big_size) == (0.062, 0.38, 0.765, 256, 256)
    assert default.template_size == 127 and default.double_smoothing and default.context_amount == 0.5
    assert get_preset("default_even").template_size == 128
    fixed = get_preset("vot2019-corrected")
    assert fixed.template_size == 128 and not fixed.double_smoothing and fixed.penalty_k == 0.007
    assert get_preset("vot2019_corrected") is fixed
    with pytest.raises(Exception):
        vot.lr = 0.1  # frozen


def test_preset_files_round_trip(tmp_path):
    tuned = get_preset("vot2019").replace(name="tuned", penalty_k=0.02, lr=0.5)
    for suffix in (".yaml", ".json"):
        path = save_preset(tuned, tmp_path / f"p{suffix}")
        assert load_preset(path) == tuned
        assert get_preset(str(path)) == tuned
    (tmp_path / "partial.yaml").write_text("base: vot2019\nwindow_influence: 0.3\nsmall_size: 256.0\n")
    partial = get_preset(tmp_path / "partial.yaml")
    assert partial.window_influence == 0.3 and partial.big_size == 288 and partial.name == "partial"
    (tmp_path / "bad.json").write_text(json.dumps({"penalty": 1}))
    with pytest.raises(ConfigError, match="unknown preset field"):
        get_preset(tmp_path / "bad.json")
    with pytest.raises(ConfigError):
        Preset(window_influence=2.0)
    with pytest.raises(ConfigError, match="unknown preset"):
        get_preset("nope")
    with pytest.raises(ConfigError):
        get_preset({"crop_mode": "bicubic"})
    assert set(PRESETS) >= {"default", "vot2019", "default_even"}


# ---------------------------------------------------------------- crop geometry


def test_rounding_conventions():
    assert round_half_away(2.5) == 3 and round_half_away(-2.5) == -3 and round_half_away(3.5) == 4
    assert crop_corner(160, 120, 34) == (142, 102)  # 142.5 and 102.5 round half to even
    assert template_side(20, 14) == 34
    assert fill_colour(np.array([122.485, 128.908, 131.134])).tolist() == [122, 128, 131]  # truncated


@needs_fixture
@pytest.mark.parametrize("run", RUNS)
def test_search_side_and_corners_match_the_trace(trace, run):
    tr = trace[run]
    info = tr["info"]
    for k in range(29):
        w, h = tr["pre_target_sz"][k].tolist()
        cx, cy = tr["pre_target_pos"][k].tolist()
        geom = search_geometry(w, h, info["exemplar_size"], info["instance_size"])
        assert geom.side == tr["s_x"][k].item()
        assert crop_corner(cx, cy, geom.side) == tuple(int(v) for v in tr["crop_xy_min"][k].tolist())


@needs_fixture
@pytest.mark.parametrize("run", RUNS)
def test_template_and_search_crops_are_byte_exact(trace, frames, run):
    tr = trace[run]
    info = tr["info"]
    fill = fill_colour(frames[0].mean(axis=(0, 1)))
    np.testing.assert_allclose(frames[0].mean(axis=(0, 1)), tr["avg_chans"].numpy(), rtol=0, atol=1e-9)
    cropper = Cropper("official")
    t = info["exemplar_size"]
    z = cropper.crop(frames[0], 160.0, 120.0, template_side(20, 14), t, fill)
    np.testing.assert_array_equal(z, tr["template_crop_uint8_chw"].numpy().transpose(1, 2, 0))
    if "search_crop_uint8_chw" in tr:
        f = tr["search_crop_frame"]
        w, h = tr["pre_target_sz"][f - 1].tolist()
        cx, cy = tr["pre_target_pos"][f - 1].tolist()
        geom = search_geometry(w, h, t, info["instance_size"])
        out = np.empty((info["instance_size"],) * 2 + (3,), np.uint8)
        x = cropper.crop(frames[f], cx, cy, geom.side, info["instance_size"], fill, out=out)
        np.testing.assert_array_equal(x, tr["search_crop_uint8_chw"].numpy().transpose(1, 2, 0))
        # the single-warp crop has the same geometry: only sub-pixel rounding and the crop's
        # outermost ring (which warp samples from real neighbouring pixels) differ
        fast = Cropper("warp").crop(frames[f], cx, cy, geom.side, info["instance_size"], fill)
        inner = np.abs(fast.astype(int) - x.astype(int))[4:-4, 4:-4]
        assert inner.max() <= 2 and inner.mean() < 0.5


def test_padding_uses_the_fill_colour():
    frame = np.full((40, 50, 3), 200, np.uint8)
    fill = np.array([1, 2, 3], np.uint8)
    for mode in ("official", "warp"):
        patch = Cropper(mode).crop(frame, 0.0, 0.0, 20, 20, fill)  # centred on the corner
        assert patch[0, 0].tolist() == [1, 2, 3] and patch[-1, -1].tolist() == [200, 200, 200]
    far = Cropper("official").crop(frame, -100.0, -100.0, 10, 16, fill)  # wholly outside: all fill
    assert (far == fill).all()


def test_normalize_is_bit_exact_with_the_shared_convention():
    rng = np.random.default_rng(0)
    patch = rng.integers(0, 256, (32, 48, 3), dtype=np.uint8)
    ours = normalize_into(patch, np.empty((3, 32, 48), np.float32))
    ref = normalize_uint8(torch.from_numpy(patch.transpose(2, 0, 1).copy())).numpy()
    assert np.array_equal(ours, ref)


# ---------------------------------------------------------------- post-processing


def test_grid_and_window():
    maps = score_maps(288)
    assert maps.size == 18 and maps.gx[0, 0] == 0 and maps.gx[0, 17] == 16 * 17 and maps.gy[5, 0] == 80
    assert maps.window[0].max() == 0 and np.isclose(maps.window.max(), maps.window[8, 9])


@needs_fixture
@pytest.mark.parametrize("run", RUNS)
def test_postprocess_replays_the_trace_exactly(trace, run):
    """Feed the recorded network outputs with the recorded state: every row comes out exactly."""
    tr = trace[run]
    info = tr["info"]
    preset = get_preset(run)
    rows = box_rows(run)
    for k in range(29):
        center = tr["pre_target_pos"][k].numpy()
        size = tr["pre_target_sz"][k].numpy()
        geom = search_geometry(size[0], size[1], info["exemplar_size"], info["instance_size"])
        inputs = StepInputs(sigmoid(tr["cls_logits"][k].numpy()), tr["reg"][k].numpy(), center, size, geom.scale_z,
                            info["instance_size"], (320, 240))
        step = lighttrack_step(inputs, StepRates.of(preset))
        row = rows[k + 1]
        assert (step.row, step.col) == (int(row[8]), int(row[9])) == tuple(tr["argmax_rc"][k].tolist())
        np.testing.assert_array_equal(result_box(step.center, step.size), row[1:5])
        assert step.score == row[5]
        np.testing.assert_array_equal(step.center, row[6:8])
        assert step.margin == pytest.approx(row[10], abs=1e-12)
        if k < 28:
            np.testing.assert_array_equal(step.center, tr["pre_target_pos"][k + 1].numpy())
            np.testing.assert_array_equal(step.size, tr["pre_target_sz"][k + 1].numpy())


def _step(prob, ltrb, center=(50.0, 40.0), size=(20.0, 10.0), double=True, image=(100, 80)):
    inputs = StepInputs(prob, ltrb, np.array(center), np.array(size), 2.0, 256, image)
    return lighttrack_step(inputs, StepRates(0.062, 0.38, 0.765, double))


def test_size_update_single_vs_double_smoothing():
    prob = np.zeros((16, 16), np.float32)
    prob[8, 8] = 1.0
    ltrb = np.zeros((4, 16, 16), np.float32)
    ltrb[:, 8, 8] = [30, 20, 30, 20]  # predicts 60x40 patch px = 30x20 image px, centred
    once, twice = _step(prob, ltrb, double=False), _step(prob, ltrb, double=True)
    assert (once.row, once.col) == (8, 8)
    np.testing.assert_allclose(once.center, [50.0, 40.0])
    rate = once.lr
    np.testing.assert_allclose(once.size, [20 + rate * 10, 10 + rate * 10])
    np.testing.assert_allclose(twice.size, [20 + rate**2 * 10, 10 + rate**2 * 10])


def test_postprocess_survives_bad_network_outputs():
    nan = np.full((16, 16), np.nan, np.float32)
    step = _step(nan, np.zeros((4, 16, 16), np.float32))
    assert not step.valid and step.score == 0.0 and step.center.tolist() == [50.0, 40.0]
    zeros = _step(np.full((16, 16), 0.5, np.float32), np.zeros((4, 16, 16), np.float32))  # degenerate boxes
    assert np.isfinite(zeros.center).all() and np.isfinite(zeros.size).all()


def test_clamps_keep_the_target_in_the_frame():
    prob = np.zeros((16, 16), np.float32)
    prob[15, 15] = 1.0
    ltrb = np.full((4, 16, 16), 400.0, np.float32)  # a huge box far down-right
    step = _step(prob, ltrb, center=(95.0, 75.0))
    assert step.center[0] <= 100 and step.center[1] <= 80 and step.size[0] <= 100 and step.size[1] <= 80
    tiny = np.zeros((4, 16, 16), np.float32)
    step = _step(prob, tiny, center=(1.0, 1.0), size=(10.0, 10.0))
    assert step.size.min() >= 10.0 and step.center.min() >= 0
    assert result_box(np.array([2.0, 3.0]), np.array([10.0, 10.0])).tolist() == [0.0, 0.0, 10.0, 10.0]
    assert result_box(np.array([2.0, 3.0]), np.array([10.0, 10.0]), clamp_xy=False).tolist() == [-3.0, -2.0, 10.0, 10.0]
