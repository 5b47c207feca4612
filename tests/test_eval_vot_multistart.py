"""VOT2020+ multi-start: the protocol's pieces, a generated VOT2020 workspace end to end, bad input,
and agreement with vot-toolkit 0.9 on the same result files (when its environment exists)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import vot2020_helpers as V

from lighttrack.cli import main
from lighttrack.data import open_dataset
from lighttrack.data.validate import check_dataset
from lighttrack.data.vot_regions import EMPTY, RECT, Region, parse_region, read_regions
from lighttrack.eval import multistart as MS
from lighttrack.eval.multistart_run import evaluate_multistart
from lighttrack.eval.multistart_store import MultiStartStore
from lighttrack.eval.protocols import vot_protocol
from lighttrack.eval.vot_overlap import vot_overlap

VOT_VENV = Path(os.environ.get("VOT_VENV", "/tmp/lt-vot-venv"))


def test_failure_needs_ten_frames_and_empty_truth_restarts_the_count():
    o = [0.8] * 5 + [0.05] * 9 + [0.7] + [0.0] * 10 + [0.6]
    assert MS.failure_progress(o, [False] * len(o)) == 15  # the first of ten bad frames in a row
    empty = [False] * len(o)
    empty[20] = True
    assert MS.failure_progress(o, empty) == len(o)  # never ten in a row
    assert MS.find_anchors([1, 0, 0, -1, 2]) == ([0, 4], [3])
    assert MS.run_frames(3, 6, backward=True) == [3, 2, 1, 0]


def test_overlap_of_pixel_sets():
    a, b = Region(RECT, (0, 0, 10, 10)), Region(RECT, (5, 0, 10, 10))
    assert vot_overlap(a, b, (100, 100)) == pytest.approx(50 / 150)
    assert vot_overlap(a, b, (8, 100)) == pytest.approx(30 / 80)  # bounded by the image: columns 0-7
    assert vot_overlap(Region(EMPTY, code=0), Region(EMPTY, code=1), (100, 100)) == 1.0
    assert vot_overlap(Region(EMPTY, code=1), a, (100, 100)) == 0.0
    mask = parse_region("m2,3,4,2,1,3,0,4")  # rows 3-4, columns 3-5 and 2-5
    assert (mask.offset, mask.mask.sum()) == ((2, 3), 7)
    assert vot_overlap(mask, Region(RECT, (2, 3, 4, 2)), (20, 20)) == pytest.approx(7 / 8)


def test_workspace_scores_and_cli(tmp_path, capsys):
    seqs = V.make_workspace(tmp_path)
    ds = open_dataset("vot", seqs)
    assert all(r.ok for r in check_dataset(ds, progress=False))
    assert vot_protocol(ds).name == "vot-multistart"
    np.testing.assert_allclose(ds["bolt"].boxes[150], np.nan)  # an empty mask: absent
    run = tmp_path / "run"
    V.write_results(MultiStartStore(run / "results"), ds)
    summary, _ = evaluate_multistart(ds, MultiStartStore(run / "results"), ds.names)
    assert summary["runs"] == 10 and 0 < summary["failures"] < 10
    assert 0 < summary["eao"] < summary["accuracy"] < 1 and 0 < summary["robustness"] < 1
    assert main(["eval", "--results-only", "--out", str(run), "--dataset", "vot", "--root", str(seqs), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["protocol"]["name"] == "vot-multistart"  # recognised from anchor.value
    assert doc["summary"]["eao"] == pytest.approx(summary["eao"], abs=1e-12)


def test_tracking_runs_every_anchor_and_resumes(tmp_path, capsys):
    seqs = V.make_workspace(tmp_path)
    for name in ("ants", "bolt"):
        shutil.rmtree(seqs / name)
    (seqs / "list.txt").write_text("crane\n")
    out = tmp_path / "run"
    args = ["eval", "--tracker", "static", "--dataset", "vot", "--root", str(seqs), "--out", str(out), "--no-progress"]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "vot-multistart" in text and "3 runs from anchors" in text
    backward = (out / "results" / "baseline" / "crane" / "crane_00000070.txt").read_text().split()
    assert len(backward) == 71 and backward[0] == "1"
    assert main(args) == 0
    assert "resumed past 1 already done" in capsys.readouterr().out


def test_bad_anchor_and_mask_are_named_and_refused(tmp_path, capsys):
    seqs = V.make_workspace(tmp_path)
    anchor = seqs / "crane" / "anchor.value"
    anchor.write_text(anchor.read_text() + "0\n0\n")
    gt = seqs / "ants" / "groundtruth.txt"
    lines = gt.read_text().splitlines()
    lines[6] = "m10,10,3,3,0,20"  # 20 set pixels in a 3x3 mask
    gt.write_text("\n".join(lines) + "\n")
    assert main(["data", "check", str(seqs), "-f", "vot", "--json"]) == 1
    found = {f["sequence"]: " ".join(p["detail"] for p in f["problems"]) for f in json.loads(capsys.readouterr().out)}
    assert f"{gt}:7: mask does not decode" in found["ants"]
    assert f"{anchor}: 142 values for 140 frames" in found["crane"]
    run = tmp_path / "run"
    ds = open_dataset("vot", seqs)
    V.write_results(MultiStartStore(run / "results"), open_dataset("vot", V.make_workspace(tmp_path / "good")))
    for bad, message in (("crane", f"{anchor}: 142 values, but sequence crane has 140 frames"),
                         ("ants", f"{gt}:7: runs cover 20 pixels")):
        code = main(["eval", "--results-only", "--out", str(run), "--dataset", "vot", "--root", str(seqs),
                     "--sequences", bad])
        err = capsys.readouterr().err
        assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert ds["bolt"].issues == ()  # nothing else is lost


def test_result_file_of_wrong_length_is_refused(tmp_path, capsys):
    seqs = V.make_workspace(tmp_path)
    run = tmp_path / "run"
    ds = open_dataset("vot", seqs)
    V.write_results(MultiStartStore(run / "results"), ds, binary_run=None)
    path = run / "results" / "baseline" / "crane" / "crane_00000100.txt"
    path.write_text("\n".join(path.read_text().split()[:-1]) + "\n")
    assert main(["eval", "--results-only", "--out", str(run), "--dataset", "vot", "--root", str(seqs)]) == 2
    assert f"{path}: 39 regions, but the run from frame 100 has 40 frames" in capsys.readouterr().err


def test_binary_regions_round_trip(tmp_path):
    mask = np.zeros((6, 7), np.uint8)
    mask[2:5, 1:4] = 1
    path = tmp_path / "g.bin"
    path.write_bytes(V.binary_regions([mask, (1.5, 2.0, 3.0, 4.0), 1]))
    regions = read_regions(path)
    assert [r.kind for r in regions] == ["mask", "rect", "empty"] and regions[0].mask.sum() == 9
    path.write_bytes(path.read_bytes()[:-3])
    with pytest.raises(ValueError, match="g.bin: region 2: the file ends inside it"):
        read_regions(path)


@pytest.mark.skipif(not (VOT_VENV / "bin" / "vot").is_file(),
                    reason=f"vot-toolkit 0.9 is not installed in {VOT_VENV} (it pins its own packages, so it lives in "
                           "its own environment: python3 -m venv $VOT_VENV && $VOT_VENV/bin/pip install "
                           "vot-toolkit==0.9.0 attributee==0.1.9; see scripts/vot_integration.sh)")
def test_agrees_with_vot_toolkit(tmp_path):
    seqs = V.make_workspace(tmp_path)
    ds = open_dataset("vot", seqs)
    store = MultiStartStore(tmp_path / "results" / "lighttrack")
    V.write_results(store, ds)
    (tmp_path / "stack.yaml").write_text(
        "title: lighttrack multi-start agreement\nexperiments:\n  baseline:\n    type: multistart\n    analyses:\n"
        "      - {type: multistart_eao_score, name: eao, low: 115, high: 755}\n"
        "      - {type: multistart_eao_score, name: eao_short, low: 10, high: 60}\n"
        "      - {type: multistart_average_ar, name: ar}\n")
    (tmp_path / "config.yaml").write_text("registry:\n- ./trackers.ini\nstack: stack.yaml\nsequences: sequences\n")
    (tmp_path / "trackers.ini").write_text("[lighttrack]\nlabel = lighttrack\nprotocol = python\ncommand = none:none\n")
    proc = subprocess.run([str(VOT_VENV / "bin" / "vot"), "analysis", "--workspace", str(tmp_path), "--format", "json",
                           "--name", "agreement", "lighttrack"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    (eao,), (eao_short,), (accuracy, robustness, *_) = (r[0] for r in json.loads(
        (tmp_path / "analysis" / "agreement.json").read_text())["results"]["baseline"]["results"])
    ours, _ = evaluate_multistart(ds, store, ds.names)
    short, _ = evaluate_multistart(ds, store, ds.names, low=10, high=60)
    print(json.dumps({"toolkit": [eao, eao_short, accuracy, robustness],
                      "lighttrack": [ours["eao"], short["eao"], ours["accuracy"], ours["robustness"]]}))
    assert ours["eao"] == pytest.approx(eao, abs=1e-6) and short["eao"] == pytest.approx(eao_short, abs=1e-6)
    assert ours["accuracy"] == pytest.approx(accuracy, abs=1e-6)
    assert ours["robustness"] == pytest.approx(robustness, abs=1e-6)
