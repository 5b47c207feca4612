"""Per-op latency lookup tables, measured on the runtime a tracker will really run on.

The table uses the keys of :class:`lighttrack.profile.CostTable` (``("stem",)``, ``("block", s,
b, c)``, ``("cls", stride, width, layer, op)`` …): every module of the per-frame path is timed
alone at the exact input shape it sees, and an Arch's predicted latency is a constant plus the
sum over its path. Runtimes:

- ``torch-cpu`` / ``torch-cuda``: eager PyTorch, ``inference_mode``, eval; CUDA is synchronised
  around every timed call.
- ``onnxruntime-cpu``: every op module is exported as its own tiny ONNX graph (static shapes) and
  run in its own ONNX Runtime session with the tracker's session options and a fixed thread
  count. The end-to-end reference is the deployed per-frame graph (``lighttrack.export.onnx``'s
  ``TrackGraph``: BN folded, the neck BN folded into the correlation), so the neck costs 0 there
  and the fusion unit is the folded correlation + channel attention + adjust.

Per-call overhead: each separately timed op pays one call overhead (session ``run`` / Python
dispatch) that the end-to-end graph pays once. It is measured on a trivial op of the same runtime
and subtracted from every entry, and added back once as the constant term. Optionally a linear
correction ``a + b * predicted`` is fitted on a few *fit* architectures (never the validation
ones) to absorb what a sum cannot see (cache effects, fusion).

Robust measurement: batch 1, warm-up, the median of ``runs`` timed calls, repeated over
``rounds`` rounds in a shuffled (interleaved) order; the entry is the minimum over rounds of the
round medians, which estimates the uncontended time on a box other jobs share (contention only
ever adds time). The end-to-end references are measured the same way, interleaved across
architectures.
"""

from __future__ import annotations

import io
import json
import os
import platform
import random
import statistics
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import onnxruntime as ort
import torch
from torch import nn

from lighttrack.arch import Arch
from lighttrack.costs import key_to_str, space_signature, str_to_key  # noqa: F401 - re-exported for latency tables
from lighttrack.errors import ConfigError, InputError
from lighttrack.export.onnx import TEMPLATE_FILE, TRACK_FILE, export_onnx
from lighttrack.io import atomic_write_json
from lighttrack.nn.head import RegPredictor
from lighttrack.nn.net import SuperNet, TrackerNet
from lighttrack.profile import CostTable
from lighttrack.space import SearchSpace
from lighttrack.tracker.backends import session_options

RUNTIMES = ("torch-cpu", "onnxruntime-cpu", "torch-cuda")
FORMAT = "lighttrack.latency-table/1"


def check_runtime(runtime: str) -> str:
    if runtime not in RUNTIMES:
        raise ConfigError(f"unknown latency runtime {runtime!r}: use one of {', '.join(RUNTIMES)}")
    if runtime == "torch-cuda" and not torch.cuda.is_available():
        raise InputError("runtime torch-cuda requested but CUDA is not available on this machine")
    return runtime


# --------------------------------------------------------------------------------------------
# Timing primitives


CLOCKS = ("wall", "thread_cpu")


def default_clock(runtime: str, threads: int) -> str:
    """Thread CPU time where it equals uncontended latency (1 thread, CPU runtimes), else wall."""
    return "thread_cpu" if threads == 1 and runtime != "torch-cuda" else "wall"


def _median_time(fn: Callable[[], Any], runs: int, warmup: int, sync: Callable[[], None], clock: str = "wall") -> float:
    now = time.thread_time if clock == "thread_cpu" else time.perf_counter
    for _ in range(warmup):
        fn()
    sync()
    times = []
    for _ in range(runs):
        start = now()
        fn()
        sync()
        times.append(now() - start)
    return statistics.median(times) * 1000.0


def time_interleaved(
    fns: dict[Any, Callable[[], Any]],
    runs: int,
    warmup: int,
    rounds: int,
    seed: int = 0,
    sync: Callable[[], None] = lambda: None,
    progress: Callable[[str], None] | None = None,
    clock: str = "wall",
) -> dict[Any, dict]:
    """Round medians of every callable, rounds in shuffled orders; value = min of round medians.

    ``clock="thread_cpu"`` times the calling thread's CPU time (valid when the op runs on that
    thread alone: one intra-op thread): time the OS gives to other processes is not counted.
    """
    if clock not in CLOCKS:
        raise ConfigError(f"unknown clock {clock!r}: use one of {', '.join(CLOCKS)}")
    rng = random.Random(seed)
    order = list(fns)
    medians: dict[Any, list[float]] = {k: [] for k in order}
    for r in range(rounds):
        rng.shuffle(order)
        for i, k in enumerate(order):
            medians[k].append(_median_time(fns[k], runs, warmup if r == 0 else max(2, warmup // 4), sync, clock))
        if progress:
            progress(f"round {r + 1}/{rounds}: {len(order)} timed")
    return {k: {"ms": min(v), "round_medians": v} for k, v in medians.items()}


# --------------------------------------------------------------------------------------------
# The op units of a search space, with their example inputs


class _NeckUnit(nn.Module):
    def __init__(self, neck: nn.Module):
        super().__init__()
        self.neck = neck

    def forward(self, zf, xf):
        return self.neck.bn_z(zf), self.neck.bn_x(xf)


class _FoldedFusion(nn.Module):
    """The deployed graph's fusion: correlation with the folded kernel, attention, adjust."""

    def __init__(self, fusion: nn.Module):
        super().__init__()
        self.attention = fusion.attention
        self.adjust = fusion.adjust

    def forward(self, zk, zb, xf):
        corr = torch.matmul(zk, xf.flatten(2)) + zb
        corr = corr.reshape(xf.shape[0], zk.shape[1], xf.shape[2], xf.shape[3])
        return self.adjust(self.attention(corr))


class _Pred(nn.Module):
    def __init__(self, predictor: nn.Module, stride: int | None):
        super().__init__()
        self.predictor = predictor
        self.stride = stride

    def forward(self, x):
        return self.predictor(x) if self.stride is None else self.predictor(x, self.stride)


class _Trivial(nn.Module):
    """Measures the per-call overhead of a runtime (a single tiny add)."""

    def forward(self, x):
        return x + 1.0


@dataclass
class Unit:
    key: tuple
    module: nn.Module
    inputs: tuple


def _randn(*shape, gen) -> torch.Tensor:
    return torch.randn(*shape, generator=gen)


def op_units(space: SearchSpace, runtime: str, search_size: int = 256, template_size: int = 128, seed: int = 0) -> list[Unit]:
    """Every CostTable key of ``space`` as a module + example inputs (shapes exact)."""
    onnx_graph = runtime.startswith("onnxruntime")
    supernet = SuperNet(space, template_size).eval()
    gen = torch.Generator().manual_seed(seed)
    units: list[Unit] = []
    with torch.no_grad():
        x = _randn(1, 3, search_size, search_size, gen=gen)
        z = _randn(1, 3, template_size, template_size, gen=gen)
        bb = supernet.backbone
        units.append(Unit(("stem",), bb.stem, (x,)))
        x, z = bb.stem(x), bb.stem(z)
        units.append(Unit(("ds",), bb.stages[0][0], (x,)))
        x, z = bb.stages[0][0](x), bb.stages[0][0](z)
        feats = {}
        for s in range(bb.num_stages):
            for b in range(space.depths[s]):
                choices = bb.stages[s + 1][b]
                for c, m in enumerate(choices):
                    units.append(Unit(("block", s, b, c), m, (x,)))
                x, z = choices[0](x), choices[0](z)
                feats[(s, b)] = (z, x)
        done_necks, done_strides = set(), set()
        for stage, block in space.output_positions:
            stride = space.stride_of(stage)
            zf, xf = feats[(stage, block)]
            neck = supernet.necks[str(stage)]
            if stage not in done_necks:
                done_necks.add(stage)
                units.append(Unit(("neck", stage), None if onnx_graph else _NeckUnit(neck), (zf, xf)))
            if stride in done_strides:
                continue
            done_strides.add(stride)
            fusion = supernet.fusions[str(stride)]
            fused = fusion(neck.bn_z(zf), neck.bn_x(xf))
            if onnx_graph:
                c = zf.shape[1]
                zk = _randn(1, zf.shape[2] * zf.shape[3], c, gen=gen)
                zb = _randn(1, zf.shape[2] * zf.shape[3], 1, gen=gen)
                units.append(Unit(("fusion", stride), _FoldedFusion(fusion), (zk, zb, xf)))
            else:
                units.append(Unit(("fusion", stride), fusion, (neck.bn_z(zf), neck.bn_x(xf))))
            for kind, branch in (("cls", supernet.cls_head), ("reg", supernet.reg_head)):
                for w, tower in enumerate(branch.towers):
                    y = fused
                    for layer, ops in enumerate(tower):
                        for op, m in enumerate(ops):
                            units.append(Unit((kind, stride, w, layer, op), m, (y,)))
                        y = ops[0](y)
                    pred = branch.predictors[w]
                    units.append(Unit((kind + "_pred", stride, w), _Pred(pred, stride if isinstance(pred, RegPredictor) else None), (y,)))
    return units


# --------------------------------------------------------------------------------------------
# Runtimes: turn a module + inputs into a zero-argument callable


def _onnx_bytes(module: nn.Module, inputs: tuple, dynamic: dict | None = None, names: Sequence[str] | None = None) -> bytes:
    names = list(names or [f"in{i}" for i in range(len(inputs))])
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module.eval(), tuple(inputs), buffer, input_names=names, dynamic_axes=dynamic or {},
                          opset_version=17, do_constant_folding=True, dynamo=False)
    return buffer.getvalue()


def _ort_session(model: bytes | str, threads: int):
    return ort.InferenceSession(model, session_options(threads), providers=["CPUExecutionProvider"])


def _ort_callable(session, feed: dict[str, np.ndarray]) -> Callable[[], Any]:
    run = session.run
    return lambda: run(None, feed)


def make_callable(module: nn.Module, inputs: tuple, runtime: str, threads: int) -> Callable[[], Any]:
    if runtime == "onnxruntime-cpu":
        session = _ort_session(_onnx_bytes(module, inputs), threads)
        feed = {i.name: t.numpy() for i, t in zip(session.get_inputs(), inputs)}
        return _ort_callable(session, feed)
    device = "cuda" if runtime == "torch-cuda" else "cpu"
    module = module.to(device).eval()
    args = tuple(t.to(device) for t in inputs)

    def call():
        with torch.inference_mode():
            return module(*args)

    return call


def _sync(runtime: str) -> Callable[[], None]:
    return torch.cuda.synchronize if runtime == "torch-cuda" else (lambda: None)


class _ThreadScope:
    """Fix torch's thread count for the duration of a measurement."""

    def __init__(self, threads: int):
        self.threads = threads

    def __enter__(self):
        self.saved = torch.get_num_threads()
        torch.set_num_threads(self.threads)

    def __exit__(self, *exc):
        torch.set_num_threads(self.saved)


# --------------------------------------------------------------------------------------------
# The table


@dataclass
class LatencyTable:
    """Predicted per-frame latency (ms) of any Arch of one space on one runtime."""

    runtime: str
    entries: dict[tuple, float]
    constant_ms: float
    space: dict
    threads: int
    search_size: int = 256
    template_size: int = 128
    correction: tuple[float, float] | None = None  # (offset_ms, scale) fitted on fit archs
    meta: dict = field(default_factory=dict)

    # ---------------------------------------------------------------- prediction
    def raw(self, arch: Arch) -> float:
        try:
            return self.constant_ms + sum(self.entries[k] for k in CostTable.keys(arch))
        except KeyError as err:
            raise ConfigError(f"latency table has no entry {err.args[0]!r}: it was built for another search space") from None

    def predict(self, arch: Arch) -> float:
        value = self.raw(arch)
        if self.correction is not None:
            offset, scale = self.correction
            value = offset + scale * value
        return value

    def check_space(self, space: SearchSpace) -> None:
        if self.space != space_signature(space):
            raise ConfigError(f"latency table was built for search space {self.space}, not {space_signature(space)}; rebuild it with 'lighttrack latency build-table'")

    # ---------------------------------------------------------------- I/O
    def to_dict(self) -> dict:
        return {
            "format": FORMAT,
            "runtime": self.runtime,
            "threads": self.threads,
            "search_size": self.search_size,
            "template_size": self.template_size,
            "space": self.space,
            "constant_ms": self.constant_ms,
            "correction": list(self.correction) if self.correction else None,
            "entries": {key_to_str(k): v for k, v in self.entries.items()},
            "meta": self.meta,
        }

    def save(self, path: str | os.PathLike) -> Path:
        return atomic_write_json(path, self.to_dict())

    @classmethod
    def load(cls, path: str | os.PathLike) -> LatencyTable:
        path = Path(path)
        if not path.is_file():
            raise InputError(f"latency table {str(path)!r} does not exist; build one with 'lighttrack latency build-table'")
        try:
            data = json.loads(path.read_text())
        except ValueError as err:
            raise InputError(f"latency table {str(path)!r} is not valid JSON: {err}") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise InputError(f"{str(path)!r} is not a lighttrack latency table (format {FORMAT})")
        corr = data.get("correction")
        return cls(
            runtime=data["runtime"],
            entries={str_to_key(k): float(v) for k, v in data["entries"].items()},
            constant_ms=float(data["constant_ms"]),
            space=data["space"],
            threads=int(data["threads"]),
            search_size=int(data.get("search_size", 256)),
            template_size=int(data.get("template_size", 128)),
            correction=tuple(corr) if corr else None,
            meta=data.get("meta", {}),
        )


def environment(runtime: str, threads: int) -> dict:
    info = {"machine": platform.machine(), "processor": platform.processor() or platform.machine(),
            "cpu_count": os.cpu_count(), "python": platform.python_version(), "torch": torch.__version__, "threads": threads,
            "runtime": runtime, "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    if runtime == "onnxruntime-cpu":
        info["onnxruntime"] = ort.__version__
    if runtime == "torch-cuda":
        info["gpu"] = torch.cuda.get_device_name()
    return info


def measure_overhead(runtime: str, threads: int, runs: int = 200, rounds: int = 3, clock: str = "wall") -> float:
    """Per-call overhead (ms) of the runtime: a single tiny add."""
    fn = make_callable(_Trivial(), (torch.zeros(1, 1),), runtime, threads)
    with _ThreadScope(threads):
        res = time_interleaved({"t": fn}, runs, 20, rounds, sync=_sync(runtime), clock=clock)
    return res["t"]["ms"]


def build_table(
    space: SearchSpace | None = None,
    runtime: str = "onnxruntime-cpu",
    threads: int = 1,
    runs: int = 30,
    warmup: int = 10,
    rounds: int = 3,
    search_size: int = 256,
    template_size: int = 128,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
    clock: str | None = None,
) -> LatencyTable:
    """Time every op of ``space`` on ``runtime`` (see the module docstring for the protocol)."""
    table, _ = _build(space or SearchSpace(), runtime, threads, runs, warmup, rounds, search_size, template_size, seed, progress, clock, {})
    return table


def _build(space, runtime, threads, runs, warmup, rounds, search_size, template_size, seed, progress, clock, extra_fns):
    """Ops, the call-overhead probe and ``extra_fns`` timed together in interleaved rounds."""
    check_runtime(runtime)
    clock = clock or default_clock(runtime, threads)
    if threads < 1:
        raise ConfigError(f"threads must be >= 1 for reproducible timings, got {threads}")
    units = op_units(space, runtime, search_size, template_size, seed)
    fns, entries = dict(extra_fns), {}
    with _ThreadScope(threads):
        for unit in units:
            if unit.module is None:  # folded away on this runtime
                entries[unit.key] = 0.0
                continue
            fns[unit.key] = make_callable(unit.module, unit.inputs, runtime, threads)
        fns[("__overhead__",)] = make_callable(_Trivial(), (torch.zeros(1, 1),), runtime, threads)
        if progress:
            progress(f"{len(fns)} timed units ready on {runtime} ({len(extra_fns)} end-to-end), {rounds} rounds x {runs} runs, clock {clock}")
        timed = time_interleaved(fns, runs, warmup, rounds, seed=seed, sync=_sync(runtime), progress=progress, clock=clock)
    overhead = timed.pop(("__overhead__",))["ms"]
    extra = {k: timed.pop(k) for k in extra_fns}
    spread = []
    for key, res in timed.items():
        entries[key] = max(0.0, res["ms"] - overhead)
        meds = res["round_medians"]
        spread.append((max(meds) - min(meds)) / max(min(meds), 1e-9))
    meta = environment(runtime, threads)
    meta.update(runs=runs, warmup=warmup, rounds=rounds, clock=clock, statistic="min over rounds of the round median",
                call_overhead_ms=overhead, units=len(timed),
                median_round_spread=float(statistics.median(spread)) if spread else 0.0)
    table = LatencyTable(runtime, entries, overhead, space_signature(space), threads, search_size, template_size, None, meta)
    return table, extra


def sample_archs(space: SearchSpace, n: int, seed: int) -> list[Arch]:
    rng = random.Random(seed)
    archs, seen = [], set()
    while len(archs) < n:
        arch = space.sample(rng).canonical()
        if arch not in seen:
            seen.add(arch)
            archs.append(arch)
    return archs


def build_and_validate(
    space: SearchSpace | None = None,
    runtime: str = "onnxruntime-cpu",
    threads: int = 1,
    n_validate: int = 30,
    n_fit: int = 0,
    runs: int = 30,
    warmup: int = 10,
    rounds: int = 3,
    search_size: int = 256,
    template_size: int = 128,
    seed: int = 1234,
    progress: Callable[[str], None] | None = None,
    clock: str | None = None,
) -> tuple[LatencyTable, dict]:
    """Build a table and validate it in the same interleaved rounds.

    Every round times all op units *and* the end-to-end graphs of ``n_fit + n_validate`` random
    architectures in one shuffled order, so load from other processes on a shared machine hits
    both sides alike. The correction (if ``n_fit``) is fitted on the first ``n_fit`` architectures
    only; errors are reported on the held-out ``n_validate``.
    """
    space = space or SearchSpace()
    check_runtime(runtime)
    clock = clock or default_clock(runtime, threads)
    archs = sample_archs(space, n_fit + n_validate, seed)
    e2e = {}
    with _ThreadScope(threads):
        for i, arch in enumerate(archs):
            torch.manual_seed(i)
            e2e[("__e2e__", i)] = end_to_end_callable(TrackerNet(arch, template_size), runtime, threads, search_size)
    table, extra = _build(space, runtime, threads, runs, warmup, rounds, search_size, template_size, 0, progress, clock, e2e)
    measured = [extra[("__e2e__", i)]["ms"] for i in range(len(archs))]
    report = _report(table, archs, measured, n_fit, seed, clock)
    report["protocol"] = "ops and end-to-end graphs timed in the same interleaved rounds"
    return table, report


def _report(table: LatencyTable, archs: list[Arch], measured: list[float], n_fit: int, seed: int, clock: str) -> dict:
    raw = [table.raw(a) for a in archs]
    report: dict[str, Any] = {"runtime": table.runtime, "threads": table.threads, "clock": clock, "seed": seed, "n_fit": n_fit,
                              "environment": environment(table.runtime, table.threads)}
    val = slice(n_fit, None)
    report["uncorrected"] = error_report(raw[val], measured[val])
    if n_fit:
        table.correction = fit_correction(raw[:n_fit], measured[:n_fit])
        offset, scale = table.correction
        report["correction"] = {"offset_ms": offset, "scale": scale}
        report["corrected"] = error_report([offset + scale * r for r in raw[val]], measured[val])
    report["archs"] = [{"arch": str(a), "role": "fit" if i < n_fit else "validate", "predicted_raw_ms": r,
                        "predicted_ms": table.predict(a), "measured_ms": m}
                       for i, (a, r, m) in enumerate(zip(archs, raw, measured))]
    return report


# --------------------------------------------------------------------------------------------
# End-to-end reference measurement and validation


def end_to_end_callable(net, runtime: str, threads: int, search_size: int = 256, workdir: str | None = None) -> Callable[[], Any]:
    """The per-frame call a deployed tracker makes for ``net``, on ``runtime``."""
    net = net.eval()
    gen = torch.Generator().manual_seed(1)
    z = torch.randn(1, 3, net.template_size, net.template_size, generator=gen)
    x = torch.randn(1, 3, search_size, search_size, generator=gen)
    if runtime == "onnxruntime-cpu":
        with tempfile.TemporaryDirectory(dir=workdir, prefix=".latency-") as tmp:
            export_onnx(net, tmp, template_size=net.template_size, search_size=search_size, check=False)
            template = _ort_session(str(Path(tmp) / TEMPLATE_FILE), threads)
            feats = template.run(None, {template.get_inputs()[0].name: z.numpy()})
            names = [o.name for o in template.get_outputs()]
            session = _ort_session(str(Path(tmp) / TRACK_FILE), threads)
        feed = dict(zip(names, feats))
        feed = {i.name: (feed[i.name] if i.name in feed else x.numpy()) for i in session.get_inputs()}
        return _ort_callable(session, feed)
    device = "cuda" if runtime == "torch-cuda" else "cpu"
    net = net.to(device)
    z, x = z.to(device), x.to(device)
    with torch.inference_mode():
        zf = net.template(z)

    def call():
        with torch.inference_mode():
            return net.track(zf, x)

    return call


def measure_archs(
    archs: Sequence[Arch],
    runtime: str,
    threads: int = 1,
    runs: int = 30,
    warmup: int = 10,
    rounds: int = 3,
    search_size: int = 256,
    template_size: int = 128,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
    clock: str | None = None,
) -> list[float]:
    """End-to-end per-frame latency (ms) of each Arch, measured interleaved across archs."""
    check_runtime(runtime)
    clock = clock or default_clock(runtime, threads)
    fns = {}
    with _ThreadScope(threads):
        for i, arch in enumerate(archs):
            torch.manual_seed(i)
            fns[i] = end_to_end_callable(TrackerNet(arch, template_size), runtime, threads, search_size)
        if progress:
            progress(f"{len(fns)} end-to-end graphs ready")
        timed = time_interleaved(fns, runs, warmup, rounds, seed=seed + 1, sync=_sync(runtime), progress=progress, clock=clock)
    return [timed[i]["ms"] for i in range(len(archs))]


def error_report(predicted: Sequence[float], measured: Sequence[float]) -> dict:
    """RMSE (ms), relative RMSE, share within +-10 % (and +-5 %), worst relative error."""
    p, m = np.asarray(predicted, float), np.asarray(measured, float)
    rel = (p - m) / m
    return {
        "n": int(len(m)),
        "rmse_ms": float(np.sqrt(np.mean((p - m) ** 2))),
        "rel_rmse": float(np.sqrt(np.mean(rel**2))),
        "mean_rel_error": float(np.mean(rel)),
        "within_10pct": float(np.mean(np.abs(rel) <= 0.10)),
        "within_5pct": float(np.mean(np.abs(rel) <= 0.05)),
        "max_abs_rel_error": float(np.max(np.abs(rel))),
        "measured_ms_range": [float(m.min()), float(m.max())],
    }


def fit_correction(raw: Sequence[float], measured: Sequence[float]) -> tuple[float, float]:
    """Least-squares (offset, scale) with measured ~ offset + scale * raw."""
    r, m = np.asarray(raw, float), np.asarray(measured, float)
    if len(r) < 2 or np.ptp(r) == 0:
        return float(np.mean(m - r)), 1.0
    scale, offset = np.polyfit(r, m, 1)
    return float(offset), float(scale)


def validate_table(
    table: LatencyTable,
    space: SearchSpace,
    n_validate: int = 30,
    n_fit: int = 0,
    runs: int = 30,
    warmup: int = 10,
    rounds: int = 3,
    seed: int = 1234,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Measure ``n_fit + n_validate`` random archs end to end against an existing table (which may
    have been measured at another time: on a shared machine prefer :func:`build_and_validate`);
    optionally fit the correction on the first ``n_fit`` (stored into ``table``)."""
    table.check_space(space)
    archs = sample_archs(space, n_fit + n_validate, seed)
    clock = table.meta.get("clock", "wall")
    measured = measure_archs(archs, table.runtime, table.threads, runs, warmup, rounds, table.search_size,
                             table.template_size, seed, progress, clock)
    report = _report(table, archs, measured, n_fit, seed, clock)
    report["protocol"] = "end-to-end graphs timed against a stored table"
    return report
