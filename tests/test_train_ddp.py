"""Two gloo processes: the supernet (manual path all-reduce) and a TrackerNet (DDP) stay in sync."""

import os
import socket
import sys
from pathlib import Path

import pytest
import torch
import torch.multiprocessing as mp

from lighttrack.space import SearchSpace


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _common(out, *extra):
    return [
        f"output_dir={out}",
        "device=cpu",
        "threads=1",
        "train.batch_size=1",
        "train.steps_per_epoch=2",
        "train.epochs=1",
        "train.schedule_epochs=2",
        "train.warmup_epochs=1",
        "checkpoint.every_steps=1",
        "checkpoint.keep=0",
        "log.progress=false",
        "log.tensorboard=false",
        "log.every_steps=1",
        "data.search_size=128",
        "data.train=[{format: synthetic, pairs: 4}]",
        *extra,
    ]


def _worker(rank: int, world: int, port: int, out: str) -> None:
    os.environ.update(RANK=str(rank), WORLD_SIZE=str(world), LOCAL_RANK=str(rank), MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(1)
    from lighttrack.train import distributed
    from lighttrack.train.config import load_config
    from lighttrack.train.testing import FakePairs
    from lighttrack.train.trainer import Trainer

    try:
        sup = Trainer(load_config(None, _common(f"{out}/super", "model.kind=supernet", "train.freeze_backbone_epochs=0")),
                      dataset=FakePairs(length=8, search_size=128, seed=3))
        first_box = next(iter(sup._loader(0, 0)))["box"]
        sup.fit()
        torch.save({"state": sup.model.state_dict(), "box": first_box}, f"{out}/super_{rank}.pt")
        small = str(SearchSpace().smallest())
        trk = Trainer(
            load_config(None, _common(f"{out}/tracker", f"model.arch={small}", "train.freeze_backbone_epochs=0.5")),
            dataset=FakePairs(length=8, search_size=128, seed=4),
        )
        trk.fit()  # step 0 frozen backbone, step 1 unfrozen: the DDP wrapper is rebuilt
        torch.save({"state": {k: p.detach() for k, p in trk.model.named_parameters()}}, f"{out}/tracker_{rank}.pt")
    finally:
        distributed.teardown()


def test_two_gloo_processes_stay_in_sync(tmp_path):
    torch.manual_seed(0)
    mp.spawn(_worker, args=(2, _free_port(), str(tmp_path)), nprocs=2, join=True)
    s0, s1 = (torch.load(tmp_path / f"super_{r}.pt", weights_only=True) for r in (0, 1))
    assert not torch.equal(s0["box"], s1["box"]), "each rank must read its own slice of the batch"
    for key, value in s0["state"].items():
        assert torch.equal(value, s1["state"][key]), key
    t0, t1 = (torch.load(tmp_path / f"tracker_{r}.pt", weights_only=True)["state"] for r in (0, 1))
    for key, value in t0.items():
        assert torch.equal(value, t1[key]), key
    # rank 0 wrote the products
    assert (tmp_path / "super" / "supernet.pt").is_file() and (tmp_path / "tracker" / "final.pt").is_file()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_torchrun_worker_dies_with_its_launcher(tmp_path):
    """SIGKILL of the launcher alone must not orphan the workers (they run in sessions of their
    own under torchrun): die_with_launcher has the kernel kill them too."""
    import signal
    import subprocess
    import time

    pid_file = tmp_path / "worker.pid"
    worker = ("import os, sys, time; os.environ['TORCHELASTIC_RUN_ID'] = 'test'; "
              "from lighttrack.train.distributed import die_with_launcher; assert die_with_launcher(); "
              f"open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(60)")
    launcher = ("import subprocess, sys, time; "
                f"subprocess.Popen([sys.executable, '-c', {worker!r}], start_new_session=True); time.sleep(60)")
    parent = subprocess.Popen([sys.executable, "-c", launcher])
    try:
        deadline = time.time() + 60
        while not (pid_file.is_file() and pid_file.read_text()) and time.time() < deadline:
            time.sleep(0.1)
        pid = int(pid_file.read_text())
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        deadline = time.time() + 10
        while Path(f"/proc/{pid}").exists() and time.time() < deadline:
            time.sleep(0.1)
        alive = Path(f"/proc/{pid}").exists() and "Z" not in Path(f"/proc/{pid}/stat").read_text().split()[2]
        assert not alive, "the worker outlived its launcher"
    finally:
        parent.kill()


def test_outside_torchrun_nothing_is_asked_of_the_kernel(monkeypatch):
    from lighttrack.train.distributed import die_with_launcher

    monkeypatch.delenv("TORCHELASTIC_RUN_ID", raising=False)
    assert die_with_launcher() is False
