"""ROC AUC and the Youden threshold (lighttrack.eval.separation), against brute force."""

import json

import numpy as np
import pytest

from lighttrack.eval.separation import rates_at, roc_auc, separation


def _brute_auc(pos, neg):
    pos, neg = np.asarray(pos)[:, None], np.asarray(neg)[None, :]
    return float((pos > neg).mean() + 0.5 * (pos == neg).mean())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_roc_auc_is_the_pairwise_probability_with_ties_half(seed):
    rng = np.random.default_rng(seed)
    pos = np.round(rng.normal(1, 1, 300), 1)  # rounded: many ties
    neg = np.round(rng.normal(0, 1, 200), 1)
    assert roc_auc(pos, neg) == pytest.approx(_brute_auc(pos, neg), abs=1e-12)
    assert roc_auc([1, 1, 2], [1, 0]) == pytest.approx(5 / 6)
    assert roc_auc([2, 3], [0, 1]) == 1.0 and roc_auc([0, 1], [2, 3]) == 0.0


def test_youden_threshold_maximises_tpr_minus_fpr():
    rng = np.random.default_rng(5)
    pos, neg = rng.normal(0.8, 0.1, 400), rng.normal(0.4, 0.15, 300)
    s = separation(pos, neg)
    best = max(rates_at(pos, neg, t)[0] - rates_at(pos, neg, t)[1] for t in np.unique(np.r_[pos, neg]))
    assert s.tpr - s.fpr == pytest.approx(best)
    assert (s.tpr, s.fpr) == pytest.approx(rates_at(pos, neg, s.threshold))
    assert 0.4 < s.threshold < 0.8 and s.positives == 400 and s.negatives == 300


def test_an_empty_set_gives_null_not_nan_in_json():
    s = separation([0.9, 0.8], [])
    assert s.to_json()["auc"] is None and s.to_json()["threshold"] is None
    json.dumps(s.to_json(), allow_nan=False)
