"""Limits, costs, feasibility and Pareto fronts."""

import pytest

from lighttrack.errors import ConfigError
from lighttrack.search.constraints import Costs, Limits
from lighttrack.search.latency import LatencyTable, op_units, space_signature
from lighttrack.search.pareto import pareto_front, plot_fronts
from lighttrack.space import SearchSpace

TINY = SearchSpace(depths=(1, 1, 1, 1, 1), output_positions=((2, 0), (3, 0)), head_layers=2)


@pytest.fixture(scope="module")
def costs(tmp_path_factory):
    import os

    os.environ.setdefault("LIGHTTRACK_CACHE", str(tmp_path_factory.mktemp("cache")))
    entries = {u.key: 1.0 for u in op_units(TINY, "torch-cpu")}
    table = LatencyTable("torch-cpu", entries, 0.0, space_signature(TINY), threads=1)
    return Costs(TINY, {"torch-cpu": table})


def test_limits_parse_and_check():
    lim = Limits.from_dict({"name": "mobile", "max_macs": "6e8", "max_params": 2e6})
    assert lim.max_macs == 6e8 and "MACs <= 600 M" in lim.describe()
    with pytest.raises(ConfigError, match="unknown key"):
        Limits.from_dict({"name": "x", "max_flops": 1})
    with pytest.raises(ConfigError, match="positive"):
        Limits(max_macs=-1)
    with pytest.raises(ConfigError, match="latency_runtime"):
        Limits(max_latency_ms=5)


def test_costs_and_feasibility(costs):
    arch = TINY.sample(0)
    c = costs.of(arch)
    assert c["params"] > 0 and c["macs"] > 0 and c["latency_ms/torch-cpu"] > 0
    assert costs.satisfies(arch, Limits(max_macs=c["macs"])) and not costs.satisfies(arch, Limits(max_macs=c["macs"] - 1))
    assert not costs.satisfies(arch, Limits(max_latency_ms=c["latency_ms/torch-cpu"] - 0.5, latency_runtime="torch-cpu"))
    costs.check_feasible(Limits(max_macs=1e12))
    with pytest.raises(ConfigError, match="infeasible"):
        costs.check_feasible(Limits(name="tiny", max_macs=1e3), samples=200)
    with pytest.raises(ConfigError, match="no latency table"):
        costs.check_feasible(Limits(max_latency_ms=1, latency_runtime="onnxruntime-cpu"))


def test_pareto_front_and_plot(tmp_path):
    pts = [{"macs": 1, "fitness": 0.1}, {"macs": 2, "fitness": 0.05}, {"macs": 2, "fitness": 0.3},
           {"macs": 3, "fitness": 0.3}, {"macs": 4, "fitness": 0.5}, {"macs": 5, "fitness": None}]
    front = pareto_front(pts, "macs")
    assert [(p["macs"], p["fitness"]) for p in front] == [(1, 0.1), (2, 0.3), (4, 0.5)]
    path = plot_fronts(pts, ["macs"], tmp_path / "p.png", highlight={"a": pts[2]}, limits={"macs": [3]})
    assert path is None or path.is_file()


def test_cached_cost_table_matches_the_profiler():
    import lighttrack
    from lighttrack.profile import profile_net
    from lighttrack.costs import cost_table

    arch = lighttrack.models.resolve_arch("lighttrack-mobile")
    table = cost_table(SearchSpace())
    prof = profile_net(lighttrack.build(arch))
    assert table.macs(arch) == prof.macs and table.params(arch) == prof.params
