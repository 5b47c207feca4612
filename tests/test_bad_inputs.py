"""The bad-input campaign (benchmarks/bad_inputs.py, issue 19 part 2) on a fixed, seeded sample:
every malformed input ends in a clear one-line error or in documented handling, never in a
traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

from benchmark_helpers import load_benchmark

bad = load_benchmark("bad_inputs")


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("LIGHTTRACK_CACHE_DIR", str(tmp_path / "cache"))


def test_the_campaign_has_hundreds_of_distinct_cases():
    cases = bad.all_cases()
    assert len(cases) >= 300
    groups = {c.group for c in cases}
    assert {"reader", "data check", "track", "eval", "export", "checkpoint", "onnx", "train", "search"} <= groups


def test_a_seeded_sample_raises_no_bug(tmp_path):
    cases = bad.sample_cases(40, seed=19)
    results = [bad.run_case(case, tmp_path) for case in cases]
    failures = [(r["case"], r["detail"]) for r in results if r["outcome"] not in ("error", "handled")]
    assert not failures
    assert bad.summarize(results)["cases"] == 40


@pytest.mark.parametrize("name, outcome", [
    ("checkpoint/load_weights_pickle_code", "error"),  # a pickle carrying code: refused, the code never runs
    ("track/weights_torch_pickle_code", "error"),
    ("onnx/from_onnx_wrong_shape", "error"),           # a graph of the wrong output shape
    ("read/coco/bbox_text", "handled"),                # the campaign's fixes: the box is marked absent
    ("read/realvideo/meta_frames_text", "error"),
    ("search/config_population_text", "error"),
    ("train/config_lr_nan", "error"),
    ("eval/kcf_gt_box_outside_frame", "error"),
    ("track/folder_truncated_jpeg", "handled"),         # the frame keeps the previous box, counted in the summary
])
def test_named_cases(name, outcome, tmp_path):
    case = next(c for c in bad.all_cases() if c.name == name)
    result = bad.run_case(case, tmp_path)
    assert result["outcome"] == outcome, result
    assert not (tmp_path / "PWNED_BY_PICKLE").exists()


def test_a_real_process_prints_one_line_and_no_traceback(tmp_path):
    case = next(c for c in bad.all_cases() if c.name == "track/weights_pickle_code")
    folder = tmp_path / "case"
    folder.mkdir()
    _, argv = case.make(folder)
    proc = subprocess.run([sys.executable, "-m", "lighttrack", *argv], capture_output=True, text=True, timeout=300,
                          cwd=folder)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    errors = [ln for ln in proc.stderr.splitlines() if ": error:" in ln]
    assert len(errors) == 1 and proc.stderr.strip().splitlines()[-1] == errors[0]
    assert not (folder / "PWNED_BY_PICKLE").exists()
