"""Budgets: limits on parameters, paper-convention MACs and predicted latency on a runtime.

Params and MACs are exact (``lighttrack.profile.CostTable``, no network built); latency is the
prediction of a per-op :class:`~lighttrack.search.latency.LatencyTable` measured on the target
runtime. A :class:`Limits` is one named constraint set (e.g. "mobile": <= 600 M MACs and
<= 2 M params); :class:`Costs` computes everything for an Arch and caches it.
"""

from __future__ import annotations

import math
import random
from dataclasses import asdict, dataclass
from typing import Callable

from lighttrack.arch import Arch
from lighttrack.errors import ConfigError
from lighttrack.costs import cost_table
from lighttrack.space import SearchSpace


@dataclass(frozen=True)
class Limits:
    """One constraint set; ``None`` means unlimited. ``latency_runtime`` picks the latency table."""

    name: str = "default"
    max_params: float | None = None
    max_macs: float | None = None
    max_latency_ms: float | None = None
    latency_runtime: str | None = None

    def __post_init__(self) -> None:
        for field_name in ("max_params", "max_macs", "max_latency_ms"):
            value = getattr(self, field_name)
            if value is not None and (not isinstance(value, (int, float)) or value <= 0 or math.isnan(value)):
                raise ConfigError(f"constraint set {self.name!r}: {field_name} must be a positive number, got {value!r}")
        if self.max_latency_ms is not None and not self.latency_runtime:
            raise ConfigError(f"constraint set {self.name!r}: max_latency_ms needs latency_runtime (e.g. onnxruntime-cpu)")

    @classmethod
    def from_dict(cls, data: dict) -> Limits:
        if not isinstance(data, dict):
            raise ConfigError(f"a constraint set must be a mapping, got {data!r}")
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise ConfigError(f"constraint set {data.get('name', '?')!r}: unknown key(s) {sorted(unknown)}; known: {sorted(known)}")
        values = dict(data)
        for key in ("max_params", "max_macs", "max_latency_ms"):
            if isinstance(values.get(key), str):  # YAML reads 6e8 as a string
                try:
                    values[key] = float(values[key])
                except ValueError:
                    raise ConfigError(f"constraint set {data.get('name', '?')!r}: {key} {values[key]!r} is not a number") from None
        return cls(**values)

    def to_dict(self) -> dict:
        return asdict(self)

    def describe(self) -> str:
        parts = []
        if self.max_macs is not None:
            parts.append(f"MACs <= {self.max_macs / 1e6:g} M")
        if self.max_params is not None:
            parts.append(f"params <= {self.max_params / 1e6:g} M")
        if self.max_latency_ms is not None:
            parts.append(f"latency <= {self.max_latency_ms:g} ms on {self.latency_runtime}")
        return f"{self.name}: " + (", ".join(parts) if parts else "unconstrained")


class Costs:
    """params, MACs and predicted latencies of Archs of one space (cached per canonical Arch)."""

    def __init__(self, space: SearchSpace, latency_tables: dict | None = None, search_size: int = 256, template_size: int = 128):
        self.space = space
        self.table = cost_table(space, search_size, template_size)
        self.latency_tables = dict(latency_tables or {})
        for table in self.latency_tables.values():
            table.check_space(space)
            if (table.search_size, table.template_size) != (search_size, template_size):
                raise ConfigError(f"latency table for {table.runtime} was measured with {table.template_size}/{table.search_size} px "
                                  f"crops, the search uses {template_size}/{search_size}")
        self._cache: dict[Arch, dict] = {}

    def of(self, arch: Arch) -> dict:
        arch = arch.canonical()
        cost = self._cache.get(arch)
        if cost is None:
            cost = {"params": self.table.params(arch), "macs": self.table.macs(arch)}
            for runtime, table in self.latency_tables.items():
                cost[f"latency_ms/{runtime}"] = table.predict(arch)
            self._cache[arch] = cost
        return cost

    def satisfies(self, arch: Arch, limits: Limits) -> bool:
        cost = self.of(arch)
        if limits.max_params is not None and cost["params"] > limits.max_params:
            return False
        if limits.max_macs is not None and cost["macs"] > limits.max_macs:
            return False
        if limits.max_latency_ms is not None:
            key = f"latency_ms/{limits.latency_runtime}"
            if key not in cost:
                raise ConfigError(f"constraint set {limits.name!r} limits latency on {limits.latency_runtime!r} but no latency table for it was given")
            if cost[key] > limits.max_latency_ms:
                return False
        return True

    def accept(self, limits: Limits) -> Callable[[Arch], bool]:
        return lambda arch: self.satisfies(arch, limits)

    def check_feasible(self, limits: Limits, seed: int = 0, samples: int = 20_000) -> None:
        """ConfigError before any search if no architecture of the space fits ``limits``.

        Tries the space's smallest net, then ``samples`` uniform draws (the same sampler the
        search uses, so a budget that passes here can be searched).
        """
        if limits.max_latency_ms is not None and limits.latency_runtime not in self.latency_tables:
            raise ConfigError(f"constraint set {limits.name!r} limits latency on {limits.latency_runtime!r} but no latency table for it was given")
        try:
            smallest_arch = self.space.smallest()
        except ValueError:  # a space without stride-16 outputs
            smallest_arch = None
        if smallest_arch is not None and self.satisfies(smallest_arch, limits):
            return
        rng = random.Random(seed)
        cheapest_seen = None
        for _ in range(samples):
            arch = self.space.sample(rng)
            if self.satisfies(arch, limits):
                return
            if cheapest_seen is None or self.of(arch)["macs"] < self.of(cheapest_seen)["macs"]:
                cheapest_seen = arch
        ref = smallest_arch if smallest_arch is not None else cheapest_seen
        smallest = self.of(ref)
        cheapest = f"the smallest network has {smallest['macs'] / 1e6:.1f} M MACs and {smallest['params'] / 1e6:.3f} M params"
        lat = [f"{v:.2f} ms on {k.split('/', 1)[1]}" for k, v in smallest.items() if k.startswith("latency_ms/")]
        if lat:
            cheapest += " (" + ", ".join(lat) + ")"
        raise ConfigError(f"infeasible budget {limits.describe()}: no architecture of the search space fits; {cheapest}")

    def feasible(self, limits: Limits, seed: int = 0) -> bool:
        """Whether some architecture of the space fits ``limits`` (see :meth:`check_feasible`)."""
        try:
            self.check_feasible(limits, seed)
        except ConfigError:
            if limits.max_latency_ms is not None and limits.latency_runtime not in self.latency_tables:
                raise
            return False
        return True

    def acceptance_rate(self, limits: Limits, seed: int = 0, samples: int = 2000) -> float:
        rng = random.Random(seed)
        return sum(self.satisfies(self.space.sample(rng), limits) for _ in range(samples)) / samples
