"""The search's fitness tracks in PyTorch or, exported, in ONNX Runtime: the same scores."""

import pytest

from lighttrack.data.synthetic import synthetic_sequence
from lighttrack.errors import ConfigError
from lighttrack.models import build
from lighttrack.search.fitness import score_sequences
from lighttrack.search.runner import search_config_from_dict

pytest.importorskip("onnxruntime")


def test_onnxruntime_fitness_equals_torch_fitness():
    net = build("lighttrack-m300").eval()  # random weights: any network must score alike in both
    seqs = [synthetic_sequence(seed=5, index=i, length=10) for i in range(2)]
    torch_score = score_sequences(net, seqs)
    ort_score = score_sequences(net, seqs, backend="onnxruntime")
    assert ort_score["frames"] == torch_score["frames"] > 10
    assert ort_score["fitness"] == pytest.approx(torch_score["fitness"], abs=1e-3)
    with pytest.raises(ConfigError, match="torch' or 'onnxruntime"):
        score_sequences(net, seqs, backend="tensorrt")


def test_search_config_refuses_an_unknown_fitness_backend():
    with pytest.raises(ConfigError, match="fitness.backend"):
        search_config_from_dict({"name": "x", "constraints": [{"name": "a", "max_macs": 3e8}], "fitness": {"backend": "tvm"}})
