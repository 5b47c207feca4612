"""The Tracker end to end (PyTorch backend): golden boxes, several targets, bad input, the got10k adapter
(the vot-toolkit adapter: tests/test_eval_vot_adapter.py)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from golden import FIXTURE, GOLDEN_TOLERANCE_PX, HAVE_FIXTURE, golden_backend, golden_frames, rows

from lighttrack.errors import InputError
from lighttrack.tracker import MultiTracker, Tracker, TrackResult, get_preset
from lighttrack.tracker.adapters import GOT10kTracker

RUNS = ("vot2019", "default", "default_even")
pytestmark = pytest.mark.skipif(not HAVE_FIXTURE, reason=f"golden fixture missing: {FIXTURE}")


@pytest.fixture(scope="module")
def frames():
    return golden_frames()


@pytest.fixture(scope="module")
def backend():
    return golden_backend()


class CountingBackend:
    """Wraps a backend and records the batch size of every network call."""

    def __init__(self, inner):
        self.inner, self.name, self.calls = inner, "counting", []

    def template(self, z):
        self.calls.append(("template", z.shape[0], z.shape[-1]))
        return self.inner.template(z)

    def track(self, features, x):
        self.calls.append(("track", x.shape[0], x.shape[-1]))
        return self.inner.track(features, x)

    def take(self, features, indices):
        return self.inner.take(features, indices)


@pytest.mark.parametrize("run", RUNS)
def test_golden_boxes_end_to_end(backend, frames, run):
    """Frames in, boxes out: the official tracker's per-frame boxes within 0.01 px."""
    ref = rows(run)
    tracker = Tracker(backend, preset=run)
    first = tracker.init(frames[0], ref[0, 1:5])
    assert isinstance(first, TrackResult) and first.box.tolist() == [150, 113, 20, 14]
    out = np.array([np.r_[r.box, r.score] for r in (tracker.update(f) for f in frames[1:])])
    assert np.abs(out[:, :4] - ref[1:, 1:5]).max() < GOLDEN_TOLERANCE_PX
    assert np.abs(out[:, 4] - ref[1:, 5]).max() < 1e-4
    result = tracker.update(frames[0])  # read by name; a tuple would swap OpenCV's ok, box
    assert result.box.dtype == np.float64 and result.box.shape == (4,) and isinstance(result.score, float)
    assert isinstance(result.ok, bool)
    with pytest.raises(TypeError, match="does not unpack"):
        box, score = result


def test_several_targets_share_batched_network_calls(backend, frames):
    counting = CountingBackend(backend)
    boxes = [[150, 113, 20, 14], [40, 40, 60, 50], [200, 20, 70, 60]]
    multi = MultiTracker(counting, preset="vot2019")
    multi.init(frames[0], boxes)
    assert counting.calls == [("template", 3, 127)]
    counting.calls.clear()
    results = [multi.update(f) for f in frames[1:6]]
    # the small target uses the 288 search size (< 0.4 % of the image), the others 256
    assert sorted(counting.calls[:2]) == [("track", 1, 288), ("track", 2, 256)] and len(counting.calls) == 10
    # target 0 inside the batch follows the same path as when tracked alone
    single = Tracker(backend, preset="vot2019")
    single.init(frames[0], boxes[0])
    for f, res in zip(frames[1:6], results):
        np.testing.assert_allclose(single.update(f).box, res[0].box, atol=1e-3)
    default_multi = Tracker(counting, preset="default")
    counting.calls.clear()
    default_multi.init_many(frames[0], boxes)
    default_multi.update_many(frames[1])
    assert counting.calls == [("template", 3, 127), ("track", 3, 256)]


def test_bad_boxes_are_rejected_at_init(backend, frames):
    tracker = Tracker(backend)
    for box in ([10, 10, 0, 5], [10, 10, 5, -1], [np.nan, 1, 5, 5], [1, 2, 3], [400, 10, 5, 5], [-50, -50, 10, 10], "abc"):
        with pytest.raises(InputError):
            tracker.init(frames[0], box)
    with pytest.raises(InputError, match="before update"):
        Tracker(backend).update(frames[0])


def test_odd_frames_are_converted_or_rejected(backend, frames):
    tracker = Tracker(backend)
    gray = cv2.cvtColor(frames[0], cv2.COLOR_RGB2GRAY)
    tracker.init(gray, [150, 113, 20, 14])
    rgba = np.dstack([frames[1], np.full(frames[1].shape[:2], 255, np.uint8)])
    assert np.isfinite(tracker.update(rgba).box).all()
    assert np.isfinite(tracker.update(gray[:, :, None]).box).all()
    with pytest.raises(InputError, match="uint8"):
        tracker.update(frames[2].astype(np.float32))
    with pytest.raises(InputError):
        tracker.update(np.zeros((10, 10, 5), np.uint8))


def test_frames_that_change_size_and_targets_that_leave(backend, frames):
    tracker = Tracker(backend)
    tracker.init(frames[0], [150, 113, 20, 14])
    small = cv2.resize(frames[1], (160, 120))
    big = cv2.resize(frames[2], (640, 480))
    for frame in (small, big, small):
        result = tracker.update(frame)
        cx, cy = tracker.state()[0][0]
        assert 0 <= cx <= frame.shape[1] and 0 <= cy <= frame.shape[0] and np.isfinite(result.box).all()
    # a target at the very edge: crops pad with the mean colour, the state stays in the frame
    edge = Tracker(backend)
    edge.init(frames[0], [-5, -5, 12, 12])
    flat = np.full_like(frames[0], 30)
    for _ in range(5):
        result = edge.update(flat)
        assert np.isfinite(result.box).all() and result.box[0] >= 0 and result.box[1] >= 0


def test_corrected_preset_and_fast_crop_run(backend, frames):
    ref = rows("default")
    fast = Tracker(backend, preset="default", crop_mode="warp")
    fixed = Tracker(backend, preset=get_preset("default").corrected())
    for tracker in (fast, fixed):
        tracker.init(frames[0], ref[0, 1:5])
        boxes = np.array([tracker.update(f).box for f in frames[1:]])
        assert np.isfinite(boxes).all()
    assert fixed.preset.template_size == 128 and not fixed.preset.double_smoothing


def test_got10k_adapter(backend, frames, tmp_path):
    from PIL import Image

    ref = rows("default")
    adapter = GOT10kTracker(Tracker(backend, preset="default"))
    adapter.init(Image.fromarray(frames[0]), ref[0, 1:5])
    box = adapter.update(Image.fromarray(frames[1]))
    np.testing.assert_allclose(box, ref[1, 1:5], atol=GOLDEN_TOLERANCE_PX)
    files = [str(FIXTURE / "frames" / f"{i:04d}.png") for i in range(5)]
    boxes, times = adapter.track(files, ref[0, 1:5])
    assert boxes.shape == (5, 4) and times.shape == (5,)
    np.testing.assert_allclose(boxes, ref[:5, 1:5], atol=GOLDEN_TOLERANCE_PX)
    assert adapter.name and adapter.is_deterministic
