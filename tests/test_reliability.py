"""The kill campaign (benchmarks/reliability.py, issue 19 part 1) in small: its file checks on
damaged files, and a real run that SIGKILLs ``lighttrack train`` and ``lighttrack eval --tracker
kcf`` twice each, resumes them and finds the results identical to an uninterrupted run; the
training log a resume trims."""

from __future__ import annotations

import json

import torch
from benchmark_helpers import load_benchmark

rel = load_benchmark("reliability")


def test_file_checks_find_damage(tmp_path):
    (tmp_path / "ok.json").write_text('{"a": 1}')
    (tmp_path / "cut.json").write_text('{"a": ')
    (tmp_path / "metrics.jsonl").write_text('{"step": 1}\n{"step": 2')
    (tmp_path / "cfg.yaml").write_text("a: [1, 2\n")
    torch.save({"w": torch.ones(3)}, tmp_path / "good.pt")
    (tmp_path / "bad.pt").write_bytes((tmp_path / "good.pt").read_bytes()[:100])
    (tmp_path / ".last.pt.abc123.tmp").write_bytes(b"x")
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "seq.txt").write_text("1,2,3,4\n5,6,7\n")
    problems = "\n".join(rel.check_files(tmp_path))
    for name in ("cut.json", "metrics.jsonl", "cfg.yaml", "bad.pt", ".last.pt.abc123.tmp", "seq.txt"):
        assert name in problems, name
    assert "ok.json" not in problems and "good.pt" not in problems


def test_timing_is_left_out_of_comparisons():
    a = {"auc": 0.5, "fps": 30.0, "seconds": 1.0, "per_seq": [{"auc": 0.5, "time_ms": 3}]}
    b = {"auc": 0.5, "fps": 31.0, "seconds": 2.0, "per_seq": [{"auc": 0.5, "time_ms": 4}]}
    assert rel.strip_timing(a) == rel.strip_timing(b)
    assert rel.strip_timing({"auc": 0.5}) != rel.strip_timing({"auc": 0.6})


def test_two_kills_per_job_smoke(tmp_path, capsys):
    report = rel.main(["--kills", "2", "--job", "train", "--job", "eval_kcf", "--train-steps", "16",
                       "--sequences", "4", "--work", str(tmp_path)])
    capsys.readouterr()
    for name, row in report["jobs"].items():
        assert row["finished"] and row["identical"], (name, json.dumps(row))
        assert not [p for p in row["problems"] if "kills landed" not in p], (name, row["problems"])
    assert report["jobs"]["train"]["max_redone_per_kill"] <= report["jobs"]["train"]["checkpoint_every_steps"]


def test_resumed_training_log_holds_each_step_once(tmp_path):
    """A resumed run drops the records a killed run logged after its checkpoint (and a cut-off line)."""
    from types import SimpleNamespace

    from lighttrack.train.trainer import Trainer

    log = tmp_path / "metrics.jsonl"
    log.write_text("".join(json.dumps({"step": s, "loss/loss": s}) + "\n" for s in range(1, 7)) + '{"step": 7, "lo')
    Trainer._trim_metrics(SimpleNamespace(out_dir=tmp_path, step=4))
    assert [json.loads(line)["step"] for line in log.read_text().splitlines()] == [1, 2, 3, 4]
    Trainer._trim_metrics(SimpleNamespace(out_dir=tmp_path, step=0))  # a fresh run starts an empty log
    assert log.read_text() == ""


def test_atomic_write_removes_what_a_killed_writer_left(tmp_path):
    import os
    import subprocess
    import sys

    from lighttrack.io import _host, atomic_write_text

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)
    stale = tmp_path / f".final.pt.{_host()}-{int(dead.stdout)}.abc123.tmp"  # its writer is gone
    live = tmp_path / f".final.pt.{_host()}-{os.getpid()}.def456.tmp"  # a writer still running
    other = tmp_path / f".other.pt.{_host()}-{int(dead.stdout)}.abc123.tmp"  # another file's
    for p in (stale, live, other):
        p.write_bytes(b"half")
    atomic_write_text(tmp_path / "final.pt", "x")
    assert not stale.exists() and live.exists() and other.exists()
    assert (tmp_path / "final.pt").read_text() == "x"
