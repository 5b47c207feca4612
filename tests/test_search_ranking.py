"""The rank statistics of benchmarks/ranking.py."""

import math

import pytest
from benchmark_helpers import load_benchmark

ranking = load_benchmark("ranking")


def test_kendall_and_spearman():
    assert ranking.kendall_tau([1, 2, 3, 4], [1, 3, 2, 4]) == pytest.approx(4 / 6)
    assert ranking.spearman([1, 2, 3, 4], [1, 3, 2, 4]) == pytest.approx(0.8)
    assert ranking.kendall_tau([1, 2, 3], [3, 2, 1]) == pytest.approx(-1)
    assert ranking.spearman([1, 2, 3], [10, 20, 30]) == pytest.approx(1)
    # ties: tau-b
    assert ranking.kendall_tau([1, 1, 2], [1, 2, 3]) == pytest.approx(2 / math.sqrt(2 * 3))
    assert math.isnan(ranking.spearman([1, 1, 1], [1, 2, 3]))
    assert ranking.precision_at_top([0.1, 0.9, 0.5], [0.2, 0.8, 0.1], 1) == 1.0
