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


def test_demo_supernet_inherits_the_official_mobile_and_the_search_starts_from_it(tmp_path: Path):
    if A.pretrained_weights("lighttrack-mobile-official") is None:
        pytest.skip("no shipped lighttrack-mobile-official weights")
    out = tmp_path / "demo"
    logs: list[str] = []
    summary = Demo(TINY.replace(use_pretrained=True), out, log=logs.append, progress=False).run(until="retrain")
    assert summary["stages"]["supernet"]["init"] == "inherited from the shipped lighttrack-mobile-official weights"
    sup = yaml.safe_load((out / "supernet" / "config.yaml").read_text())
    assert sup["model"]["init"].endswith("lighttrack-mobile-official.pt")
    assert sup["sampling"] == {**sup["sampling"], "strategy": "constrained", "max_macs": TINY.max_macs}
    assert sup["train"]["lr"] == pytest.approx(TINY.supernet_lr * TINY.inherited_lr_scale)
    # the search runs at every input size and its first generation starts from the official Mobile,
    # which fits the MACs limit only on the smaller crop
    search = summary["stages"]["search"]
    cfg = yaml.safe_load((out / "search" / "config.yaml").read_text())
    assert cfg["search_sizes"] == list(TINY.search_sizes) and cfg["start"] == ["lighttrack-mobile-official"]
    points = json.loads((out / "search" / "all_candidates.json").read_text())
    from lighttrack.arch import Arch

    mobile = str(Arch.parse("back_04502514044521042540+cls_211000022+reg_100000111_ops_32").canonical())
    assert [p["search_size"] for p in points if p["path"] == mobile] == [192]
    spread = search["fitness_spread"]
    assert spread["candidates"] == len(points) and spread["min"] <= spread["median"] <= spread["max"] == search["fitness"]
    assert any("fitness of" in m and "runner-up" in m for m in logs)
    retrain = yaml.safe_load((out / "retrain" / "config.yaml").read_text())
    assert retrain["train"]["bn"] == "frozen" and retrain["train"]["bn_recalibrate"] >= 1
    assert retrain["train"]["lr"] == pytest.approx(TINY.retrain_lr * TINY.inherited_lr_scale)
    # both training stages learn from the inherited model's outputs (crops smaller than its 256 px: aligned)
    for stage in (sup, retrain):
        assert stage["distill"]["teacher"] == "lighttrack-mobile-official" and stage["distill"]["grid"] == "align"
        assert stage["distill"]["cls_weight"] > 0 and stage["distill"]["box_weight"] > 0
    # the retrained weights carry the inherited model's rates with the demo's refiners, at the crop
    # size the search chose
    from lighttrack.tracker.tracker import carried_preset

    carried, official = carried_preset(str(out / "retrain" / "final.pt")), carried_preset("lighttrack-mobile-official")
    assert carried.small_size == search["search_size"] and carried.align and carried.calibration == 1.0
    assert (carried.penalty_k, carried.window_influence, carried.lr) == (official.penalty_k, official.window_influence, official.lr)
    no_teacher = Demo(TINY.replace(use_pretrained=True, teacher_from_source=False), tmp_path / "plain", log=lambda m: None,
                      progress=False).run(until="supernet")
    assert "distill" not in yaml.safe_load((tmp_path / "plain" / "supernet" / "config.yaml").read_text()) or \
        yaml.safe_load((tmp_path / "plain" / "supernet" / "config.yaml").read_text())["distill"]["teacher"] is None
    assert no_teacher["stages"]["supernet"]["inherited_from"] == "lighttrack-mobile-official"


def test_report_front_plot_joins_the_rows_no_other_beats(tmp_path: Path):
    from lighttrack.demo.report import front_plot

    table = {"a": {"auc": 0.8, "macs": 5e8, "fps": 20.0}, "b": {"auc": 0.6, "macs": 1e8, "fps": 90.0},
             "c": {"auc": 0.5, "macs": 3e8, "fps": 10.0}, "kcf": {"auc": 0.7, "fps": 200.0}}
    path = front_plot(table, tmp_path / "front.png")
    assert path.stat().st_size > 1000
    assert front_plot({"kcf": {"auc": 0.7, "fps": 200.0}}, tmp_path / "none.png") is None
