"""`lighttrack demo` end to end in a drastically reduced mode, and its stage cache."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from lighttrack.data.clipsets import DemoStills
from lighttrack.demo import STAGES
from lighttrack.demo import assets as A
from lighttrack.demo.pipeline import Demo
from lighttrack.demo.settings import QUICK

TINY = QUICK.replace(still_length=6, max_eval_sequences=1, video_frames=4, search_val_frames=4)


def test_shipped_assets_are_small_and_attributed():
    demo = A.DEMO_DIR
    total = sum(p.stat().st_size for p in demo.rglob("*") if p.is_file())
    assert total < 6_000_000
    assert (demo / "ATTRIBUTION.md").is_file()
    assert (demo / "stills" / "coco_mini" / "attribution.csv").is_file()
    assert not any("davis" in str(p).lower() for p in demo.rglob("*"))
    for video in A.VIDEOS.values():
        assert video.path.is_file()
    ds = DemoStills(length=5)
    assert len(ds.names) >= 10 and len(set(ds.names)) == len(ds.names)
    seq = ds[ds.names[0]]
    assert len(seq) == 5 and seq.frame(0).ndim == 3


def test_demo_runs_every_stage_and_a_rerun_skips_them(tmp_path: Path):
    out = tmp_path / "demo"
    logs: list[str] = []
    summary = Demo(TINY, out, log=logs.append, progress=False).run()
    assert list(summary["stages"]) == list(STAGES)
    for stage in STAGES:
        assert (out / "stages" / f"{stage}.json").is_file(), stage
        assert not summary["stages"][stage]["skipped"]
    assert (out / "supernet" / "supernet.pt").is_file()
    assert (out / "search" / "pareto.json").is_file()
    assert (out / "retrain" / "final.pt").is_file()
    table = summary["stages"]["evaluate"]["table"]
    # the demo's network with its stored preset (template alignment on) and alone, without it
    assert set(table) == {"lighttrack-demo", "lighttrack-demo-network-only", "kcf"}
    run_info = json.loads((out / "evaluate" / "lighttrack-demo-network-only" / "run.json").read_text())
    assert run_info["preset"] == "aligned-network-only"
    assert all(0.0 <= v["auc"] <= 1.0 for v in table.values())
    assert (out / "export" / "onnx" / "track.onnx").is_file()
    assert (out / "track" / "bigbuckbunny.mp4").stat().st_size > 0
    assert len((out / "track" / "boxes.txt").read_text().splitlines()) == 4
    page = (out / "report" / "index.html").read_text()
    assert "KCF" in page and "pareto.png" in page and "bigbuckbunny.mp4" in page
    assert (out / "report" / "pareto.png").is_file()
    assert any(p.suffix == ".png" and "success" in p.name for p in (out / "report").iterdir())

    # second run: every stage is skipped, nothing is recomputed
    mtime = (out / "retrain" / "final.pt").stat().st_mtime_ns
    logs.clear()
    again = Demo(TINY, out, log=logs.append, progress=False).run()
    assert all(again["stages"][s]["skipped"] for s in STAGES)
    assert sum("skipped" in line for line in logs) == len(STAGES)
    assert (out / "retrain" / "final.pt").stat().st_mtime_ns == mtime

    # --redo report reruns only the report
    demo = Demo(TINY, out, log=logs.append, progress=False)
    demo.redo(["report"])
    third = demo.run()
    assert not third["stages"]["report"]["skipped"]
    assert third["stages"]["track"]["skipped"]

    # other settings in the same folder are refused rather than mixed
    with pytest.raises(Exception, match="other settings"):
        Demo(TINY.replace(retrain_steps=3), out, log=logs.append, progress=False).run()
    assert json.loads((out / "summary.json").read_text())["mode"] == "quick"


def test_demo_supernet_inherits_the_shipped_searched_model(tmp_path: Path):
    if A.pretrained_weights("lighttrack-m300") is None:
        pytest.skip("no shipped lighttrack-m300 weights")
    out = tmp_path / "demo"
    summary = Demo(TINY.replace(use_pretrained=True), out, log=lambda m: None, progress=False).run(until="retrain")
    assert summary["stages"]["supernet"]["init"] == "inherited from the shipped lighttrack-m300 weights"
    sup = yaml.safe_load((out / "supernet" / "config.yaml").read_text())
    assert sup["model"]["init"].endswith("lighttrack-m300.pt")
    assert sup["sampling"] == {**sup["sampling"], "strategy": "constrained", "max_macs": TINY.max_macs}
    assert sup["train"]["lr"] == pytest.approx(TINY.supernet_lr * TINY.inherited_lr_scale)
    retrain = yaml.safe_load((out / "retrain" / "config.yaml").read_text())
    assert retrain["train"]["bn"] == "frozen" and retrain["train"]["bn_recalibrate"] >= 1
    assert retrain["train"]["lr"] == pytest.approx(TINY.retrain_lr * TINY.inherited_lr_scale)
