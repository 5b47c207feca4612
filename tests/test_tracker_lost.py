"""The lost-target flag and refiner (issue 19 part 4): generated clips only."""

from __future__ import annotations

import numpy as np
import pytest
from benchmark_helpers import load_benchmark

from lighttrack.data.absence import ABSENT_BELOW, absence_clips, absence_sequence
from lighttrack.errors import ConfigError
from lighttrack.tracker import Tracker
from lighttrack.tracker.postprocess import Step
from lighttrack.tracker.presets import (
    PRESETS,
    get_preset,
    network_only,
    preset_from_dict,
)
from lighttrack.tracker.refiners import LostTarget, TargetStart, refiners_for


def _step(score, valid=True):
    return Step(np.array([50.0, 50.0]), np.array([20.0, 20.0]), score, 8, 8, 0.01, 0.5, valid=valid)


def _started(preset, frame=None):
    (refiner,) = [r for r in refiners_for(preset) if r.name == "lost"]
    frame = np.random.default_rng(0).integers(0, 255, (100, 100, 3), dtype=np.uint8) if frame is None else frame
    refiner.start(TargetStart(frame, np.array([40.0, 40.0, 20.0, 20.0]), lambda c, s: []))
    return refiner, frame


def test_the_official_presets_and_network_only_run_no_lost_refiner():
    for preset in PRESETS.values():
        assert not preset.lost_detect and not preset.lost_hold
        assert all(r.name != "lost" for r in refiners_for(preset))
    on = get_preset("default").replace(lost_detect=True, lost_hold=True)
    assert [type(r) for r in refiners_for(on)] == [LostTarget]
    assert not network_only(on).lost_detect


@pytest.mark.parametrize("field, value", [("lost_drop", 1.5), ("lost_drop", -0.1), ("lost_correlation", 2.0),
                                          ("lost_correlation_drop", 1.2), ("lost_detect", "yes"), ("lost_hold", 1)])
def test_bad_lost_fields_are_config_errors(field, value):
    with pytest.raises(ConfigError, match=field):
        preset_from_dict({field: value})


def test_a_drop_against_the_running_score_reports_lost_and_hold_keeps_the_last_found_state():
    preset = get_preset("default").replace(lost_detect=True, lost_drop=0.9, lost_hold=True)
    refiner, frame = _started(preset)
    kept = None
    for k in range(5):  # found: the running level is about 0.98
        center, size = np.array([50.0 + k, 50.0]), np.array([20.0, 20.0])
        ok, c, s = refiner.report(frame, _step(0.98), center, size, True)
        assert ok and np.array_equal(c, center)
        kept = center.copy()
    # the score drops to 0.6 (above lost_score, under 0.9 x 0.98): lost, and the last found state is kept
    ok, c, s = refiner.report(frame, _step(0.6), np.array([90.0, 10.0]), np.array([30.0, 30.0]), True)
    assert not ok and np.array_equal(c, kept) and np.array_equal(s, [20.0, 20.0])
    assert refiner.signals["level"] == pytest.approx(0.98) and not refiner.signals["found"]
    # an invalid step is lost too; the score rule's verdict (ok False) is never overturned
    assert not refiner.report(frame, _step(0.0, valid=False), c, s, False)[0]
    assert not refiner.report(frame, _step(0.99), c, s, False)[0]
    # confident again: found, and the state is the step's
    ok, c, s = refiner.report(frame, _step(0.97), np.array([70.0, 50.0]), np.array([20.0, 20.0]), True)
    assert ok and np.array_equal(c, [70.0, 50.0])


def test_without_hold_the_flag_only_reports():
    preset = get_preset("default").replace(lost_detect=True, lost_drop=0.9)
    refiner, frame = _started(preset)
    for _ in range(4):
        refiner.report(frame, _step(0.98), np.array([50.0, 50.0]), np.array([20.0, 20.0]), True)
    ok, c, _ = refiner.report(frame, _step(0.5), np.array([80.0, 20.0]), np.array([20.0, 20.0]), True)
    assert not ok and np.array_equal(c, [80.0, 20.0])


def test_absence_clips_are_deterministic_and_know_where_the_target_is_absent():
    a, b = absence_sequence(3, 1, "occlusion", 60), absence_sequence(3, 1, "occlusion", 60)
    assert np.array_equal(a.frame(30), b.frame(30)) and np.array_equal(a.boxes, b.boxes)
    for seq in absence_clips(4, seed=1, length=80):
        fraction = np.asarray(seq.meta["fraction"])
        start, stop = seq.meta["event"]
        assert seq.meta["absent"] and all(fraction[i] < ABSENT_BELOW for i in seq.meta["absent"])
        assert all(start - 12 <= i < stop + 12 for i in seq.meta["absent"])  # absent only around the event (walks of 12 frames)
        assert seq.visible[0] and seq.visible[-1] and not seq.visible[start]
        assert seq.frame(0).shape == (240, 320, 3)
    with pytest.raises(ValueError):
        absence_sequence(kind="teleport")


def test_the_benchmark_counts_recall_false_alarms_and_returns():
    bench = load_benchmark("lost_targets")
    seq = absence_sequence(0, 0, "exit", 60)
    absent, visible = bench.truth(seq)
    rows = {"wh": (320, 240), "box": [np.asarray(b, np.float64) for b in seq.boxes], "ok": list(~absent)}
    rows["ok"][5] = False  # one false alarm on a visible frame
    summary = bench.summarise([bench.measure(seq, rows)])
    assert summary["lost_recall"] == 1.0 and summary["false_alarm"] == pytest.approx(1 / (visible[1:].sum()), abs=1e-4)
    assert summary["returns"] == 1 and summary["reacquired"] == 1.0 and summary["frames_to_reacquire"] == 0
    assert summary["auc"] > 0.9  # the truth itself (clipped to the frame)


def test_the_shipped_mobile_reports_an_exit_and_picks_the_target_up_again_with_hold():
    seq = absence_sequence(0, 0, "exit", 100)
    frames = [seq.frame(i) for i in range(len(seq))]
    shipped = Tracker.from_weights("lighttrack-mobile")
    preset = shipped.preset.replace(lost_detect=True, lost_hold=True, lost_score=0.95, lost_correlation_drop=0.8)
    tracker = Tracker(shipped.backend, preset=preset)
    tracker.init(frames[0], seq.boxes[0])
    results = [tracker.update(f) for f in frames[1:]]
    ok = np.array([True] + [r.ok for r in results])
    absent = np.zeros(len(seq), bool)
    absent[seq.meta["absent"]] = True
    assert (~ok[absent]).mean() > 0.8  # reported lost while it is away
    assert ok[1:20].all()  # and found before it leaves
    lost = [i for i in range(1, len(seq)) if not ok[i]]
    held = [results[i - 1].box for i in lost]
    assert all(np.array_equal(held[0], b) for b in held[:5])  # the box is held while lost
    _, stop = seq.meta["event"]
    bench = load_benchmark("lost_targets")
    late = [bench.iou(results[i - 1].box, np.asarray(seq.boxes[i])) for i in range(stop + 25, len(seq))]
    assert np.mean(late) > 0.5  # picked up again after it returned


def test_the_first_frame_match_runs_only_when_a_test_or_a_recorder_reads_it():
    base = get_preset("default").replace(lost_detect=True, lost_drop=0.9)
    refiner, frame = _started(base)
    calls = []
    real = refiner.correlation_at
    refiner.correlation_at = lambda *a: calls.append(1) or real(*a)
    refiner.report(frame, _step(0.9), np.array([50.0, 50.0]), np.array([20.0, 20.0]), True)
    assert calls == [] and refiner.signals["correlation"] is None
    refiner.measure_correlation = True  # a benchmark recording every signal
    refiner.report(frame, _step(0.9), np.array([50.0, 50.0]), np.array([20.0, 20.0]), True)
    assert calls == [1] and refiner.signals["correlation"] is not None
    for field, value in (("lost_correlation", 0.3), ("lost_correlation_drop", 0.8)):
        assert _started(base.replace(**{field: value}))[0].measure_correlation
