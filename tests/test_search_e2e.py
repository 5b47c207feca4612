"""End to end: a tiny supernet trained briefly on synthetic data, a search under a MACs limit, every
returned Arch within the limit, extracted and tracking; bad inputs fail before the search."""

import json
import math

import numpy as np
import pytest
import yaml

from lighttrack.arch import Arch
from lighttrack.errors import CheckpointError, ConfigError, DataError
from lighttrack.space import SearchSpace

TINY = SearchSpace(depths=(1, 1, 1, 1, 1), output_positions=((2, 0), (3, 0)), head_layers=2)
SYNTH_TRAIN = [{"format": "synthetic", "pairs": 8, "frame_range": 10, "options": {"num_sequences": 4, "length": 20, "seed": 1}}]
SYNTH_VAL = [{"format": "synthetic", "options": {"num_sequences": 2, "length": 8, "seed": 777}}]


@pytest.fixture(scope="module")
def tiny_supernet(tmp_path_factory):
    """Train a tiny-space supernet for a few steps with the real Trainer."""
    from lighttrack.train.config import from_dict
    from lighttrack.train.trainer import Trainer

    out = tmp_path_factory.mktemp("supernet")
    cfg = from_dict({
        "name": "tiny_supernet", "output_dir": str(out), "seed": 0, "device": "cpu", "threads": 1,
        "model": {"kind": "supernet", "depths": list(TINY.depths), "head_layers": TINY.head_layers,
                  "output_positions": ",".join(f"ops_{s}{b}" for s, b in TINY.output_positions)},
        "data": {"train": SYNTH_TRAIN, "template_size": 128, "search_size": 256, "workers": 0},
        "train": {"epochs": 1, "schedule_epochs": 1, "max_steps": 2, "batch_size": 2, "warmup_epochs": 0,
                  "freeze_backbone_epochs": 0, "backbone_lr_mult": 1.0, "lr": 0.01},
        "checkpoint": {"every_steps": 1000}, "log": {"tensorboard": False, "progress": False, "every_steps": 1},
    })
    assert cfg.model.search_space() == TINY
    result = Trainer(cfg).fit()
    return result["products"]["supernet"]


def search_config(tmp_path, supernet, **changes):
    from lighttrack.search.runner import load_search_config

    data = {
        "name": "tiny", "output_dir": str(tmp_path / "search"), "seed": 0, "device": "cpu", "threads": 1,
        "supernet": str(supernet), "algorithm": "evolution",
        "settings": {"population": 4, "generations": 2, "top_k": 2, "mutations": 1, "crossovers": 1},
        "constraints": [{"name": "small", "max_macs": 300e6}],
        "data": {"train": SYNTH_TRAIN, "val": SYNTH_VAL, "template_size": 128, "search_size": 256},
        "fitness": {"calibration_batches": 1, "calibration_batch_size": 2, "max_frames": 5},
    }
    data.update(changes)
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "search.yaml"
    path.write_text(yaml.safe_dump(data))
    return load_search_config(path)


def test_tiny_search_end_to_end(tmp_path, tiny_supernet, monkeypatch):
    from lighttrack.nn.net import extract
    from lighttrack.search.constraints import Costs
    from lighttrack.search.runner import run_search
    from lighttrack.data.synthetic import synthetic_sequence
    from lighttrack.train.checkpoint import load_supernet
    from lighttrack.tracker.tracker import Tracker
    from lighttrack.train.config import load_config

    monkeypatch.setenv("LIGHTTRACK_CACHE", str(tmp_path / "cache"))
    cfg = search_config(tmp_path, tiny_supernet)
    results = run_search(cfg, log=lambda m: None)
    out = cfg.out_dir
    supernet = load_supernet(tiny_supernet)
    costs = Costs(TINY)
    entry = results["constraint_sets"]["small"]
    assert entry["search_evaluations"] == 8
    best = entry["best"]
    assert best["macs"] <= 300e6 and math.isfinite(best["fitness"])
    # every scored candidate is within the limit, unique, and in the space
    cache = json.loads((out / "fitness_cache.json").read_text())["records"]
    archs = [Arch.from_dict(r["arch"]) for r in cache.values()]
    assert len(archs) == 8 and len(set(archs)) == 8
    assert all(a in TINY and costs.of(a)["macs"] <= 300e6 for a in archs)
    # outputs
    pareto = json.loads((out / "pareto.json").read_text())
    assert pareto["fronts"]["macs"] and all(p["macs"] <= 300e6 for p in pareto["fronts"]["macs"])
    front = pareto["fronts"]["macs"]
    assert all(a["fitness"] < b["fitness"] and a["macs"] <= b["macs"] for a, b in zip(front, front[1:]))
    assert (out / "results.json").is_file() and (out / "small" / "state.json").is_file()
    train_cfg = load_config(out / "retrain_small.yaml")
    assert train_cfg.model.kind == "tracker" and train_cfg.model.backbone_init == str(tiny_supernet)
    # the best arch extracted and tracking
    arch = Arch.from_json((out / "best_small.json").read_text())
    assert Arch.from_dict(best["arch"]) == arch
    net = extract(supernet, arch).eval()
    seq = synthetic_sequence(5, 0, length=4)
    tracker = Tracker(net)
    tracker.init(seq.frame(0), seq.boxes[0])
    for i in range(1, 4):
        result = tracker.update(seq.frame(i))
        assert np.all(np.isfinite(result.box))
    # the same seed gives the same search (fitness cache reused: resume is a no-op)
    again = run_search(cfg, resume=True, log=lambda m: None)
    assert again["constraint_sets"]["small"]["best"]["path"] == best["path"]
    # a fresh search without --resume refuses to overwrite
    with pytest.raises(ConfigError, match="--resume"):
        run_search(cfg, log=lambda m: None)
    # scoring is deterministic: the same Arch scores the same in a new process state
    from lighttrack.search.fitness import SupernetFitness
    from lighttrack.search.runner import calibration_set, validation_sequences

    fresh = SupernetFitness(supernet, calibration_set(cfg), validation_sequences(cfg), max_frames=5)
    assert fresh.evaluate(arch)["fitness"] == pytest.approx(best["fitness"], abs=1e-12)
    # interrupted after one generation, then resumed: the same run as uninterrupted
    import shutil

    cfg2 = search_config(tmp_path / "interrupted", tiny_supernet)
    cfg2.out_dir.mkdir(parents=True)
    shutil.copy(out / "fitness_cache.json", cfg2.out_dir / "fitness_cache.json")  # scores reused: fast

    class Interrupt(SupernetFitness):
        calls = 0

        def __call__(self, archs):
            Interrupt.calls += 1
            if Interrupt.calls == 2:
                raise KeyboardInterrupt
            return super().__call__(archs)

    with pytest.raises(KeyboardInterrupt):
        run_search(cfg2, log=lambda m: None, evaluator_factory=Interrupt)
    saved = json.loads((cfg2.out_dir / "small" / "state.json").read_text())
    assert saved["generation"] == 1
    resumed = run_search(cfg2, resume=True, log=lambda m: None)
    full = json.loads((out / "small" / "state.json").read_text())
    done = json.loads((cfg2.out_dir / "small" / "state.json").read_text())
    assert done["history"] == full["history"] and done["rng"] == full["rng"]
    assert resumed["constraint_sets"]["small"]["best"]["path"] == best["path"]


def test_bad_inputs_fail_before_the_search(tmp_path, tiny_supernet, monkeypatch):
    from lighttrack.search.runner import run_search

    monkeypatch.setenv("LIGHTTRACK_CACHE", str(tmp_path / "cache"))
    calls = []
    factory = lambda *a, **k: calls.append(1)  # noqa: E731 - must never be reached
    # supernet trained on another space than the config names
    with pytest.raises(CheckpointError, match="space"):
        run_search(search_config(tmp_path, tiny_supernet, space="paper"), evaluator_factory=factory)
    # a checkpoint that is not a supernet
    bad = tmp_path / "not_a_supernet.pt"
    bad.write_bytes(b"garbage")
    with pytest.raises(CheckpointError):
        run_search(search_config(tmp_path, bad), evaluator_factory=factory)
    # infeasible budget
    with pytest.raises(ConfigError, match="infeasible"):
        run_search(search_config(tmp_path, tiny_supernet, constraints=[{"name": "none", "max_macs": 1e6}]), evaluator_factory=factory)
    # empty validation split
    empty = [{"format": "synthetic", "options": {"num_sequences": 0, "length": 8, "seed": 1}}]
    with pytest.raises(DataError, match="empty"):
        run_search(search_config(tmp_path, tiny_supernet, data={"train": SYNTH_TRAIN, "val": empty}), evaluator_factory=factory)
    # unreadable validation split
    missing = [{"format": "folder", "root": str(tmp_path / "nowhere"), "split": "val"}]
    with pytest.raises(DataError):
        run_search(search_config(tmp_path, tiny_supernet, data={"train": SYNTH_TRAIN, "val": missing}), evaluator_factory=factory)
    assert not calls


def test_cli_dry_run_and_latency_predict(tmp_path, tiny_supernet, capsys, monkeypatch):
    from pathlib import Path

    from lighttrack.cli import main

    monkeypatch.setenv("LIGHTTRACK_CACHE", str(tmp_path / "cache"))
    cfg = search_config(tmp_path, tiny_supernet)
    path = tmp_path / "cli.yaml"
    data = cfg.to_dict()
    path.write_text(yaml.safe_dump(data))
    assert main(["search", str(path), "--dry-run"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["validation_sequences"] == 2 and report["calibration_pairs"] == 2
    assert 0 < report["constraint_sets"]["small"]["acceptance_rate"] <= 1
    # infeasible budget through the CLI: exit code 2 and a clear message
    data["constraints"] = [{"name": "none", "max_macs": 1e6}]
    path.write_text(yaml.safe_dump(data))
    assert main(["search", str(path), "--dry-run"]) == 2
    assert "infeasible budget" in capsys.readouterr().err
    table = Path(__file__).resolve().parents[1] / "lighttrack" / "search" / "tables" / "onnxruntime-cpu.json"
    assert main(["latency", "predict", str(table), "lighttrack-mobile"]) == 0
    assert "predicted" in capsys.readouterr().out


def test_shipped_search_configs_load(data_roots):
    from pathlib import Path

    from lighttrack.search.runner import load_search_config

    root = Path(__file__).resolve().parents[1] / "configs"
    names = sorted(p.name for p in root.glob("search_*.yaml") if "supernet" not in p.name)
    assert names
    for name in names:
        load_search_config(root / name)
