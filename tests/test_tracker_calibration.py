"""First-frame calibration and box voting: the tracker's optional corrections of a network's
consistent misses (``Preset.calibration``, ``Preset.vote_radius``)."""

from __future__ import annotations

import numpy as np
import pytest

from lighttrack.errors import ConfigError
from lighttrack.eval.metrics import iou
from lighttrack.eval.tune import SEARCH_SPACE, search_space
from lighttrack.tracker import Tracker
from lighttrack.tracker.postprocess import StepInputs, StepRates
from lighttrack.tracker.refiners import BoxVoting, FirstFrameCalibration, box_bias, refiners_for
from lighttrack.tracker.presets import get_preset



def test_box_bias_is_in_the_predicted_boxs_units():
    truth = np.array([10.0, 20.0, 40.0, 20.0])
    assert np.allclose(box_bias(truth, truth), 0)
    moved = np.array([14.0, 18.0, 40.0, 20.0])  # centre 4 px right (0.1 w), 2 px up (0.1 h)
    assert np.allclose(box_bias(moved, truth), [0.1, -0.1, 0, 0])
    wider = np.array([-10.0, 20.0, 80.0, 20.0])  # same centre, twice as wide
    assert np.allclose(box_bias(wider, truth), [0, 0, np.log(2), 0])


def _maps(size=16, spread=(20.0, 20.0, 20.0, 20.0)):
    prob = np.full((size, size), 0.01, np.float32)
    prob[8, 8] = 1.0
    ltrb = np.stack([np.full((size, size), v, np.float32) for v in spread])
    return prob, ltrb


def _step(prob, ltrb, refiners=()):
    """One step from centre (100, 100), size 40x40 at scale 1, lr 1, no penalty or window."""
    inputs = StepInputs(prob, ltrb, np.array([100.0, 100.0]), np.array([40.0, 40.0]), 1.0, 256, (640, 480))
    return Tracker._step(inputs, StepRates(0.0, 0.0, 1.0, False, 1.0), refiners)


def test_calibration_takes_the_correction_off_the_chosen_box():
    prob, ltrb = _maps()
    plain = _step(prob, ltrb)
    assert np.allclose(plain.measured[2:], [40, 40]) and np.allclose(plain.size, [40, 40])
    calibration = FirstFrameCalibration(1.0, 0.25)
    assert np.array_equal(_step(prob, ltrb, [calibration]).center, plain.center)  # not started: no correction
    calibration.correction = np.array([0.1, -0.2, np.log(2), 0.0])
    corrected = _step(prob, ltrb, [calibration])
    assert np.allclose(corrected.center - plain.center, [-4.0, 8.0])  # 0.1 and -0.2 of the 40 px box
    assert np.allclose(corrected.size, [20.0, 40.0])  # width halved, height kept
    assert np.allclose(box_bias(plain.measured, corrected.measured), calibration.correction)  # the step moved towards the corrected reading


def test_box_voting_averages_the_neighbours_weighted_by_score():
    prob, ltrb = _maps()
    prob[8, 9] = 0.9  # a strong neighbour whose box is 8 px wider to the right
    ltrb[2, 8, 9] += 8
    single = _step(prob, ltrb)
    voted = _step(prob, ltrb, [BoxVoting(1)])
    assert (single.row, single.col) == (voted.row, voted.col)
    # the voted box lies between the two cells' boxes, pulled mostly by the two strong cells
    assert single.measured[0] < voted.measured[0] < single.measured[0] + 16
    assert voted.measured[2] > single.measured[2]
    ltrb[0, 7, 8] = np.nan  # a broken neighbour is left out of the vote
    assert np.isfinite(_step(prob, ltrb, [BoxVoting(1)]).measured).all()


def test_presets_switch_refiners_and_network_only_drops_them_all():
    from lighttrack.tracker.presets import network_only

    assert refiners_for(get_preset("default")) == [] and refiners_for(get_preset("vot2019")) == []
    names = [r.name for r in refiners_for(get_preset("aligned"))]
    assert names == ["voting", "calibration", "alignment"]  # read, correct, place
    alone = network_only(get_preset("aligned"))
    assert refiners_for(alone) == [] and alone.penalty_k == get_preset("aligned").penalty_k


def test_preset_fields_are_validated():
    assert get_preset("default").calibration == 0.0 and get_preset("default").vote_radius == 0
    for bad in ({"calibration": 1.5}, {"calibration": -0.1}, {"calibration_shift": 2.0}, {"vote_radius": -1}, {"vote_radius": 1.5}):
        with pytest.raises(ConfigError):
            get_preset("default").replace(**bad)


def test_tunable_fields_include_the_calibration():
    assert search_space() == SEARCH_SPACE
    assert set(search_space(["lr", "calibration"])) == {"lr", "calibration"}
    with pytest.raises(ConfigError, match="tunable"):
        search_space(["vote_radius"])


class ShiftedBackend:
    """A network that misses every box by the same patch-pixel shift: its boxes sit ``dx`` to
    the left and come out ``grow`` wider than the real network's."""

    def __init__(self, inner, dx=12.0, grow=6.0):
        self.inner, self.name, self.dx, self.grow = inner, "shifted", dx, grow

    def template(self, z):
        return self.inner.template(z)

    def take(self, features, indices):
        return self.inner.take(features, indices)

    def track(self, features, x):
        cls, ltrb = self.inner.track(features, x)
        ltrb = ltrb.copy()
        ltrb[:, 0] += self.dx + self.grow  # left side further left
        ltrb[:, 2] -= self.dx  # right side: the shift only
        return cls, np.maximum(ltrb, 0)


@pytest.fixture(scope="module")
def clip():
    """A shipped photo filmed by the smooth virtual camera, and the shipped Mobile weights,
    which follow it well."""
    from lighttrack.data.clipsets import DemoStills

    clips = DemoStills(16, None, "smooth")
    seq = clips[clips.names[-1]]
    frames = [seq.frame(i) for i in range(len(seq))]
    return frames, np.asarray(seq.boxes, np.float64), Tracker.from_weights("lighttrack-mobile").backend


def _run(backend, frames, box, preset):
    tracker = Tracker(backend, preset=preset)
    tracker.init(frames[0], box)
    return np.array([tracker.update(f).box for f in frames[1:]])


def test_calibration_removes_a_networks_consistent_miss(clip):
    frames, truth, backend = clip
    preset = get_preset("default_even")
    assert iou(_run(backend, frames, truth[0], preset), truth[1:]).mean() > 0.7  # the network itself
    shifted = ShiftedBackend(backend)
    drifting = _run(shifted, frames, truth[0], preset)
    calibrated = _run(shifted, frames, truth[0], preset.replace(calibration=1.0))
    # uncorrected, a constant miss of the centre accumulates frame after frame
    assert iou(drifting, truth[1:]).mean() < 0.55
    assert iou(calibrated, truth[1:]).mean() > 0.8


def test_probe_searches_without_changing_the_state(clip):
    from lighttrack.errors import InputError

    frames, truth, backend = clip
    tracker = Tracker(backend, preset="default_even")
    tracker.init(frames[0], truth[0])
    before = tracker.state()
    center, size = before[0]
    steps = tracker.probe(frames[0], [center, center + [5, 0]], [size, size * 1.2])
    assert len(steps) == 2 and all(s.valid for s in steps)
    assert all(iou(s.measured[None], truth[:1])[0] > 0.5 for s in steps)  # the network finds the known box
    after = tracker.state()
    assert np.array_equal(before[0][0], after[0][0]) and np.array_equal(before[0][1], after[0][1])
    with pytest.raises(InputError, match="no target"):
        tracker.probe(frames[0], [center], [size], target=3)
    with pytest.raises(InputError, match="as many sizes"):
        tracker.probe(frames[0], [center, center], [size])
