"""Helpers of benchmarks/search_vs_random.py, ranking_official.py and front.py."""

import json

from benchmark_helpers import load_benchmark

from lighttrack.search.constraints import Costs
from lighttrack.space import SearchSpace

svr = load_benchmark("search_vs_random")
ranking = load_benchmark("ranking_official")


def test_best_so_far_follows_the_search_order():
    history = [{"generation": 1, "index": 0, "fitness": 0.5}, {"generation": 0, "index": 1, "fitness": None},
               {"generation": 0, "index": 0, "fitness": 0.2}, {"generation": 1, "index": 1, "fitness": 0.4}]
    assert svr.best_so_far(history) == [0.2, 0.2, 0.5, 0.5]


def test_fitness_records_carry_over_only_between_runs_of_one_identity(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    a.mkdir()
    (a / "fitness_cache.json").write_text(json.dumps({"identity": {"s": 1}, "records": {"x": {"fitness": 0.1}}}))
    assert svr.merge_caches([a], b) == 1
    assert json.loads((b / "fitness_cache.json").read_text())["records"] == {"x": {"fitness": 0.1}}
    c.mkdir()
    (c / "fitness_cache.json").write_text(json.dumps({"identity": {"s": 2}, "records": {"y": {}}}))
    assert svr.merge_caches([a], c) == 0  # another supernet or config: its own records stay alone
    assert json.loads((c / "fitness_cache.json").read_text())["records"] == {"y": {}}


def test_ranking_picks_span_the_macs_range():
    space = SearchSpace()
    costs = Costs(space)
    archs = ranking.pick_archs(space, costs, 6, 142e6, 600e6, seed=3)
    macs = [costs.of(a)["macs"] for a in archs]
    assert len(set(map(str, archs))) == 6 and macs == sorted(macs)
    assert macs[0] < 150e6 and 550e6 < macs[-1] <= 600e6


def test_front_times_our_network_and_reads_its_score(tmp_path):
    import pytest

    pytest.importorskip("onnxruntime")
    front = load_benchmark("front")
    scores = tmp_path / "scores.json"
    scores.write_text(json.dumps({"trackers": {"m300-network-only": {"auc": 0.42}}}))
    out = tmp_path / "front.json"
    assert front.main(["--model", "m300=lighttrack-m300=m300-network-only", "--model", "m300-160=lighttrack-m300=x=160",
                       "--scores", str(scores),
                       "--runs", "2", "--rounds", "1", "--out", str(out), "--plot", str(tmp_path / "front.png")]) == 0
    models = json.loads(out.read_text())["models"]
    row, small = models["m300"], models["m300-160"]
    assert row["auc"] == 0.42 and 100 < row["macs_m"] <= 300 and row["fps_1_thread"] > 0 and row["fps_2_threads"] > 0
    # the same network on a 160-px crop (the fourth field): MACs counted at that crop
    assert small["search_size"] == 160 and small["auc"] is None
    assert small["macs_m"] == pytest.approx(row["macs_m"] * (160 / row["search_size"]) ** 2, rel=0.1)
    assert (tmp_path / "front.png").stat().st_size > 1000


def test_standalone_runs_take_the_users_recipe_overrides_last(tmp_path):
    import argparse

    from lighttrack.arch import Arch

    args = argparse.Namespace(recipe="configs/supernet_official.yaml", init="init.pt", threads=1, steps=90, batch=8,
                              work=str(tmp_path), set=["train.lr=0.004", "train.max_steps=5"])
    cmd = ranking.standalone_command(Arch.parse("back_00000000000000000000+cls_002222222+reg_002222222_ops_20"), tmp_path / "a", args)
    assert cmd[cmd.index("train") + 1] == "configs/supernet_official.yaml"
    assert cmd[-2:] == ["train.lr=0.004", "train.max_steps=5"]  # after the benchmark's own train.max_steps=90
    assert "train.max_steps=90" in cmd
