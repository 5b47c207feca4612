"""Search algorithms on a cheap synthetic fitness: improve over random, respect limits, stay unique,
resume exactly."""

import json
import random

import pytest

from lighttrack.arch import Arch
from lighttrack.errors import ConfigError
from lighttrack.search.evolution import (
    AgingConfig,
    AgingEvolution,
    EvolutionConfig,
    LightTrackEvolution,
    RandomConfig,
    RandomSearch,
    make_algorithm,
    matched_random,
)
from lighttrack.space import SearchSpace

SPACE = SearchSpace()
TARGET = SPACE.sample(99).canonical()


def genes(arch: Arch) -> list[int]:
    return [c for stage in arch.backbone for c in stage] + [arch.cls.channel, *arch.cls.ops, arch.reg.channel, *arch.reg.ops, arch.out_stage, arch.out_block]


def cost(arch: Arch) -> int:
    """A stand-in for MACs: bigger kernels/expansions and later outputs cost more."""
    return sum(c for s, b, c in arch.used_blocks()) + 3 * arch.cls.channel + 3 * arch.reg.channel


def fitness(archs):
    """Agreement with a hidden target, gene by gene (max 1.0)."""
    target = genes(TARGET)
    return [sum(a == b for a, b in zip(genes(arch), target)) / len(target) for arch in archs]


LIMIT = 40
accept = lambda arch: cost(arch) <= LIMIT  # noqa: E731

SMALL_EVO = EvolutionConfig(population=16, generations=8, top_k=5, mutations=6, crossovers=6, mutation_prob=0.1)


def test_evolution_beats_random_and_respects_limits_and_uniqueness():
    wins = 0
    for seed in range(3):
        evo = LightTrackEvolution(SPACE, accept, seed, SMALL_EVO)
        best_evo = evo.run(fitness)
        rnd = matched_random(evo, seed)
        best_rnd = rnd.run(fitness)
        assert evo.evaluations == rnd.evaluations == 16 * 8
        for algo in (evo, rnd):
            archs = [e.arch for e in algo.history]
            assert len(set(archs)) == len(archs)  # every candidate unseen
            assert all(a == a.canonical() and a in SPACE and accept(a) for a in archs)
        wins += best_evo.fitness > best_rnd.fitness
    assert wins >= 2


def test_aging_evolution_beats_random():
    wins = 0
    for seed in range(3):
        age = AgingEvolution(SPACE, accept, seed, AgingConfig(population=16, sample_size=5, evaluations=128, batch=8))
        rnd = matched_random(age, seed)
        a, r = age.run(fitness), rnd.run(fitness)
        assert age.evaluations == rnd.evaluations == 128
        archs = [e.arch for e in age.history]
        assert len(set(archs)) == len(archs) and all(accept(x) for x in archs)
        wins += a.fitness > r.fitness
    assert wins >= 2


def test_lighttrack_evolution_generation_shape():
    evo = LightTrackEvolution(SPACE, None, 0)  # the paper's 48/20/10/24/24/0.1
    assert evo.cfg == EvolutionConfig(48, 20, 10, 24, 24, 0.1)
    first = evo.ask()
    assert len(first) == 48
    evo.tell(first, fitness(first))
    assert len(evo.top) == 10
    top_archs = {e.arch for e in evo.top}
    second = evo.ask()
    assert len(second) == 48 and not set(second) & set(first)
    # the first 48 candidates of generation 2 are mutants/crossovers of top-10 parents: most are
    # close to a parent (mutation changes ~10 % of the genes)
    near = sum(min(sum(x != y for x, y in zip(genes(c), genes(p))) for p in top_archs) <= 12 for c in second[:24])
    assert near >= 20


def test_deterministic_for_a_seed():
    runs = []
    for _ in range(2):
        evo = LightTrackEvolution(SPACE, accept, 7, SMALL_EVO)
        evo.run(fitness)
        runs.append([str(e.arch) for e in evo.history])
    assert runs[0] == runs[1]


@pytest.mark.parametrize("name,settings", [
    ("evolution", dict(population=12, generations=5, top_k=4, mutations=4, crossovers=4)),
    ("aging", dict(population=12, sample_size=4, evaluations=60, batch=6)),
    ("random", dict(evaluations=60, batch=12)),
])
def test_resume_gives_the_same_run(name, settings):
    full = make_algorithm(name, SPACE, accept, 3, **settings)
    full.run(fitness)

    part = make_algorithm(name, SPACE, accept, 3, **settings)
    for _ in range(2):
        batch = part.ask()
        part.tell(batch, fitness(batch))
    state = json.loads(json.dumps(part.state_dict()))  # through JSON, as on disk
    resumed = make_algorithm(name, SPACE, accept, 3, **settings)
    resumed.load_state_dict(state)
    resumed.run(fitness)
    assert [str(e.arch) for e in resumed.history] == [str(e.arch) for e in full.history]
    assert resumed.best().fitness == full.best().fitness


def test_resume_refuses_other_settings():
    a = make_algorithm("random", SPACE, None, 0, evaluations=10, batch=5)
    b = make_algorithm("random", SPACE, None, 0, evaluations=20, batch=5)
    with pytest.raises(ConfigError, match="settings"):
        b.load_state_dict(a.state_dict())
    with pytest.raises(ConfigError, match="unknown setting"):
        make_algorithm("aging", SPACE, None, 0, tournament=3)
    with pytest.raises(ConfigError, match="unknown search algorithm"):
        make_algorithm("nsga", SPACE)


def test_tight_budget_and_nan_fitness():
    # tiny budget: few legal archs; the search must stop without hanging
    tight = lambda a: cost(a) <= 8 and a.cls.channel == 0 and a.reg.channel == 0  # noqa: E731
    rnd = RandomSearch(SPACE, tight, 0, RandomConfig(evaluations=30, batch=10))
    rnd.run(lambda archs: [float("nan") if i % 2 else 0.5 for i, _ in enumerate(archs)])
    assert all(tight(e.arch) for e in rnd.history)
    assert rnd.best().fitness == 0.5  # NaN (a failed candidate) ranks last


def test_tell_checks_the_batch():
    evo = RandomSearch(SPACE, None, 0, RandomConfig(4, 2))
    batch = evo.ask()
    assert evo.ask() == batch  # asking again returns the pending batch
    with pytest.raises(RuntimeError):
        evo.tell(batch[:1], [0.0])
    evo.tell(batch, [0.1, 0.2])
    assert random.Random(0)  # noqa: S311 - keep imports honest
