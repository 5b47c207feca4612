"""Search algorithms over a SearchSpace, pure with respect to a fitness function.

Every algorithm is an ask/tell object: ``ask()`` returns the next generation (a list of
unseen, legal Archs), the caller evaluates them however it likes (one process, many ranks), and
``tell(archs, scores)`` feeds the scores back. The complete state, RNG included, is a JSON-able
dict (``state_dict`` / ``load_state_dict``), so a search stopped after any generation resumes
into exactly the run it would have been.

- :class:`LightTrackEvolution`: LightTrack's (SPOS-style) evolution, spec lighttrack.md §8:
  population 48 random legal unseen candidates; 20 generations; each generation keeps a global
  top-10 by fitness, makes 24 mutants (parent uniform from the top-10, each gene resampled with
  probability 0.1, the output position as one gene) and 24 crossovers (two top-10 parents,
  backbone per stage, head per gene), then tops up with random candidates to 48. Every new
  candidate is unseen and legal (at most 10x tries per slot).
- :class:`AgingEvolution`: regularized evolution (Real et al.): tournament of ``sample_size``
  from the population, mutate the winner, add the child, remove the *oldest*. Children are made
  in batches so a generation can be evaluated in parallel.
- :class:`RandomSearch`: the mandatory baseline: the same number of evaluations, all random.

"Unseen" compares canonical Archs (digits of unbuilt blocks zeroed), so two strings that name the
same network count once. ``accept`` is the constraint predicate (params / MACs / latency limits);
``space`` membership is always required.
"""

from __future__ import annotations

import math
import random
from dataclasses import asdict, dataclass
from typing import Any, Callable, Sequence

from lighttrack.arch import Arch
from lighttrack.errors import ConfigError
from lighttrack.space import SearchSpace

Accept = Callable[[Arch], bool]


def _always(arch: Arch) -> bool:
    return True


def _rank_value(score: float | None) -> float:
    return -math.inf if score is None or (isinstance(score, float) and math.isnan(score)) else float(score)


def _rng_state_to_json(state: tuple) -> list:
    version, internal, gauss = state
    return [version, list(internal), gauss]


def _rng_state_from_json(data: list) -> tuple:
    version, internal, gauss = data
    return (version, tuple(internal), gauss)


@dataclass
class Evaluated:
    arch: Arch
    fitness: float | None
    generation: int
    index: int  # order of evaluation; breaks fitness ties deterministically

    def to_dict(self) -> dict:
        return {"arch": self.arch.to_dict(), "fitness": self.fitness, "generation": self.generation, "index": self.index}

    @classmethod
    def from_dict(cls, d: dict) -> Evaluated:
        return cls(Arch.from_dict(d["arch"]), d["fitness"], int(d["generation"]), int(d["index"]))


class SearchAlgorithm:
    """Shared machinery: seeded RNG, seen set, history of evaluations, unseen-legal sampling."""

    name = "base"

    def __init__(self, space: SearchSpace, accept: Accept | None = None, seed: int = 0, max_tries: int = 10,
                 start: Sequence[Arch] = ()):
        self.space = space
        self.accept = accept or _always
        self.seed = seed
        self.max_tries = max_tries
        # architectures the first generation begins with, where legal (e.g. the path a supernet
        # inherited from a trained tracker); the rest of it is random
        self.start = tuple(start)
        self.rng = random.Random(seed)
        self.generation = 0
        self.history: list[Evaluated] = []
        self.seen: set[Arch] = set()
        self._pending: list[Arch] | None = None

    # ------------------------------------------------------------------ subclass API
    def _propose(self) -> list[Arch]:
        raise NotImplementedError

    def _after_tell(self, batch: list[Evaluated]) -> None:
        pass

    @property
    def done(self) -> bool:
        raise NotImplementedError

    def config(self) -> dict:
        return {}

    # ------------------------------------------------------------------ ask / tell
    def ask(self) -> list[Arch]:
        """The next generation: unseen, legal, canonical Archs (empty when the search is over)."""
        if self._pending is not None:
            return list(self._pending)
        if self.done:
            return []
        batch = self._propose()
        self._pending = batch
        return list(batch)

    def tell(self, archs: Sequence[Arch], scores: Sequence[float | None]) -> None:
        if self._pending is None or list(archs) != self._pending:
            raise RuntimeError("tell() must receive exactly the batch returned by the last ask()")
        if len(scores) != len(archs):
            raise ValueError(f"{len(scores)} scores for {len(archs)} architectures")
        batch = []
        for arch, score in zip(archs, scores):
            score = None if score is None or (isinstance(score, float) and math.isnan(score)) else float(score)
            item = Evaluated(arch, score, self.generation, len(self.history))
            self.history.append(item)
            batch.append(item)
        self._pending = None
        self.generation += 1
        self._after_tell(batch)

    def run(self, fitness: Callable[[list[Arch]], Sequence[float]], on_generation: Callable[[SearchAlgorithm], None] | None = None) -> Evaluated | None:
        """Ask/evaluate/tell until done; ``fitness`` scores a whole generation."""
        while not self.done:
            batch = self.ask()
            if not batch:
                break
            self.tell(batch, list(fitness(batch)))
            if on_generation:
                on_generation(self)
        return self.best()

    # ------------------------------------------------------------------ results
    def ranked(self) -> list[Evaluated]:
        return sorted(self.history, key=lambda e: (-_rank_value(e.fitness), e.index))

    def best(self) -> Evaluated | None:
        ranked = self.ranked()
        return ranked[0] if ranked else None

    @property
    def evaluations(self) -> int:
        return len(self.history)

    # ------------------------------------------------------------------ candidate making
    def _legal_new(self, arch: Arch, taken: set[Arch]) -> Arch | None:
        arch = arch.canonical()
        if arch in self.seen or arch in taken or arch not in self.space or not self.accept(arch):
            return None
        return arch

    def _random_candidates(self, n: int, taken: set[Arch], tries_per_slot: int = 1000) -> list[Arch]:
        out: list[Arch] = []
        if self.generation == 0:
            for arch in self.start:
                arch = self._legal_new(arch, taken) if len(out) < n else None
                if arch is not None:
                    taken.add(arch)
                    out.append(arch)
        tries = 0
        while len(out) < n and tries < n * tries_per_slot:
            tries += 1
            arch = self._legal_new(self.space.sample(self.rng), taken)
            if arch is not None:
                taken.add(arch)
                out.append(arch)
        return out

    def _commit(self, archs: list[Arch]) -> list[Arch]:
        self.seen.update(archs)
        return archs

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict:
        return {
            "algorithm": self.name,
            "config": self.config(),
            "seed": self.seed,
            "generation": self.generation,
            "rng": _rng_state_to_json(self.rng.getstate()),
            "history": [e.to_dict() for e in self.history],
            "extra": self._extra_state(),
        }

    def load_state_dict(self, state: dict) -> None:
        if state.get("algorithm") != self.name:
            raise ConfigError(f"saved search state is for algorithm {state.get('algorithm')!r}, not {self.name!r}")
        if state.get("config") != self.config():
            raise ConfigError(f"saved search state was made with settings {state.get('config')}, not {self.config()}; use a new output folder")
        self.seed = state["seed"]
        self.generation = int(state["generation"])
        self.rng.setstate(_rng_state_from_json(state["rng"]))
        self.history = [Evaluated.from_dict(d) for d in state["history"]]
        self.seen = {e.arch for e in self.history}
        self._pending = None
        self._load_extra_state(state.get("extra", {}))

    def _extra_state(self) -> dict:
        return {}

    def _load_extra_state(self, extra: dict) -> None:
        pass


@dataclass(frozen=True)
class EvolutionConfig:
    population: int = 48
    generations: int = 20
    top_k: int = 10
    mutations: int = 24
    crossovers: int = 24
    mutation_prob: float = 0.1

    def __post_init__(self) -> None:
        if self.population < 1 or self.generations < 1 or self.top_k < 1:
            raise ConfigError("evolution: population, generations and top_k must be >= 1")
        if self.mutations < 0 or self.crossovers < 0 or self.mutations + self.crossovers > self.population:
            raise ConfigError("evolution: mutations + crossovers must be between 0 and the population")
        if not 0.0 < self.mutation_prob <= 1.0:
            raise ConfigError(f"evolution: mutation_prob must be in (0, 1], got {self.mutation_prob}")


class LightTrackEvolution(SearchAlgorithm):
    """LightTrack's evolution (see the module docstring)."""

    name = "evolution"

    def __init__(self, space: SearchSpace, accept: Accept | None = None, seed: int = 0, config: EvolutionConfig | None = None, max_tries: int = 10,
                 start: Sequence[Arch] = ()):
        super().__init__(space, accept, seed, max_tries, start)
        self.cfg = config or EvolutionConfig()
        self.top: list[Evaluated] = []

    def config(self) -> dict:
        return asdict(self.cfg)

    @property
    def done(self) -> bool:
        return self.generation >= self.cfg.generations

    def _after_tell(self, batch: list[Evaluated]) -> None:
        merged = self.top + batch
        merged.sort(key=lambda e: (-_rank_value(e.fitness), e.index))
        self.top = merged[: self.cfg.top_k]

    def _propose(self) -> list[Arch]:
        cfg = self.cfg
        taken: set[Arch] = set()
        out: list[Arch] = []
        parents = [e.arch for e in self.top if e.fitness is not None]
        if self.generation > 0 and parents:
            # mutation
            made, tries = 0, 0
            while made < cfg.mutations and tries < cfg.mutations * self.max_tries:
                tries += 1
                parent = parents[self.rng.randrange(len(parents))]
                child = self._legal_new(self.space.mutate(parent, self.rng, cfg.mutation_prob), taken)
                if child is not None:
                    taken.add(child)
                    out.append(child)
                    made += 1
            # crossover
            made, tries = 0, 0
            while made < cfg.crossovers and tries < cfg.crossovers * self.max_tries:
                tries += 1
                a = parents[self.rng.randrange(len(parents))]
                b = parents[self.rng.randrange(len(parents))]
                child = self._legal_new(self.space.crossover(a, b, self.rng), taken)
                if child is not None:
                    taken.add(child)
                    out.append(child)
                    made += 1
        out += self._random_candidates(cfg.population - len(out), taken)
        return self._commit(out)

    def _extra_state(self) -> dict:
        return {"top": [e.index for e in self.top]}

    def _load_extra_state(self, extra: dict) -> None:
        by_index = {e.index: e for e in self.history}
        self.top = [by_index[i] for i in extra.get("top", [])]


@dataclass(frozen=True)
class AgingConfig:
    population: int = 48
    sample_size: int = 10
    evaluations: int = 960
    batch: int = 24
    mutation_prob: float = 0.1

    def __post_init__(self) -> None:
        if self.population < 2 or not 1 <= self.sample_size <= self.population:
            raise ConfigError("aging evolution: need population >= 2 and 1 <= sample_size <= population")
        if self.evaluations < self.population or self.batch < 1:
            raise ConfigError("aging evolution: evaluations must be >= population and batch >= 1")
        if not 0.0 < self.mutation_prob <= 1.0:
            raise ConfigError(f"aging evolution: mutation_prob must be in (0, 1], got {self.mutation_prob}")


class AgingEvolution(SearchAlgorithm):
    """Regularized (aging) evolution, batched: each generation makes ``batch`` children."""

    name = "aging"

    def __init__(self, space: SearchSpace, accept: Accept | None = None, seed: int = 0, config: AgingConfig | None = None, max_tries: int = 10,
                 start: Sequence[Arch] = ()):
        super().__init__(space, accept, seed, max_tries, start)
        self.cfg = config or AgingConfig()
        self.population: list[Evaluated] = []  # oldest first

    def config(self) -> dict:
        return asdict(self.cfg)

    @property
    def done(self) -> bool:
        return self.evaluations >= self.cfg.evaluations

    def _after_tell(self, batch: list[Evaluated]) -> None:
        self.population.extend(batch)
        excess = len(self.population) - self.cfg.population
        if excess > 0:
            del self.population[:excess]  # the oldest die

    def _propose(self) -> list[Arch]:
        cfg = self.cfg
        remaining = cfg.evaluations - self.evaluations
        taken: set[Arch] = set()
        if self.generation == 0 or not self.population:
            return self._commit(self._random_candidates(min(cfg.population, remaining), taken))
        want = min(cfg.batch, remaining)
        out: list[Arch] = []
        tries = 0
        while len(out) < want and tries < want * self.max_tries:
            tries += 1
            sample = self.rng.sample(self.population, min(cfg.sample_size, len(self.population)))
            parent = max(sample, key=lambda e: (_rank_value(e.fitness), -e.index))
            child = self._legal_new(self.space.mutate(parent.arch, self.rng, cfg.mutation_prob), taken)
            if child is not None:
                taken.add(child)
                out.append(child)
        out += self._random_candidates(want - len(out), taken)
        return self._commit(out)

    def _extra_state(self) -> dict:
        return {"population": [e.index for e in self.population]}

    def _load_extra_state(self, extra: dict) -> None:
        by_index = {e.index: e for e in self.history}
        self.population = [by_index[i] for i in extra.get("population", [])]


@dataclass(frozen=True)
class RandomConfig:
    evaluations: int = 960
    batch: int = 48

    def __post_init__(self) -> None:
        if self.evaluations < 1 or self.batch < 1:
            raise ConfigError("random search: evaluations and batch must be >= 1")


class RandomSearch(SearchAlgorithm):
    """The baseline: ``evaluations`` random unseen legal candidates, ``batch`` per generation."""

    name = "random"

    def __init__(self, space: SearchSpace, accept: Accept | None = None, seed: int = 0, config: RandomConfig | None = None, max_tries: int = 10,
                 start: Sequence[Arch] = ()):
        super().__init__(space, accept, seed, max_tries, start)
        self.cfg = config or RandomConfig()
        self._exhausted = False

    def config(self) -> dict:
        return asdict(self.cfg)

    @property
    def done(self) -> bool:
        return self._exhausted or self.evaluations >= self.cfg.evaluations

    def _propose(self) -> list[Arch]:
        want = min(self.cfg.batch, self.cfg.evaluations - self.evaluations)
        out = self._random_candidates(want, set())
        if len(out) < want:
            self._exhausted = True
        return self._commit(out)


ALGORITHMS = {"evolution": (LightTrackEvolution, EvolutionConfig), "aging": (AgingEvolution, AgingConfig), "random": (RandomSearch, RandomConfig)}


def make_algorithm(name: str, space: SearchSpace, accept: Accept | None = None, seed: int = 0,
                   start: Sequence[Arch] = (), **settings: Any) -> SearchAlgorithm:
    """Build an algorithm by name from plain settings (unknown keys are an error); ``start``: the
    architectures its first generation begins with, where legal."""
    if name not in ALGORITHMS:
        raise ConfigError(f"unknown search algorithm {name!r}: use one of {', '.join(ALGORITHMS)}")
    cls, _ = ALGORITHMS[name]
    return cls(space, accept, seed, algorithm_config(name, settings), start=start)


def algorithm_config(name: str, settings: dict) -> Any:
    """The algorithm's settings checked: known keys, numbers of the right type, then its own ranges."""
    if name not in ALGORITHMS:
        raise ConfigError(f"unknown search algorithm {name!r}: use one of {', '.join(ALGORITHMS)}")
    config_cls = ALGORITHMS[name][1]
    if not isinstance(settings, dict):
        raise ConfigError(f"search algorithm {name!r}: settings must be a mapping, got {settings!r}")
    fields = config_cls.__dataclass_fields__
    unknown = set(settings) - set(fields)
    if unknown:
        raise ConfigError(f"search algorithm {name!r}: unknown setting(s) {sorted(unknown)}; known: {sorted(fields)}")
    for key, value in settings.items():
        wanted = fields[key].type if isinstance(fields[key].type, str) else fields[key].type.__name__
        ok = (isinstance(value, int) if wanted == "int" else isinstance(value, (int, float)) and math.isfinite(value))
        if isinstance(value, bool) or not ok:
            raise ConfigError(f"search algorithm {name!r}: setting {key!r} must be {wanted}, got {value!r}")
    return config_cls(**settings)


def matched_random(algorithm: SearchAlgorithm, seed: int | None = None) -> RandomSearch:
    """A random-search baseline with the same number of evaluations as ``algorithm`` would make."""
    if isinstance(algorithm, LightTrackEvolution):
        total = algorithm.cfg.population * algorithm.cfg.generations
        batch = algorithm.cfg.population
    elif isinstance(algorithm, AgingEvolution):
        total, batch = algorithm.cfg.evaluations, algorithm.cfg.batch
    else:
        total, batch = algorithm.cfg.evaluations, algorithm.cfg.batch
    return RandomSearch(algorithm.space, algorithm.accept, algorithm.seed if seed is None else seed, RandomConfig(total, batch),
                        start=algorithm.start)
