"""The long-run campaign (benchmarks/longrun.py, issue 19 part 3) in small: the growth and drift
criteria on known numbers, the generated scene, and both parts on a tiny setting (60 frames of 2
targets in PyTorch; 3 short clips through ``lighttrack eval --workers 2``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from benchmark_helpers import load_benchmark

lr = load_benchmark("longrun")

pytestmark = pytest.mark.skipif(not Path("/proc/self/statm").is_file(), reason="the campaign reads memory from /proc (Linux)")


def test_growth_and_drift_on_known_numbers():
    assert lr.growth_pct(200.0, 210.0) == pytest.approx(5.0)
    assert lr.drift_pct(80.0, 88.0) == pytest.approx(10.0)
    assert lr.drift_pct(80.0, 72.0) == pytest.approx(-10.0)
    with pytest.raises(ValueError):
        lr.growth_pct(0.0, 1.0)
    mb = 2**20
    # warm-up ends at position 100: the sample at 100 is the baseline, earlier ones do not count
    samples = [(0, 50 * mb), (50, 90 * mb), (100, 100 * mb), (150, 104 * mb), (200, 105 * mb), (250, 103 * mb)]
    mem = lr.memory_figures(samples, 100)
    assert (mem["baseline_mb"], mem["max_after_warmup_mb"], mem["last_mb"]) == (100.0, 105.0, 103.0)
    assert mem["growth_pct"] == pytest.approx(5.0) and mem["pass"]
    assert mem["last_growth_pct"] == pytest.approx(3.0)
    mem = lr.memory_figures(samples + [(300, 105.2 * mb)], 100)
    assert mem["growth_pct"] == pytest.approx(5.2) and not mem["pass"]
    mem = lr.memory_figures(samples, 120)  # no sample at 120: the next one (150) is the baseline
    assert mem["baseline_at"] == 150 and mem["growth_pct"] == pytest.approx(100 * 1 / 104, abs=1e-3)
    with pytest.raises(ValueError):
        lr.memory_figures(samples, 1000)

    d = lr.drift_figures(np.full(10, 0.080), np.full(10, 0.088))
    assert (d["first_ms"], d["last_ms"]) == (80.0, 88.0) and d["drift_pct"] == pytest.approx(10.0) and d["pass"]
    assert not lr.drift_figures(np.full(10, 0.080), np.full(10, 0.0885))["pass"]
    assert not lr.drift_figures(np.full(10, 0.080), np.full(10, 0.0700))["pass"]  # a speed-up is drift too
    assert lr.windows(20000, 1000, 1000) == (1000, 1000) and lr.windows(60, 1000, 1000) == (12, 12)


def test_eval_figures_on_known_completions():
    mb = 2**20
    completions = [{"clip": f"c{i}", "t": 10.0 + i, "frames": 100, "frame_s": [0.02] * 99} for i in range(20)]
    for c in completions[-2:]:
        c["frame_s"] = [0.03] * 99
    samples = [(i, (100 + (i >= 5) * 2) * mb) for i in range(21)]
    tree_cpu = [(10.0 + i, 2.0 * i) for i in range(20)]
    out = lr.eval_figures(completions, samples, tree_cpu)
    assert (out["warmup_clips"], out["window_clips"]) == (2, 2)
    assert out["memory"]["growth_pct"] == pytest.approx(2.0) and out["pass"]["rss_growth"]
    assert out["frame_time"]["drift_pct"] == pytest.approx(50.0) and not out["pass"]["frame_time_drift"]
    assert "wall_per_frame" not in out  # too few completions per window to time the run's pace
    # 60 clips of 100 frames, one done every second, the tree's CPU 1.5 s per clip, then 3 s for the last 7
    completions = [{"clip": f"c{i}", "t": float(i), "frames": 100, "frame_s": [0.01] * 99} for i in range(60)]
    tree_cpu = [(float(i), 1.5 * min(i, 53) + 3.0 * max(0, i - 53), 2.0 * i) for i in range(60)]  # the machine: 2 s a second
    out = lr.eval_figures(completions, [(i, mb) for i in range(61)], tree_cpu)
    assert out["window_clips"] == 6
    assert (out["wall_per_frame"]["first_ms"], out["wall_per_frame"]["drift_pct"]) == (10.0, 0.0)
    # last window: completions 53..59, CPU 3 s per clip over its 6 clips -> 30 ms per frame against 15
    assert (out["cpu_per_frame"]["first_ms"], out["cpu_per_frame"]["last_ms"]) == (15.0, 30.0)
    assert out["other_cores"] == {"first_window": 0.5, "last_window": 0.0}  # the rest of the 2 busy cores
    assert out["pass"] == {"rss_growth": True, "frame_time_drift": True, "wall_drift": True, "cpu_drift": False}


def test_scene_is_deterministic_and_a_prefix():
    a = lr.Scene(seed=3, targets=2, width=320, height=180, pad=16)
    b = lr.Scene(seed=3, targets=2, width=320, height=180, pad=16)
    assert np.array_equal(a.render(7), b.render(7)) and a.render(7).shape == (180, 320, 3)
    boxes = a.boxes(np.arange(2000))
    assert boxes.shape == (2000, 2, 4) and np.array_equal(boxes[7], a.boxes(7))
    assert (boxes[..., :2] >= 0).all() and (boxes[..., 0] + boxes[..., 2] <= 320).all() and (boxes[..., 1] + boxes[..., 3] <= 180).all()
    assert np.abs(np.diff(boxes[..., :2], axis=0)).max() < 3  # slow, smooth motion
    assert not np.array_equal(a.render(0), a.render(500))  # the background changes


def _check_common(report):
    assert report["criteria"] == {"max_rss_growth_pct": 5.0, "max_abs_drift_pct": 10.0}
    assert report["machine"]["cpu_count"] >= 1
    assert isinstance(report["all_pass"], bool)


def test_video_part_tiny(tmp_path, capsys):
    out = tmp_path / "longrun.json"
    report = lr.main(["--part", "video", "--frames", "60", "--targets", "2", "--width", "320", "--height", "240",
                      "--backend", "torch", "--rss-every", "5", "--video-dir", str(tmp_path / "video"), "--out", str(out)])
    printed = capsys.readouterr()
    assert json.loads(printed.out) == report == json.loads(out.read_text())
    assert "torch: " in printed.err or "video:" in printed.err  # progress on stderr
    video = report["video"]
    assert (video["frames"], video["targets"], video["width"]) == (60, 2, 320)
    assert Path(video["file"]).is_file() and video["bytes"] > 0 and not video["reused"]
    row = video["backends"]["torch"]
    assert (row["threads"], row["warmup_frames"], row["window_frames"], row["updates_per_frame"]) == (1, 12, 12, 2)
    assert row["memory"]["baseline_at"] == 15 and row["memory"]["samples"] == 13
    assert row["wall"]["first_ms"] > 0 and row["cpu"]["last_ms"] > 0
    assert row["pass"] == {"rss_growth": row["memory"]["pass"], "wall_drift": row["wall"]["pass"], "cpu_drift": row["cpu"]["pass"]}
    assert row["pass"]["rss_growth"] == (row["memory"]["growth_pct"] <= 5.0)
    assert row["tracking"]["auc"] > 0.5  # 2 slow, distinct targets: the shipped Mobile follows them
    assert len(row["load"]["before"]) == 3 and row["load"]["other_cores_whole_run"] is not None
    assert report["all_pass"] == all(row["pass"].values())
    # a second run reuses the video file and --merge keeps the other parts
    out.write_text(json.dumps({**report, "eval": {"pass": {"rss_growth": True}}}))
    again = lr.main(["--part", "video", "--frames", "60", "--targets", "2", "--width", "320", "--height", "240",
                     "--backend", "torch", "--video-dir", str(tmp_path / "video"), "--out", str(out), "--merge"])
    capsys.readouterr()
    assert again["video"]["reused"] and again["eval"] == {"pass": {"rss_growth": True}}


def test_eval_part_tiny(tmp_path, capsys):
    report = lr.main(["--part", "eval", "--clips", "3", "--clip-frames", "12", "16", "--eval-backend", "torch",
                      "--clips-dir", str(tmp_path), "--sample-s", "0.1"])
    capsys.readouterr()
    _check_common(report)
    ev = report["eval"]
    assert ev["clips"] == 3 and ev["workers"] == 2 and 36 <= ev["frames"] <= 48
    assert ev["processes_max"] >= 3  # the CLI and its two workers
    assert ev["memory"]["samples"] > 0 and ev["memory"]["baseline_mb"] > 100
    assert set(ev["pass"]) == {"rss_growth", "frame_time_drift"}
    assert ev["tracking"]["auc"] is not None
    assert sorted(p.name for p in (tmp_path / "clips").iterdir()) == ["clip000", "clip001", "clip002", "clips.json"]
    assert len(list((tmp_path / "clips" / "clip000" / "img").glob("*.jpg"))) == len((tmp_path / "clips" / "clip000" / "groundtruth.txt").read_text().splitlines())
