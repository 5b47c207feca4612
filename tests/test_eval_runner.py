"""Runner, result files, resume, workers, bad input, packing and reports on tiny synthetic data."""

import json
import zipfile

import numpy as np
import pytest

from lighttrack.data.synthetic import SyntheticDataset
from lighttrack.errors import InputError
from lighttrack.eval import metrics as M
from lighttrack.eval.pack import pack_results
from lighttrack.eval.protocols import PROTOCOLS, protocol_for
from lighttrack.eval.report import make_report
from lighttrack.eval.results import ResultStore, read_boxes
from lighttrack.eval.runner import (RESULTS_DIR, evaluate_run, format_result, run_benchmark)


def tiny(n=3, length=12, seed=0):
    return SyntheticDataset(num_sequences=n, length=length, seed=seed, size=(160, 120))


def test_ope_run_writes_otb_layout_and_evaluates(tmp_path):
    ds = tiny()
    out = tmp_path / "run"
    info = run_benchmark(ds, "static", out, PROTOCOLS["ope"], progress=False)
    assert sorted(info["ran"]) == sorted(ds.names) and info["skipped"] == []
    for name in ds.names:
        boxes = read_boxes(out / RESULTS_DIR / f"{name}.txt", expected=len(ds[name]))
        np.testing.assert_allclose(boxes[0], ds[name].boxes[0], atol=1e-3)
        assert (out / RESULTS_DIR / "times" / f"{name}_time.txt").is_file()
    res = evaluate_run(ds, out, PROTOCOLS["ope"])
    s = res["summary"]
    assert 0 <= s["auc"] <= 1 and 0 <= s["precision"] <= 1 and len(s["success_curve"]) == 21
    assert json.loads((out / "metrics.json").read_text())["summary"]["auc"] == pytest.approx(s["auc"])
    text = format_result(res)
    assert "protocol: ope" in text and "Success(AUC)" in text


class _Boom(Exception):
    pass


class _CrashAfter:
    """Tracks like 'static' but crashes on the n-th init (simulates an interrupted run)."""

    is_deterministic = True

    def __init__(self, n):
        self.n, self.inits, self.box = n, 0, None

    def init(self, frame, box):
        self.inits += 1
        if self.inits > self.n:
            raise _Boom()
        self.box = np.asarray(box, float)

    def update(self, frame):
        return M.np.asarray(self.box), 1.0


def test_resume_after_interruption(tmp_path):
    ds = tiny()
    out = tmp_path / "run"
    with pytest.raises(_Boom):
        run_benchmark(ds, "static", out, PROTOCOLS["ope"], progress=False, tracker=_CrashAfter(1))
    store = ResultStore(out / RESULTS_DIR, "ope")
    done = [n for n in ds.names if store.is_complete(n, len(ds[n]))]
    assert done == ds.names[:1]
    info = run_benchmark(ds, "static", out, PROTOCOLS["ope"], progress=False)
    assert info["skipped"] == ds.names[:1] and sorted(info["ran"]) == sorted(ds.names[1:])
    # a truncated file (e.g. written by another tool) is redone
    p = out / RESULTS_DIR / f"{ds.names[2]}.txt"
    p.write_text("\n".join(p.read_text().splitlines()[:5]) + "\n")
    info = run_benchmark(ds, "static", out, PROTOCOLS["ope"], progress=False)
    assert info["ran"] == [ds.names[2]]


def test_run_folder_refuses_another_tracker(tmp_path):
    ds = tiny(n=1)
    run_benchmark(ds, "static", tmp_path / "r", PROTOCOLS["ope"], progress=False)
    with pytest.raises(InputError, match="already holds a run"):
        run_benchmark(ds, "kcf", tmp_path / "r", PROTOCOLS["ope"], progress=False)


def test_kcf_workers_match_single_process(tmp_path):
    ds = tiny(n=2, length=8)
    run_benchmark(ds, "kcf", tmp_path / "one", PROTOCOLS["ope"], progress=False)
    run_benchmark(ds, "kcf", tmp_path / "two", PROTOCOLS["ope"], progress=False, workers=2)
    for name in ds.names:
        a = read_boxes(tmp_path / "one" / RESULTS_DIR / f"{name}.txt")
        b = read_boxes(tmp_path / "two" / RESULTS_DIR / f"{name}.txt")
        np.testing.assert_allclose(a, b)
    r = evaluate_run(ds, tmp_path / "one", PROTOCOLS["ope"])
    assert 0 < r["summary"]["auc"] <= 1


def test_got10k_layout_and_metrics(tmp_path):
    ds = tiny(n=2)
    proto = protocol_for("got10k")
    run_benchmark(ds, "static", tmp_path / "g", proto, progress=False, repetitions=3)
    for name in ds.names:
        for r in (1, 2, 3):
            assert (tmp_path / "g" / RESULTS_DIR / name / f"{name}_{r:03d}.txt").is_file()
        times = (tmp_path / "g" / RESULTS_DIR / name / f"{name}_time.txt").read_text().splitlines()
        assert len(times) == len(ds[name]) and len(times[0].split(",")) == 3
    res = evaluate_run(ds, tmp_path / "g", proto)
    s = res["summary"]
    assert 0 <= s["ao"] <= 1 and s["sr75"] <= s["sr50"]
    # pooled over 3 repetitions of frames 1..N-1 with a visible target
    expected = sum(3 * int(np.sum(ds[n].visible[1:] & M.valid_boxes(ds[n].boxes[1:]))) for n in ds.names)
    assert s["frames"] == expected


def test_vot_supervised_run_and_files(tmp_path):
    ds = tiny(n=2, length=40)
    proto = protocol_for("vot")
    run_benchmark(ds, "static", tmp_path / "v", proto, progress=False)
    name = ds.names[0]
    lines = (tmp_path / "v" / RESULTS_DIR / "baseline" / name / f"{name}_001.txt").read_text().splitlines()
    assert lines[0] == "1" and len(lines) == 40
    res = evaluate_run(ds, tmp_path / "v", proto)
    s = res["summary"]
    assert set(s["eao"]) == {"vot2016", "vot2017", "vot2018", "vot2019"}
    assert 0 <= s["accuracy"] <= 1 and s["lost"] >= 0
    assert "Accuracy" in format_result(res)


def test_bad_result_files_give_clear_errors(tmp_path):
    ds = tiny(n=2)
    out = tmp_path / "run"
    run_benchmark(ds, "static", out, PROTOCOLS["ope"], progress=False)
    a, b = ds.names
    p = out / RESULTS_DIR / f"{a}.txt"
    lines = p.read_text().splitlines()
    p.write_text("\n".join(lines[:-1]) + "\n")
    with pytest.raises(InputError, match=r"11 lines, but the sequence has 12 frames"):
        evaluate_run(ds, out, PROTOCOLS["ope"])
    p.write_text("\n".join(lines[:3] + ["nan,nan,nan,nan"] + lines[4:]) + "\n")
    res = evaluate_run(ds, out, PROTOCOLS["ope"])
    assert res["per_sequence"][a]["nan_predictions"] == 1
    assert any("replaced by the previous frame" in n for n in res["notes"])
    p.write_text("\n".join(lines[:3] + ["1,2,three,4"] + lines[4:]) + "\n")
    with pytest.raises(InputError, match=r":4: cannot read"):
        evaluate_run(ds, out, PROTOCOLS["ope"])
    p.unlink()
    with pytest.raises(InputError, match=r"results missing for 1 of 2 sequences"):
        evaluate_run(ds, out, PROTOCOLS["ope"])


def test_pack_got10k_and_trackingnet(tmp_path):
    ds = tiny(n=2)
    run_benchmark(ds, "static", tmp_path / "g", protocol_for("got10k"), progress=False)
    info = pack_results(ds, ResultStore(tmp_path / "g" / RESULTS_DIR, "got10k"), tmp_path / "g.zip")
    names = set(zipfile.ZipFile(tmp_path / "g.zip").namelist())
    expected = {f"{n}/{n}_001.txt" for n in ds.names} | {f"{n}/{n}_time.txt" for n in ds.names}
    assert names == expected and info["sequences"] == 2
    run_benchmark(ds, "static", tmp_path / "t", protocol_for("trackingnet"), progress=False)
    p = tmp_path / "t" / RESULTS_DIR / f"{ds.names[0]}.txt"
    lines = p.read_text().splitlines()
    p.write_text("\n".join(lines[:2] + ["nan,nan,nan,nan"] + lines[3:]) + "\n")
    info = pack_results(ds, ResultStore(tmp_path / "t" / RESULTS_DIR, "trackingnet"), tmp_path / "t.zip")
    zf = zipfile.ZipFile(tmp_path / "t.zip")
    assert set(zf.namelist()) == {f"{n}.txt" for n in ds.names}
    assert info["nan_boxes_filled"] == 1 and "nan" not in zf.read(f"{ds.names[0]}.txt").decode()
    (tmp_path / "t" / RESULTS_DIR / f"{ds.names[1]}.txt").unlink()
    with pytest.raises(InputError, match="results missing"):
        pack_results(ds, ResultStore(tmp_path / "t" / RESULTS_DIR, "trackingnet"), tmp_path / "t2.zip")


def test_report_table_plots_html(tmp_path):
    ds = tiny(n=2, length=10)
    for spec in ("static", "kcf"):
        run_benchmark(ds, spec, tmp_path / spec, PROTOCOLS["ope"], progress=False)
        evaluate_run(ds, tmp_path / spec, PROTOCOLS["ope"])
    rep = make_report([tmp_path / "static", tmp_path / "kcf"], tmp_path / "rep")
    assert len(rep["tables"]) == 1 and len(rep["tables"][0]["rows"]) == 2
    for f in ("success_ope.png", "precision_ope.png", "report.html"):
        assert (tmp_path / "rep" / f).stat().st_size > 0
    assert "static" in (tmp_path / "rep" / "report.html").read_text()
    with pytest.raises(InputError, match="no metrics.json"):
        make_report([tmp_path / "nothing"], tmp_path / "rep2")


def test_tracker_spec_may_name_a_model_with_shipped_weights():
    from lighttrack.eval.baselines import describe_tracker, make_tracker
    from lighttrack.models import default_weights

    if default_weights("lighttrack-m300") is None:
        pytest.skip("no shipped lighttrack-m300 weights")
    tracker = make_tracker("lighttrack-m300", "default")
    assert hasattr(tracker, "init") and hasattr(tracker, "update")
    assert describe_tracker("lighttrack-m300") == "shipped weights"
    with pytest.raises(InputError, match="shipped weights"):
        make_tracker("no-such-model")
