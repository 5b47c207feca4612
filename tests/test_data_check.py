"""`lighttrack data check` / `stats`: bad input is reported per sequence, never a crash."""

from __future__ import annotations

import json

import data_helpers as h
import numpy as np

from lighttrack.cli import main
from lighttrack.data import open_dataset
from lighttrack.data.validate import check_dataset, dataset_stats, format_report


def _broken_folder(tmp_path):
    root = tmp_path / "broken"
    for name in ("good", "truncated", "missing", "empty_gt", "short_gt", "zero_box"):
        for i in range(4):
            h.write_jpg(root / name / "img" / f"{i:04d}.jpg", seed=i)
        h.write_text(root / name / "groundtruth.txt", h.boxes_text([[2, 3, 10, 9]] * 4))
    data = (root / "truncated" / "img" / "0002.jpg").read_bytes()
    (root / "truncated" / "img" / "0002.jpg").write_bytes(data[: len(data) // 2])
    (root / "missing" / "img" / "0001.jpg").unlink()  # a gap in the middle
    h.write_text(root / "empty_gt" / "groundtruth.txt", "")
    h.write_text(root / "short_gt" / "groundtruth.txt", h.boxes_text([[2, 3, 10, 9]] * 2))
    h.write_text(root / "zero_box" / "groundtruth.txt", "2,3,10,9\n2,3,0,9\nnan,nan,nan,nan\n2,3,-1,4\n")
    return root


def test_check_reports_each_kind_of_problem(tmp_path):
    ds = open_dataset("folder", _broken_folder(tmp_path))
    reports = {r.name: r for r in check_dataset(ds, progress=False)}
    kinds = {name: {p.kind for p in r.problems} for name, r in reports.items()}
    assert kinds["good"] == set()
    assert kinds["truncated"] == {"unreadable"}
    assert kinds["missing"] == {"missing_frames"}
    assert "empty_gt" in kinds["empty_gt"]
    assert kinds["short_gt"] == {"gt_mismatch"}
    assert kinds["zero_box"] == {"invalid_boxes"}
    # the missing middle frame keeps later boxes on the right images
    missing = ds["missing"]
    assert len(missing) == 4 and missing.frame_paths[1].endswith("0001.jpg")
    table = format_report(list(reports.values()))
    assert "5 sequence(s)" in table and "truncated image" in table and "frame 3" in table


def test_check_cli_exit_codes_and_json(tmp_path, capsys):
    assert main(["data", "check", str(h.make_folder(tmp_path / "ok")), "--format", "folder"]) == 0
    assert "no problems found" in capsys.readouterr().out
    bad = _broken_folder(tmp_path)
    assert main(["data", "check", str(bad), "-f", "folder", "--json"]) == 1
    findings = json.loads(capsys.readouterr().out)
    assert {f["sequence"] for f in findings} == {"truncated", "missing", "empty_gt", "short_gt", "zero_box"}
    assert main(["data", "check", str(tmp_path / "nothing"), "-f", "got10k"]) == 2  # DataError, no traceback
    assert "does not exist" in capsys.readouterr().err


def test_check_decode_catches_garbage_files(tmp_path):
    root = h.make_folder(tmp_path)
    (root / "walk" / "img" / "0003.jpg").write_bytes(b"\xff\xd8 not a jpeg at all \xff\xd9")
    reports = check_dataset(open_dataset("folder", root), decode=True, progress=False)
    assert [p.kind for p in reports[0].problems] == ["unreadable"]


def test_stats_counts_and_histogram(tmp_path, capsys):
    root = h.make_got10k(tmp_path)
    stats = dataset_stats(open_dataset("got10k", root, "train"), progress=False)
    assert stats["sequences"] == 2 and stats["frames"] == 10
    assert stats["absent_frames"] == 4 and stats["usable_frames"] == 6
    assert sum(stats["box_size_px"]["histogram"].values()) == 6
    assert stats["box_size_px"]["histogram"]["8-16"] == 6  # sqrt(10*8) ~ 8.9
    assert main(["data", "stats", str(root), "--split", "train", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["frames"] == 10
    assert main(["data", "stats", "--root", str(root), "-f", "got10k", "--split", "val"]) == 0
    assert "absent frames" in capsys.readouterr().out


def test_got10k_test_split_is_not_flagged(tmp_path):
    reports = check_dataset(open_dataset("got10k", h.make_got10k(tmp_path), "test"), progress=False)
    assert all(r.ok for r in reports)
    assert np.isnan(open_dataset("got10k", h.make_got10k(tmp_path), "test")[0].boxes[1]).all()
