"""Input-size choices (``search_sizes``, issue 26 part 6) and first-generation ``start`` archs:
one search per crop size, each scored with the preset at that size and limited by the MACs at that
size; the pick names its size and its retrain config carries that preset."""

import json

import pytest
import yaml

from lighttrack.arch import Arch
from lighttrack.errors import ConfigError
from lighttrack.search.constraints import Costs, Limits
from lighttrack.search.evolution import make_algorithm, matched_random
from lighttrack.space import SearchSpace

from test_search_e2e import TINY, search_config, tiny_supernet  # noqa: F401 - the fixture is used by name


class SizeFitness:
    """Stands in for SupernetFitness: remembers each preset's crop size; scores by the MACs at 256 px
    (a bigger network "tracks" better at any crop size)."""

    presets: list = []

    def __init__(self, supernet, calibration, sequences, preset=None, cache=None, **kw):
        SizeFitness.presets.append(preset)
        self.preset, self.cache = preset, cache
        self.costs = Costs(TINY)

    def __call__(self, archs):
        out = []
        for arch in archs:
            score = self.costs.of(arch)["macs"] / 1e9  # bigger networks "track" better
            self.cache.put(arch, {"fitness": score, "ao": score, "sr50": score})
            out.append(score)
        return out


def test_each_size_is_searched_with_its_own_preset_and_costs(tmp_path, tiny_supernet, monkeypatch):
    from lighttrack.search.runner import run_search

    monkeypatch.setenv("LIGHTTRACK_CACHE", str(tmp_path / "cache"))
    SizeFitness.presets = []
    limit = 0.9 * Costs(TINY).of(TINY.largest())["macs"]  # the largest network fits only at a smaller crop
    cfg = search_config(tmp_path, tiny_supernet, search_sizes=[256, 192], fitness={"preset": "default", "max_frames": 5},
                        constraints=[{"name": "small", "max_macs": limit}], start=[TINY.largest().to_dict()])
    results = run_search(cfg, log=lambda m: None, evaluator_factory=SizeFitness)
    assert sorted(p.small_size for p in SizeFitness.presets) == [192, 256]
    assert all(p.small_size == p.big_size and p.penalty_k == 0.062 for p in SizeFitness.presets)
    entry = results["constraint_sets"]["small"]
    assert set(entry["sizes"]) == {"256", "192"} and entry["search_evaluations"] == 16
    best = entry["best"]
    # the largest network (a start arch) fits only at 192 px, and wins there
    assert best["search_size"] == 192 and best["path"] == str(TINY.largest().canonical())
    assert best["macs"] == Costs(TINY, search_size=192).of(Arch.from_dict(best["arch"]))["macs"] <= limit
    out = cfg.out_dir
    assert (out / "fitness_cache_256px.json").is_file() and (out / "small" / "192px" / "state.json").is_file()
    points = json.loads((out / "all_candidates.json").read_text())
    assert {p["search_size"] for p in points} == {256, 192}
    # the retrain config makes weights that carry the 192-px preset
    retrain = yaml.safe_load(open(best["retrain_config"]))
    preset = yaml.safe_load(open(retrain["model"]["preset"]))
    assert preset["small_size"] == 192 and preset["big_size"] == 192
    # resumed: the same picks, nothing rescored
    again = run_search(cfg, resume=True, log=lambda m: None, evaluator_factory=SizeFitness)
    assert again["constraint_sets"]["small"]["best"]["path"] == best["path"]


def test_a_size_where_nothing_fits_is_skipped_and_one_where_all_fail_is_an_error(tmp_path, tiny_supernet, monkeypatch):
    from lighttrack.search.runner import run_search

    monkeypatch.setenv("LIGHTTRACK_CACHE", str(tmp_path / "cache"))
    smallest_192 = Costs(TINY, search_size=192).of(TINY.smallest())["macs"]
    logs = []
    cfg = search_config(tmp_path, tiny_supernet, search_sizes=[256, 192], constraints=[{"name": "tight", "max_macs": smallest_192 * 1.01}])
    results = run_search(cfg, log=logs.append, evaluator_factory=SizeFitness)
    assert set(results["constraint_sets"]["tight"]["sizes"]) == {"192"}
    assert any("256 px: no architecture of the space fits" in m for m in logs)
    with pytest.raises(ConfigError, match="infeasible budget"):
        run_search(search_config(tmp_path / "b", tiny_supernet, search_sizes=[256, 192],
                                 constraints=[{"name": "none", "max_macs": 1e6}]), evaluator_factory=SizeFitness)


@pytest.mark.parametrize("sizes, match", [([250], "multiples of 16"), ([128], "above the 128-px template"),
                                          ([256, 256], "distinct"), ([], "distinct"), (["big"], "multiples of 16")])
def test_bad_search_sizes_are_refused_before_any_work(tmp_path, tiny_supernet, sizes, match):
    with pytest.raises(ConfigError, match=match):
        search_config(tmp_path, tiny_supernet, search_sizes=sizes)


def test_unknown_start_architecture_is_refused(tmp_path, tiny_supernet):
    with pytest.raises(ConfigError, match="config key 'start'"):
        search_config(tmp_path, tiny_supernet, start=["no-such-model"])


def test_start_archs_open_the_first_generation_where_legal():
    space = SearchSpace()
    costs = Costs(space)
    mobile = Arch.parse("back_04502514044521042540+cls_211000022+reg_100000111_ops_32")
    small = space.smallest()
    algo = make_algorithm("evolution", space, costs.accept(Limits(name="m", max_macs=6e8)), seed=3, start=[mobile, small],
                          population=4, generations=2, top_k=2, mutations=1, crossovers=1)
    first = algo.ask()
    assert first[:2] == [mobile.canonical(), small.canonical()] and len(first) == 4
    # the matched random baseline starts from the same architectures
    assert matched_random(algo).ask()[:2] == first[:2]
    # one that does not fit the limit is left out; later generations do not repeat them
    tight = make_algorithm("evolution", space, costs.accept(Limits(name="m", max_macs=3e8)), seed=3, start=[mobile, small],
                           population=4, generations=2, top_k=2, mutations=1, crossovers=1)
    batch = tight.ask()
    assert batch[0] == small.canonical() and mobile.canonical() not in batch
    tight.tell(batch, [0.5, 0.1, 0.2, 0.3])
    assert small.canonical() not in tight.ask()
