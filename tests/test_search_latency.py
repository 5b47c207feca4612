"""Latency lookup tables: keys match the CostTable, save/load, prediction, validation maths, and a
real (tiny) measurement on PyTorch CPU and ONNX Runtime CPU."""

import math

import pytest

from lighttrack.errors import ConfigError, InputError
from lighttrack.profile import CostTable
from lighttrack.search.latency import (
    LatencyTable,
    build_table,
    error_report,
    fit_correction,
    key_to_str,
    make_callable,
    measure_archs,
    op_units,
    space_signature,
    str_to_key,
    time_interleaved,
)
from lighttrack.space import SearchSpace

TINY = SearchSpace(depths=(1, 1, 1, 1, 1), output_positions=((2, 0), (3, 0)), head_layers=2)


def test_units_cover_every_cost_key():
    units = op_units(TINY, "torch-cpu")
    keys = {u.key for u in units}
    for seed in range(20):
        arch = TINY.sample(seed)
        assert set(CostTable.keys(arch)) <= keys
    ort = {u.key: u for u in op_units(TINY, "onnxruntime-cpu")}
    assert ort[("neck", 2)].module is None  # folded into the correlation in the deployed graph


def test_key_strings_round_trip():
    for key in [("stem",), ("block", 1, 2, 5), ("cls", 16, 2, 7, 1), ("reg_pred", 16, 0)]:
        assert str_to_key(key_to_str(key)) == key


def test_table_predict_save_load(tmp_path):
    arch = TINY.sample(3)
    entries = {k: 1.0 for u in op_units(TINY, "torch-cpu") for k in [u.key]}
    table = LatencyTable("torch-cpu", entries, 0.5, space_signature(TINY), threads=1)
    n = len(CostTable.keys(arch))
    assert table.predict(arch) == pytest.approx(0.5 + n)
    table.correction = (1.0, 2.0)
    assert table.predict(arch) == pytest.approx(1.0 + 2.0 * (0.5 + n))
    table.save(tmp_path / "t.json")
    loaded = LatencyTable.load(tmp_path / "t.json")
    assert loaded.predict(arch) == pytest.approx(table.predict(arch))
    loaded.check_space(TINY)
    with pytest.raises(ConfigError, match="another search space|built for search space"):
        loaded.check_space(SearchSpace())
    with pytest.raises(InputError):
        LatencyTable.load(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(InputError):
        LatencyTable.load(tmp_path / "bad.json")


def test_error_report_and_fit():
    measured = [10.0, 20.0, 30.0, 40.0]
    predicted = [10.5, 19.0, 36.0, 40.0]
    rep = error_report(predicted, measured)
    assert rep["within_10pct"] == 0.75 and rep["n"] == 4
    assert rep["rmse_ms"] == pytest.approx(math.sqrt((0.25 + 1 + 36) / 4))
    offset, scale = fit_correction([1, 2, 3], [12, 14, 16])
    assert offset == pytest.approx(10) and scale == pytest.approx(2)


def test_time_interleaved_takes_min_of_round_medians():
    calls = []
    res = time_interleaved({"a": lambda: calls.append(1)}, runs=5, warmup=1, rounds=3)
    assert len(res["a"]["round_medians"]) == 3 and res["a"]["ms"] == min(res["a"]["round_medians"])


def test_build_tiny_table_torch_and_predict_close_to_measured():
    table = build_table(TINY, "torch-cpu", threads=1, runs=3, warmup=1, rounds=1, search_size=128)
    assert table.meta["units"] > 20 and all(v >= 0 for v in table.entries.values())
    arch = TINY.sample(0)
    (measured,) = measure_archs([arch], "torch-cpu", 1, runs=3, warmup=1, rounds=1, search_size=128)
    assert 0.3 < table.predict(arch) / measured < 3.0  # a loose sanity bound; real figures in docs/search.md


def test_onnxruntime_unit_and_end_to_end():
    pytest.importorskip("onnxruntime")
    units = {u.key: u for u in op_units(TINY, "onnxruntime-cpu", search_size=128)}
    fn = make_callable(units[("fusion", 16)].module, units[("fusion", 16)].inputs, "onnxruntime-cpu", 1)
    (out,) = fn()
    assert out.shape == (1, 128, 8, 8)
    (ms,) = measure_archs([TINY.sample(1)], "onnxruntime-cpu", 1, runs=3, warmup=1, rounds=1, search_size=128)
    assert ms > 0
