"""benchmarks/realvideo.py on tiny generated real-video and DAVIS folders: JSON out, per-clip
file, resume, and a clear error when a data root is not set."""

from __future__ import annotations

import json

import pytest
from pathlib import Path

import cv2
import numpy as np
from benchmark_helpers import load_benchmark


def _clip(folder: Path, frames: int = 5, one_based: bool = True) -> None:
    (folder / "img").mkdir(parents=True)
    rng = np.random.default_rng(len(str(folder)))
    patch = rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)
    rows = []
    for i in range(frames):
        frame = np.full((96, 128, 3), 70, np.uint8)
        x, y = 30 + 3 * i, 40 + i
        frame[y:y + 16, x:x + 16] = patch
        cv2.imwrite(str(folder / "img" / f"{i + 1:05d}.jpg"), frame)
        rows.append(f"{x + one_based},{y + one_based},16,16")
    (folder / "groundtruth.txt").write_text("\n".join(rows) + "\n")
    if one_based:
        (folder / "meta.json").write_text(json.dumps({"frames": frames, "width": 128, "height": 96}))


def test_benchmark_runs_resumes_and_writes_json(tmp_path, monkeypatch, capsys):
    rv, davis = tmp_path / "rv", tmp_path / "davis"
    _clip(rv / "B" / "a")
    _clip(rv / "B" / "b")
    _clip(davis / "val" / "c", one_based=False)
    _clip(davis / "train" / "d", one_based=False)
    split = tmp_path / "split.txt"
    split.write_text("realvideo B/a val\nrealvideo B/b train\ndavis2016 val/c val\ndavis2016 train/d train\n")
    monkeypatch.setenv("LIGHTTRACK_REALVIDEO", str(rv))
    monkeypatch.setenv("LIGHTTRACK_DAVIS", str(davis))
    bench = load_benchmark("realvideo")
    out, per_clip, work = tmp_path / "out.json", tmp_path / "clips.json", tmp_path / "work"
    args = ["--split-file", str(split), "--trackers", "static,kcf", "--work", str(work), "--max-frames", "4",
            "--out", str(out), "--per-clip", str(per_clip)]
    assert bench.main(args) == 0
    result = json.loads(out.read_text())
    assert json.loads(capsys.readouterr().out) == result  # the same JSON is printed
    assert result["clips"] == 2 and result["frames"] == 8 and result["clips_per_source"] == {"realvideo": 1, "davis2016": 1}
    assert len(result["machine"]["loadavg_start"]) == 3
    static, kcf = result["trackers"]["static"], result["trackers"]["kcf"]
    for entry in (static, kcf):
        assert {"auc", "precision", "norm_precision", "fps", "by_source"} <= set(entry)
        assert entry["clips_run"] == 2 and entry["clips_reused"] == 0
    assert kcf["auc"] > static["auc"]  # the target moves 3 px a frame: following it beats standing still
    clips = json.loads(per_clip.read_text())["trackers"]["kcf"]
    assert set(clips) == {"realvideo/B/a", "davis2016/val/c"} and clips["realvideo/B/a"]["frames"] == 4
    assert (work / "val-max4" / "kcf" / "results").is_dir()

    assert bench.main(args) == 0  # a rerun reuses every finished clip
    again = json.loads(out.read_text())
    assert again["trackers"]["kcf"]["clips_reused"] == 2 and again["trackers"]["kcf"]["auc"] == kcf["auc"]


def test_benchmark_names_an_unset_root(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("LIGHTTRACK_REALVIDEO", raising=False)
    bench = load_benchmark("realvideo")
    assert bench.main(["--trackers", "static", "--work", str(tmp_path)]) == 2
    assert "LIGHTTRACK_REALVIDEO is not set" in capsys.readouterr().err
    assert bench.main(["--trackers", "static,nope", "--realvideo", str(tmp_path), "--davis", str(tmp_path)]) == 2


def test_extra_trackers_are_parsed_and_checked():
    from lighttrack.errors import InputError

    bench = load_benchmark("realvideo")
    assert bench.parse_extra(["new=runs/x/final.pt", "new-net=runs/x/final.pt,network-only", "tuned=lighttrack-mobile,p.yaml"]) == {
        "new": ("runs/x/final.pt", None), "new-net": ("runs/x/final.pt", "network-only"),
        "tuned": ("lighttrack-mobile", "p.yaml")}
    for bad in ("no-equals", "=spec", "name=", "kcf=csrt"):
        with pytest.raises(InputError, match="--extra"):
            bench.parse_extra([bad])
