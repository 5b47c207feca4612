"""experiments/tools/finetune_reg_head.py, run as a program: only the regression head changes, the
result tracks, a rerun resumes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch

import lighttrack
from lighttrack.nn.checkpoint import read_checkpoint, save_trackernet
from lighttrack.tracker import Tracker

ROOT = Path(__file__).resolve().parents[1]
TOOL = ROOT / "experiments" / "tools" / "finetune_reg_head.py"
TINY = "back_00000000000000000000+cls_002222222+reg_002222222_ops_20"


def run_tool(argv: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(TOOL), *argv], cwd=ROOT, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def finetuned(tmp_path_factory):
    work = tmp_path_factory.mktemp("reg_head")
    torch.manual_seed(0)
    start = save_trackernet(lighttrack.build(TINY).eval(), work / "start.pt", preset={"name": "mine", "lr": 0.2})
    argv = ["--config", str(ROOT / "configs/tiny_synthetic.yaml"), "--weights", str(start), "--work", str(work / "w"),
            "--out", str(work / "out.pt"), "--pairs", "48", "--shard-size", "16", "--jobs", "2", "--epochs", "2",
            "--lr", "1e-3", "--batch-size", "16", "--threads", "1"]
    done = run_tool(argv)
    assert done.returncode == 0, done.stderr[-3000:]
    return start, work, argv


def test_only_the_regression_head_changes(finetuned):
    start, work, _ = finetuned
    before = read_checkpoint(start)["state_dict"]
    after = read_checkpoint(work / "out.pt")["state_dict"]
    assert before.keys() == after.keys()
    changed = {k for k in before if not torch.equal(before[k], after[k])}
    assert changed and all(k.startswith("reg_head.") for k in changed)
    assert not any(k.endswith(("running_mean", "running_var")) for k in changed)  # BN statistics frozen


def test_result_carries_preset_and_record_and_tracks(finetuned):
    _, work, _ = finetuned
    data = read_checkpoint(work / "out.pt")
    record = data["reg_head_finetune"]
    assert record["pairs"] == 2 * 2 * 16 - 16 and record["held_out_pairs"] == 16
    assert [h["epoch"] for h in record["history"]] == [0, 1, 2]
    assert 1 <= record["kept_epoch"] <= 2
    tracker = Tracker.from_weights(work / "out.pt", arch=TINY)
    assert tracker.preset.name == "mine"
    frame = (torch.rand(120, 160, 3) * 255).to(torch.uint8).numpy()
    tracker.init(frame, [60, 40, 30, 30])
    assert tracker.update(frame).box.shape == (4,)


def test_rerun_resumes_without_new_work(finetuned):
    _, work, argv = finetuned
    shards = sorted((work / "w" / "features").glob("*.npz"))
    stamps = [p.stat().st_mtime_ns for p in shards]
    again = run_tool(argv)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "resumed after epoch 2" in again.stdout
    assert [p.stat().st_mtime_ns for p in shards] == stamps


@pytest.mark.parametrize("change, message", [
    ({"--config": "missing.yaml"}, "no such file"),
    ({"--weights": "missing.pt"}, "not found"),
    ({"--pairs": "8"}, "at least two shards"),
])
def test_bad_arguments_are_clear_errors(tmp_path, change, message):
    args = {"--config": str(ROOT / "configs/tiny_synthetic.yaml"), "--weights": "lighttrack-mobile", "--work": str(tmp_path),
            "--out": str(tmp_path / "o.pt"), "--pairs": "64", "--shard-size": "16", "--jobs": "1"} | change
    done = run_tool([x for kv in args.items() for x in kv])
    assert done.returncode == 2 and message in done.stderr


def test_resuming_with_other_settings_is_refused(finetuned):
    _, _, argv = finetuned
    changed = list(argv)
    changed[changed.index("--epochs") + 1] = "3"
    done = run_tool(changed)
    assert done.returncode == 2 and "epochs: 2 there, 3 now" in done.stderr
