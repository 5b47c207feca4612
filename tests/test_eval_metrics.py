"""Metrics on hand-made arrays with answers worked out by hand."""

import math

import numpy as np
import pytest

from lighttrack.eval import metrics as M


def test_iou_basic_and_invalid():
    a = np.array([[0, 0, 10, 10], [0, 0, 10, 10], [0, 0, 10, 10], [np.nan, 0, 1, 1], [0, 0, 0, 5]])
    b = np.array([[0, 0, 10, 10], [5, 0, 10, 10], [20, 20, 5, 5], [0, 0, 1, 1], [0, 0, 5, 5]])
    np.testing.assert_allclose(M.iou(a, b), [1.0, 50 / 150, 0.0, 0.0, 0.0])


def test_center_error_conventions():
    p = np.array([[10.0, 10.0, 4.0, 4.0]])
    g = np.array([[13.0, 14.0, 4.0, 4.0]])
    assert M.center_error(p, g)[0] == pytest.approx(5.0)
    # normalised: offsets / gt wh = (3/4, 4/4) -> sqrt(0.5625 + 1)
    assert M.normalized_center_error(p, g)[0] == pytest.approx(math.sqrt(0.5625 + 1.0))
    # OTB centre uses (w-1)/2
    np.testing.assert_allclose(M.centers(p), [[11.5, 11.5]])
    np.testing.assert_allclose(M.centers(np.array([[10.4, 10.6, 4.0, 4.0]]), "trackingnet"), [[12.5, 13.5]])


def test_success_threshold_is_strict_and_precision_inclusive():
    curve = M.success_curve([0.5, 0.5])
    assert curve[10] == 0.0  # IoU 0.5 is not > 0.5
    assert curve[9] == 1.0
    prec = M.precision_curve([20.0, 21.0])
    assert prec[20] == 0.5  # 20 <= 20, 21 is not


def test_ope_perfect_and_first_frame_replaced():
    gt = np.array([[10, 10, 20, 20]] * 5, dtype=float)
    pred = gt.copy()
    pred[0] = [0, 0, 1, 1]  # the first frame is replaced by the ground truth
    s = M.ope_sequence(pred, gt)
    assert s.auc == pytest.approx(20 / 21)  # IoU 1 > t for t < 1, not for t = 1
    assert s.precision == 1.0 and s.norm_precision == 1.0


def test_ope_known_values():
    gt = np.array([[1, 1, 10, 10]] * 4, dtype=float)  # OTB is 1-based: x = 0 would be invalid GT
    pred = np.array([[1, 1, 10, 10], [1, 1, 10, 10], [6, 1, 10, 10], [100, 100, 10, 10]], dtype=float)
    s = M.ope_sequence(pred, gt)
    # IoUs 1, 1, 1/3, 0: success(t) for t=0.3 -> 3/4, t=0.35 -> 2/4
    assert s.success_curve[6] == pytest.approx(0.75)
    assert s.success_curve[7] == pytest.approx(0.5)
    expected_auc = np.mean([(1 + 1 + (1 / 3 > t) + 0) / 4 if t < 1 else 0 for t in M.SUCCESS_THRESHOLDS])
    assert s.auc == pytest.approx(expected_auc)
    # centre errors 0, 0, 5, 141.4 -> precision@20 = 3/4
    assert s.precision == pytest.approx(0.75)
    # normalised errors 0, 0, 0.5, 14.1 -> @0.20 = 2/4
    assert s.norm_precision == pytest.approx(0.5)


def test_ope_otb_invalid_gt_rule():
    gt = np.array([[10, 10, 10, 10], [10, 10, 10, 10], [0, 10, 10, 10], [np.nan] * 4], dtype=float)
    pred = np.array([[10, 10, 10, 10]] * 4, dtype=float)
    s = M.ope_sequence(pred, gt, rule="otb")
    # two frames with invalid GT: failures for success, successes for precision; denominator 4
    assert s.success_curve[0] == pytest.approx(0.5)
    assert s.precision == pytest.approx(1.0)
    assert s.invalid_gt_frames == 2 and s.counted_frames == 4


def test_ope_lasot_absent_counts_as_failure():
    gt = np.array([[10, 10, 10, 10]] * 4, dtype=float)
    pred = gt.copy()
    vis = np.array([True, True, False, True])
    s = M.ope_sequence(pred, gt, vis, rule="lasot")
    assert s.success_curve[0] == pytest.approx(0.75)
    assert s.precision == pytest.approx(0.75)
    assert s.norm_precision == pytest.approx(0.75)
    e = M.ope_sequence(pred, gt, vis, rule="exclude")
    assert e.success_curve[0] == 1.0 and e.counted_frames == 3


def test_invalid_predictions_take_previous_box():
    gt = np.array([[10, 10, 10, 10]] * 4, dtype=float)
    pred = np.array([[10, 10, 10, 10], [10, 10, 10, 10], [np.nan] * 4, [5, 5, 0, 3]], dtype=float)
    s = M.ope_sequence(pred, gt)
    assert s.replaced_predictions == 2
    assert s.success_curve[0] == 1.0


def test_ope_summary_means_over_sequences_and_trackingnet_trapz():
    gt = np.array([[1, 1, 10, 10]] * 3, dtype=float)
    good = M.ope_sequence(gt, gt)
    bad = M.ope_sequence(np.array([[1, 1, 10, 10], [50, 50, 10, 10], [50, 50, 10, 10]]), gt)
    summ = M.ope_summary([good, bad])
    assert summ["auc"] == pytest.approx((good.auc + bad.auc) / 2)
    tn = M.ope_summary([M.ope_sequence(gt, gt, rule="trackingnet")], rule="trackingnet")
    # all-ones success curve except the last point: trapezoid on [0,1] = 1 - 0.5/20
    assert tn["auc"] == pytest.approx(1 - 0.5 / 20)
    assert tn["precision"] == pytest.approx(1.0)


def test_bound_boxes_like_got10k_toolkit():
    b = M.bound_boxes([[-10, 5, 50, 10], [90, 90, 20, 20]], 100, 100)
    # the corner is clamped and the width capped; a box over the left edge is shifted, not cut
    np.testing.assert_allclose(b, [[0, 5, 50, 10], [90, 90, 10, 10]])


def test_got10k_pooling_and_first_frame():
    gt = np.array([[0, 0, 10, 10]] * 3, dtype=float)
    run = np.array([[99, 99, 1, 1], [0, 0, 10, 10], [5, 0, 10, 10]], dtype=float)
    ious, nans = M.got10k_sequence_ious([run], gt, cover=[8, 8, 8], resolution=(100, 100))
    np.testing.assert_allclose(ious, [1.0, 1 / 3])  # first frame excluded
    ious2, _ = M.got10k_sequence_ious([run, run], gt, cover=[8, 0, 8])
    np.testing.assert_allclose(ious2, [1 / 3, 1 / 3])  # cover 0 dropped, repetitions pooled
    summ = M.got10k_summary({"a": ious, "b": np.array([0.0, 0.0, 0.8, 0.9])})
    assert summ["ao"] == pytest.approx((1 + 1 / 3 + 0.8 + 0.9) / 6)  # frame-weighted
    assert summ["sr50"] == pytest.approx(3 / 6)
    assert summ["sr75"] == pytest.approx(3 / 6)
    nan_run = run.copy()
    nan_run[2] = np.nan
    ious3, nans = M.got10k_sequence_ious([nan_run], gt)
    assert nans == 1 and ious3[1] == 0.0


def test_polygon_overlap_rotated_and_bounded():
    square = [0, 0, 2, 0, 2, 2, 0, 2]
    diamond = [1, -1, 3, 1, 1, 3, -1, 1]  # the square rotated by 45 degrees around (1, 1)... scaled
    # diamond area = 8, square area 4, square inside diamond: overlap 4 / 8
    assert M.region_overlap(square, diamond) == pytest.approx(0.5)
    # bounded to a 1 x 1 image: both clipped to the unit square -> identical
    assert M.region_overlap(square, diamond, bounds=(1, 1)) == pytest.approx(1.0)
    # rectangle vs polygon of the same rectangle
    assert M.region_overlap([0, 0, 2, 2], square) == pytest.approx(1.0)
    assert M.region_overlap([0, 0, 2, 2], [5, 5, 1, 1]) == 0.0
    assert M.region_overlap([np.nan] * 4, [0, 0, 1, 1]) == 0.0
    # outside the image after bounding -> empty -> 0
    assert M.region_overlap([200, 200, 5, 5], [200, 200, 5, 5], bounds=(100, 100)) == 0.0


def _scripted_vot(n, fail_at):
    """A scripted tracker: correct except on frames in fail_at (reported far away)."""
    gt = [np.array([10.0, 10.0, 10.0, 10.0])] * n
    calls = []

    def init(i, box):
        calls.append(("init", i))

    def update(i):
        return np.array([500.0, 500.0, 10.0, 10.0]) if i in fail_at else gt[i].copy()

    traj, times = M.vot_supervised_run(n, gt, init, update, bounds=(640, 480))
    return traj, gt, calls


def test_vot_supervised_reset_and_skip():
    traj, gt, calls = _scripted_vot(20, {3})
    assert traj[0] == M.INIT and traj[3] == M.FAILURE
    assert traj[4:8] == [0, 0, 0, 0]  # skipped
    assert traj[8] == M.INIT  # re-initialised 5 frames after the failure
    assert calls == [("init", 0), ("init", 8)]
    assert M.count_failures(traj) == 1


def test_vot_accuracy_burnin():
    n = 30
    gt = [np.array([0.0, 0.0, 10.0, 10.0])] * n
    traj = [M.INIT] + [np.array([0.0, 0.0, 10.0, 10.0])] * 9 + [np.array([5.0, 0.0, 10.0, 10.0])] * 20
    acc, used = M.vot_accuracy(traj, gt, burnin=10)
    assert used == 20 and acc == pytest.approx(1 / 3)  # frames 0..9 are the burn-in
    acc0, used0 = M.vot_accuracy(traj, gt, burnin=0)
    assert used0 == 29


def test_vot_ar_and_eao_known_values():
    n = 6
    gt = [np.array([0.0, 0.0, 10.0, 10.0])] * n
    half = np.array([5.0, 0.0, 10.0, 10.0])  # overlap 1/3
    full = np.array([0.0, 0.0, 10.0, 10.0])
    traj_a = [M.INIT, full, M.FAILURE, 0, 0, 0]  # fragment [init, 1.0] then failure
    traj_b = [M.INIT, half, half, half, half, half]  # reaches the end
    seqs = {"a": {"runs": [traj_a], "gt": gt, "bounds": None},
            "b": {"runs": [traj_b], "gt": gt, "bounds": None}}
    curve = M.vot_eao_curve(seqs)
    # fragment a: [0, 1] padded with zeros to length 6; fragment b: [0, 1/3 x 5]
    # n=1: a -> 1, b -> 1/3 ; n=2: a -> 1/2, b -> 1/3 ; n=5: a -> 1/5, b -> 1/3
    assert curve[1] == pytest.approx((1 + 1 / 3) / 2)
    assert curve[2] == pytest.approx((0.5 + 1 / 3) / 2)
    assert curve[5] == pytest.approx((0.2 + 1 / 3) / 2)
    assert M.vot_eao(seqs, (1, 2)) == pytest.approx(np.mean(curve[1:3]))
    assert math.isnan(M.vot_eao(seqs, "vot2018"))  # no fragment reaches length 100
    ar = M.vot_ar(seqs, burnin=1)
    # accuracy: a -> frame 1 only (1.0); b -> frames 1..5 (1/3); weighted by equal lengths
    assert ar["accuracy"] == pytest.approx((1 + 1 / 3) / 2)
    assert ar["lost"] == 1 and ar["robustness_per100"] == pytest.approx(100 / 12)
    assert ar["reliability"] == pytest.approx(math.exp(-30 * 0.5 / 6))


def test_eao_long_failed_fragment_padding():
    # a fragment that fails early stays in the average at every length (padded with zeros)
    n = 400
    gt = [np.array([0.0, 0.0, 10.0, 10.0])] * n
    full = np.array([0.0, 0.0, 10.0, 10.0])
    traj = [M.INIT] + [full] * 49 + [M.FAILURE] + [0] * 4 + [M.INIT] + [full] * (n - 56)
    seqs = {"s": {"runs": [traj], "gt": gt, "bounds": (640, 480)}}
    curve = M.vot_eao_curve(seqs)
    # at n = 200: fragment 1 mean = 49/200; fragment 2 (length 345) mean = 1
    assert curve[200] == pytest.approx((49 / 200 + 1) / 2)
    assert 0 < M.vot_eao(seqs, "vot2018") < 1
