"""Rank agreement statistics (lighttrack.search.ranking), used by benchmarks/ranking*.py."""

import math

import pytest

from lighttrack.search import ranking


def test_kendall_and_spearman():
    assert ranking.kendall_tau([1, 2, 3, 4], [1, 3, 2, 4]) == pytest.approx(4 / 6)
    assert ranking.spearman([1, 2, 3, 4], [1, 3, 2, 4]) == pytest.approx(0.8)
    assert ranking.kendall_tau([1, 2, 3], [3, 2, 1]) == pytest.approx(-1)
    assert ranking.spearman([1, 2, 3], [10, 20, 30]) == pytest.approx(1)
    # ties: tau-b
    assert ranking.kendall_tau([1, 1, 2], [1, 2, 3]) == pytest.approx(2 / math.sqrt(2 * 3))
    assert math.isnan(ranking.spearman([1, 1, 1], [1, 2, 3]))
    assert ranking.precision_at_top([0.1, 0.9, 0.5], [0.2, 0.8, 0.1], 1) == 1.0


def test_bootstrap_interval_brackets_the_statistic_and_narrows_with_agreement():
    a = list(range(12))
    perfect = ranking.agreement(a, [2 * v for v in a])
    assert perfect["kendall_tau"] == pytest.approx(1) and perfect["kendall_tau_ci95"] == pytest.approx([1, 1])
    noisy_b = [0, 2, 1, 3, 6, 4, 5, 9, 7, 8, 11, 10]
    noisy = ranking.agreement(a, noisy_b)
    lo, hi = noisy["kendall_tau_ci95"]
    assert lo < noisy["kendall_tau"] < hi <= 1 and lo > 0
    assert noisy["spearman_ci95"][0] < noisy["spearman"] and noisy["precision_at_top3"] == pytest.approx(2 / 3)
    assert ranking.bootstrap_interval(a, noisy_b, ranking.kendall_tau, seed=1) == ranking.bootstrap_interval(a, noisy_b, ranking.kendall_tau, seed=1)
    with pytest.raises(ValueError, match="equal length"):
        ranking.bootstrap_interval([1, 2], [1, 2], ranking.kendall_tau)
