"""Kill campaign (issue 19, part 1): SIGKILL each long job at random moments, resume it, compare.

For every job the campaign runs an uninterrupted reference, then runs the same job again in a
fresh folder, sending SIGKILL to its whole process group (torchrun and its workers, eval's worker
processes, the demo's stages) after a seeded random delay, and starting it again with its resume
option after each kill, until ``--kills`` kills have landed; the last start then runs to the end.
Jobs (all tiny, CPU, one at a time):

- ``train``: ``lighttrack train configs/tiny_synthetic.yaml`` cut down to a few dozen steps,
  ``--resume`` (from ``last.pt``) whenever a checkpoint exists;
- ``train_ddp``: the same under ``torchrun --nproc_per_node 2`` (gloo on CPU);
- ``search``: ``lighttrack search`` on a tiny-space supernet made first, always ``--resume``
  after the first start;
- ``eval_kcf`` / ``eval_lighttrack``: ``lighttrack eval --dataset synthetic`` with KCF and the
  shipped LightTrack-Mobile (a killed eval continues by skipping finished sequences; each run has
  its own ``LIGHTTRACK_CACHE``, so the first ONNX export into the cache is killed too);
- ``demo``: ``lighttrack demo --quick --out DIR`` (the stage cache, training and search stages
  resuming from their own checkpoints).

A kill lands uniformly in ``[0.6 * T0, T0 + max(L / K, 0.05 * W)]``, where ``T0`` is the
job's start-up (until the reference wrote its first file), ``W`` the rest of the reference's
run time, ``L`` the part of ``W`` the run has not saved yet (from its checkpoint, finished
sequences, search generations or demo stages) and ``K`` the kills still to send: the kills spread
over the whole job, most in its work, some in start-up, and work is usually still left after
``kills`` kills. Run it from a snapshot of the tree (``git archive HEAD | tar -x -C DIR``) while
others edit the working tree: the jobs import the package next to the script.

Pass means: every start after a kill ends with exit 0 or is killed (no other failure); no file of
the run is left unreadable (every JSON / JSONL / YAML / .pt / text / image / ONNX / MP4 file is
parsed or loaded) and no temporary file is left behind; training redoes at most one checkpoint
interval per kill and its final weights are bit-identical (``torch.equal`` on every tensor) to the
reference's, as are the per-step losses; search results and evaluation metrics (and result
files) are identical to the reference's (timings left out). JSON on stdout:

    python benchmarks/reliability.py                    # 20 kills per job (about 6 min on 2 busy CPU cores)
    python benchmarks/reliability.py --kills 2 --job train --job eval_kcf
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
import yaml

from lighttrack.io import report_json
from lighttrack.procfs import descendants

REPO = Path(__file__).resolve().parents[1]
LT = [sys.executable, "-m", "lighttrack"]
TORCHRUN = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--standalone", "-m", "lighttrack"]
TIMING = re.compile(r"(^|_|/)(seconds|fps|time|times|speed|pairs_per_s|elapsed|wall|started|finished_at|date|duration)($|_)|_s$|_ms$")
TEMP = re.compile(r"(\.tmp$|\.part$|\.partial$|^\.[^/]*\.tmp|~$|\.lock$)")

TRAIN_OVERRIDES = [
    "train.epochs=1", "train.schedule_epochs=1", "train.warmup_epochs=0.25",
    "train.batch_size=2", "data.search_size=128", "checkpoint.every_steps=4", "checkpoint.keep=1",
    "log.progress=false", "log.tensorboard=false", "log.every_steps=1",
]
SYNTH_TRAIN = "[{format: synthetic, pairs: 8, frame_range: 10, options: {num_sequences: 4, length: 20, seed: 1}}]"
SEARCH_YAML = {
    "name": "kill_search", "seed": 0, "device": "cpu", "threads": 1, "algorithm": "evolution",
    "settings": {"population": 4, "generations": 4, "top_k": 2, "mutations": 1, "crossovers": 1},
    "constraints": [{"name": "small", "max_macs": 3.0e8}, {"name": "tiny", "max_macs": 1.5e8}],
    "data": {"train": yaml.safe_load(SYNTH_TRAIN),
             "val": [{"format": "synthetic", "options": {"num_sequences": 2, "length": 8, "seed": 777}}],
             "template_size": 128, "search_size": 256},
    "fitness": {"calibration_batches": 1, "calibration_batch_size": 2, "max_frames": 5},
}


# ----------------------------------------------------------------------------- files
def check_files(root: Path) -> list[str]:
    """Every result file under ``root`` parses / loads; no temporary file is left. Problems, as text."""
    problems = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = str(path.relative_to(root))
        if TEMP.search(path.name):
            problems.append(f"leftover temporary file {rel}")
            continue
        try:
            _check_file(path)
        except Exception as err:  # noqa: BLE001 - any failure to read is the finding
            problems.append(f"{rel}: {type(err).__name__}: {str(err)[:160]}")
    return problems


def _check_file(path: Path) -> None:
    ext = path.suffix.lower()
    if ext == ".json":
        json.loads(path.read_text(encoding="utf-8"))
    elif ext == ".jsonl":
        text = path.read_text(encoding="utf-8")
        if text and not text.endswith("\n"):
            raise ValueError("last line is cut off")
        for n, line in enumerate(text.splitlines(), 1):
            try:
                json.loads(line)
            except ValueError:
                raise ValueError(f"line {n} is not JSON: {line[:60]!r}") from None
    elif ext in (".yaml", ".yml"):
        yaml.safe_load(path.read_text(encoding="utf-8"))
    elif ext in (".pt", ".pth"):
        torch.load(path, map_location="cpu", weights_only=False)
    elif ext in (".txt", ".html", ".csv", ".md", ".log"):
        text = path.read_text(encoding="utf-8")
        if ext == ".txt" and path.parent.name == "results":  # tracker result files: x,y,w,h per line
            rows = [r for r in text.splitlines() if r.strip()]
            if not rows:
                raise ValueError("empty results file")
            widths = {len(re.split(r"[,\s]+", r.strip())) for r in rows}
            if len(widths) != 1:
                raise ValueError(f"rows of different lengths {sorted(widths)}")
            [float(v) for r in rows for v in re.split(r"[,\s]+", r.strip())]
    elif ext in (".png", ".jpg", ".jpeg"):
        import cv2

        if cv2.imread(str(path)) is None:
            raise ValueError("image does not decode")
    elif ext == ".onnx":
        import onnx

        onnx.load(str(path))
    elif ext == ".mp4":
        import cv2

        cap = cv2.VideoCapture(str(path))
        ok, _ = cap.read()
        cap.release()
        if not ok:
            raise ValueError("video does not decode")


def strip_timing(obj, key: str = ""):
    """``obj`` without timing entries (and without paths to the run folder), for comparisons."""
    if isinstance(obj, dict):
        return {k: strip_timing(v, k) for k, v in obj.items() if not TIMING.search(str(k).lower())}
    if isinstance(obj, list):
        return [strip_timing(v) for v in obj]
    return obj


def load_json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def same_json(a: Path, b: Path, ref_root: Path, kill_root: Path) -> bool:
    ta = json.dumps(strip_timing(load_json(a)), sort_keys=True).replace(str(ref_root), "RUN")
    tb = json.dumps(strip_timing(load_json(b)), sort_keys=True).replace(str(kill_root), "RUN")
    return ta == tb


def same_tensors(a: Path, b: Path) -> tuple[bool, int]:
    """``torch.equal`` on every tensor of two checkpoints (nested dicts / lists); (equal, tensors)."""
    sa, sb = (torch.load(p, map_location="cpu", weights_only=False) for p in (a, b))
    count = 0

    def walk(x, y) -> bool:
        nonlocal count
        if isinstance(x, torch.Tensor):
            count += 1
            return isinstance(y, torch.Tensor) and x.dtype == y.dtype and x.shape == y.shape and torch.equal(x, y)
        if isinstance(x, dict):
            return isinstance(y, dict) and x.keys() == y.keys() and all(walk(x[k], y[k]) for k in x)
        if isinstance(x, (list, tuple)):
            return isinstance(y, (list, tuple)) and len(x) == len(y) and all(walk(u, v) for u, v in zip(x, y))
        return True  # non-tensor entries (paths, config) are not weights

    return walk(sa, sb), count


def step_losses(metrics: Path) -> dict[int, dict]:
    """The last record of each step's losses in a metrics.jsonl (a resumed run logs redone steps again)."""
    out = {}
    if metrics.is_file():
        for line in metrics.read_text().splitlines():
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if "step" in rec:
                out[rec["step"]] = {k: v for k, v in rec.items() if k.startswith("loss")}
    return out


def step_order(metrics: Path) -> list:
    """The step of every record of a metrics.jsonl, in order (a step logged twice shows twice)."""
    if not metrics.is_file():
        return []
    out = []
    for line in metrics.read_text().splitlines():
        try:
            out.append(json.loads(line).get("step"))
        except ValueError:
            out.append(None)
    return out


def logged_steps(metrics: Path) -> int:
    return max(step_losses(metrics), default=0)


def ckpt_step(path: Path) -> int:
    if not path.is_file():
        return 0
    return int(torch.load(path, map_location="cpu", weights_only=False)["step"])


# ----------------------------------------------------------------------------- jobs
class Job:
    name = ""

    def setup(self, work: Path) -> None:
        pass

    def command(self, out: Path, started_before: bool) -> list[str]:
        raise NotImplementedError

    def env(self, out: Path) -> dict:
        return {}

    def progress(self, out: Path) -> float:
        """The fraction of the job a resume would not redo (0 when unknown)."""
        return 0.0

    def before_start(self, out: Path, record: dict) -> None:
        """Called before each start after a kill (record the state the resume will start from)."""

    def after_kill(self, out: Path, record: dict) -> None:
        """Called after each kill (record how far the run got)."""

    def compare(self, ref: Path, run: Path) -> tuple[bool, list[str], dict]:
        raise NotImplementedError


class Train(Job):
    name = "train"

    def __init__(self, ddp: bool = False, steps: int = 96):
        self.ddp = ddp
        self.steps = steps
        self.name = "train_ddp" if ddp else "train"
        self.every = 4
        self.redone: list[int] = []

    def command(self, out, started_before):
        base = (TORCHRUN if self.ddp else LT) + ["train", str(REPO / "configs/tiny_synthetic.yaml"), f"output_dir={out}",
                                                *TRAIN_OVERRIDES, f"train.steps_per_epoch={self.steps}", f"data.train={SYNTH_TRAIN}"]
        # a run killed before its first checkpoint starts over (--resume would start it too)
        return base + (["--resume"] if (out / "last.pt").is_file() else [])

    def env(self, out):
        return {"OMP_NUM_THREADS": "1"}

    def progress(self, out):
        return ckpt_step(out / "last.pt") / self.steps

    def after_kill(self, out, record):
        record["logged_step"] = logged_steps(out / "metrics.jsonl")
        record["checkpoint_step"] = ckpt_step(out / "last.pt")
        redo = max(0, record["logged_step"] - record["checkpoint_step"])
        record["redo"] = redo
        self.redone.append(redo)

    def compare(self, ref, run):
        problems = []
        equal, tensors = same_tensors(ref / "final.pt", run / "final.pt")
        if not equal:
            problems.append("final.pt differs from the reference")
        la, lb = step_losses(ref / "metrics.jsonl"), step_losses(run / "metrics.jsonl")
        if la != lb:
            bad = sorted(k for k in set(la) | set(lb) if la.get(k) != lb.get(k))
            problems.append(f"losses differ at steps {bad[:10]}")
        order_a, order_b = step_order(ref / "metrics.jsonl"), step_order(run / "metrics.jsonl")
        if order_b != order_a:
            dup = len(order_b) - len(set(order_b))
            problems.append(f"metrics.jsonl logs steps {len(order_b)} times ({dup} repeated), the reference {len(order_a)}")
        worst = max(self.redone, default=0)
        if worst > self.every:
            problems.append(f"a resume redid {worst} steps, more than one checkpoint interval ({self.every})")
        return (equal and la == lb), problems, {
            "steps": ckpt_step(run / "last.pt"), "steps_redone": sum(self.redone),
            "max_redone_per_kill": worst, "checkpoint_every_steps": self.every, "tensors_compared": tensors}


class Search(Job):
    name = "search"

    def setup(self, work):
        self.supernet = work / "supernet" / "supernet.pt"
        if not self.supernet.is_file():
            subprocess.run(
                LT + ["train", str(REPO / "configs/search_tiny_supernet.yaml"), f"output_dir={self.supernet.parent}",
                      "model.depths=[1,1,1,1,1]", "model.head_layers=2", "model.output_positions=ops_20,ops_30",
                      "train.max_steps=2", "train.batch_size=2", "train.epochs=1", "train.schedule_epochs=1",
                      f"data.train={SYNTH_TRAIN}", "log.progress=false", "log.tensorboard=false"],
                check=True, capture_output=True, env=_env({}))
        self.config = work / "search.yaml"
        self.config.write_text(yaml.safe_dump(SEARCH_YAML))
        self.resumed_at: list[str] = []

    def command(self, out, started_before):
        return LT + ["search", str(self.config), f"supernet={self.supernet}", f"output_dir={out}"] + (["--resume"] if started_before else [])

    def progress(self, out):
        gens = SEARCH_YAML["settings"]["generations"] * len(SEARCH_YAML["constraints"])
        done = 0
        for state in out.glob("*/state.json"):
            try:
                done += int(load_json(state).get("generation", 0))
            except (ValueError, OSError):
                pass
        return done / gens

    def after_kill(self, out, record):
        record["generations_saved"] = round(self.progress(out) * SEARCH_YAML["settings"]["generations"] * len(SEARCH_YAML["constraints"]))

    def compare(self, ref, run):
        problems, equal = [], True
        names = sorted(p.name for p in ref.glob("*.json"))
        for name in names:
            if not (run / name).is_file():
                problems.append(f"{name} missing")
                equal = False
            elif name != "fitness_cache.json" and not same_json(ref / name, run / name, ref, run):
                problems.append(f"{name} differs from the reference")
                equal = False
        ra = load_json(ref / "results.json")
        evals = {k: v.get("search_evaluations") for k, v in ra.get("constraint_sets", {}).items()}
        return equal, problems, {"files_compared": names, "evaluations": evals}


class Eval(Job):
    def __init__(self, tracker: str, sequences: int):
        self.tracker = tracker
        self.sequences = sequences
        self.name = "eval_kcf" if tracker == "kcf" else "eval_lighttrack"
        self.rewritten = 0
        self.before: dict[str, int] = {}

    def command(self, out, started_before):
        return LT + ["eval", "--tracker", self.tracker, "--dataset", "synthetic", "--max-sequences", str(self.sequences),
                     "--out", str(out / "run"), "--no-progress", "--json"]

    def env(self, out):
        return {"LIGHTTRACK_CACHE": str(out / "cache"), "LIGHTTRACK_CACHE_DIR": str(out / "cache")}

    def _results(self, out):
        """Finished sequences (results and time files both written) -> the results file's mtime."""
        res = out / "run" / "results"
        return {p.name: p.stat().st_mtime_ns for p in res.glob("*.txt") if (res / "times" / f"{p.stem}_time.txt").is_file()}

    def progress(self, out):
        return len(self._results(out)) / self.sequences

    def after_kill(self, out, record):
        self.before = self._results(out)
        record["sequences_done"] = len(self.before)

    def before_start(self, out, record):
        pass

    def after_start(self, out):
        now = self._results(out)
        self.rewritten += sum(1 for k, t in self.before.items() if now.get(k) != t)

    def compare(self, ref, run):
        problems = []
        equal = same_json(ref / "run" / "metrics.json", run / "run" / "metrics.json", ref, run)
        if not equal:
            problems.append("metrics.json differs from the reference")
        ra, rb = ref / "run" / "results", run / "run" / "results"
        names = sorted(p.name for p in ra.glob("*.txt"))
        diff = [n for n in names if not (rb / n).is_file() or (ra / n).read_bytes() != (rb / n).read_bytes()]
        if diff:
            problems.append(f"result files differ: {diff[:5]}")
        if self.rewritten:
            problems.append(f"{self.rewritten} finished sequence(s) tracked again after a resume")
        return equal and not diff, problems, {"sequences": len(names), "finished_sequences_redone": self.rewritten}


class Demo(Job):
    name = "demo"

    def command(self, out, started_before):
        return LT + ["demo", "--quick", "--out", str(out / "demo"), "--no-progress"]

    def env(self, out):
        return {"LIGHTTRACK_CACHE": str(out / "cache"), "LIGHTTRACK_CACHE_DIR": str(out / "cache")}

    def progress(self, out):
        return len(list((out / "demo" / "stages").glob("*.json"))) / 7

    def after_kill(self, out, record):
        record["stages_done"] = sorted(p.stem for p in (out / "demo" / "stages").glob("*.json"))

    def compare(self, ref, run):
        problems, equal = [], True
        a, b = ref / "demo", run / "demo"
        jsons = sorted(str(p.relative_to(a)) for p in a.rglob("*.json")
                       if p.name not in ("fitness_cache.json", "summary.json", "demo.json") and "track" not in p.parts)
        for rel in jsons:
            if not (b / rel).is_file() or not same_json(a / rel, b / rel, ref, run):
                problems.append(f"{rel} differs from the reference")
                equal = False
        weights = sorted(str(p.relative_to(a)) for p in a.rglob("final.pt")) + sorted(str(p.relative_to(a)) for p in a.rglob("supernet.pt"))
        for rel in weights:
            same, _ = same_tensors(a / rel, b / rel) if (b / rel).is_file() else (False, 0)
            if not same:
                problems.append(f"{rel}: weights differ from the reference")
                equal = False
        return equal, problems, {"json_compared": len(jsons), "weights_compared": weights}


JOBS = {
    "train": lambda a: Train(False, a.train_steps),
    "train_ddp": lambda a: Train(True, a.train_steps),
    "search": lambda a: Search(),
    "eval_kcf": lambda a: Eval("kcf", a.sequences),
    "eval_lighttrack": lambda a: Eval("lighttrack-mobile", a.sequences),
    "demo": lambda a: Demo(),
}


# ----------------------------------------------------------------------------- running
def _env(extra: dict) -> dict:
    env = dict(os.environ)
    # the jobs import the package of this tree (run the script from a snapshot to measure one version)
    path = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.update({"PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore", "PYTHONPATH": path})
    env.update(extra)
    return env


def _start(cmd: list[str], env: dict, log) -> subprocess.Popen:
    return subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def kill_tree(pid: int) -> None:
    """SIGKILL ``pid`` and every process below it at one moment: the tree is frozen first (SIGSTOP,
    so none can start another or be reparented away), then killed, until none is left. (Killing the
    process group alone would miss torchrun's workers, which run in sessions of their own.)"""
    known = {pid}
    for sig in (signal.SIGSTOP, signal.SIGKILL):
        for _ in range(3):  # freeze, look again for what started meanwhile
            known |= {d for q in tuple(known) for d in descendants(q)}
            for q in known:
                try:
                    os.kill(q, sig)
                except ProcessLookupError:
                    pass
    for _ in range(200):
        alive = []
        for q in known - {pid}:
            try:
                if Path(f"/proc/{q}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                    alive.append(q)
            except OSError:
                pass
        if not alive:
            return
        time.sleep(0.05)


def run_to_end(cmd, env, log_path: Path, timeout: float, watch: Path | None = None) -> tuple[int, float, float | None]:
    """Run to the end; (exit code, seconds, seconds until the first file appeared under ``watch``)."""
    t = time.perf_counter()
    first = None
    with open(log_path, "ab") as log:
        p = _start(cmd, env, log)
        while p.poll() is None:
            if time.perf_counter() - t > timeout:
                kill_tree(p.pid)
                p.wait()
                return -999, time.perf_counter() - t, first
            if watch is not None and first is None and any(f.is_file() and "cache" not in f.parts for f in watch.rglob("*")):
                first = time.perf_counter() - t
            time.sleep(0.05)
    return p.returncode, time.perf_counter() - t, first


def campaign(job: Job, work: Path, kills: int, rng: random.Random, timeout: float) -> dict:
    jdir = work / job.name
    shutil.rmtree(jdir, ignore_errors=True)
    ref, run = jdir / "reference", jdir / "killed"
    ref.mkdir(parents=True)
    run.mkdir(parents=True)
    job.setup(work)
    row: dict = {"kills": 0, "resumes": 0, "finished": False, "identical": False, "problems": []}
    rc, t_ref, t0 = run_to_end(job.command(ref, False), _env(job.env(ref)), jdir / "reference.log", timeout, watch=ref)
    row["reference_s"] = round(t_ref, 1)
    if rc != 0:
        row["problems"].append(f"reference run failed (exit {rc}, {jdir / 'reference.log'})")
        return row
    t0 = min(t0 or t_ref / 2, t_ref / 2)  # start-up: until the job wrote its first file
    work_s = max(t_ref - t0, 1.0)
    row["startup_s"] = round(t0, 1)
    windows = []
    events, started, failures = [], False, []
    deadline = time.monotonic() + timeout
    while True:
        if time.monotonic() > deadline:
            failures.append("timed out")
            break
        cmd = job.command(run, started)
        env = _env(job.env(run))
        record: dict = {"resume": started}
        if started:
            row["resumes"] += 1
            job.before_start(run, record)
        if row["kills"] >= kills:  # enough kills: let it finish
            rc, _, _ = run_to_end(cmd, env, jdir / "killed.log", timeout)
            if hasattr(job, "after_start"):
                job.after_start(run)
            if rc != 0:
                failures.append(f"the last start failed (exit {rc})")
            else:
                row["finished"] = True
            events.append({**record, "exit": rc})
            break
        # the window follows what is left: the work left per kill left, at least 5 % of the job
        left = max(0.0, 1.0 - job.progress(run)) * work_s
        hi = t0 + max(left / (kills - row["kills"]), 0.05 * work_s)
        windows.append(hi)
        delay = rng.uniform(0.6 * t0, hi)
        with open(jdir / "killed.log", "ab") as log:
            log.write(f"\n=== start {' '.join(cmd[2:5])} ... kill after {delay:.2f} s\n".encode())
            log.flush()
            p = _start(cmd, env, log)
            try:
                rc = p.wait(timeout=delay)
            except subprocess.TimeoutExpired:
                kill_tree(p.pid)  # the whole job at once: torchrun's workers and eval's workers too
                p.wait()
                rc = None
        started = True
        if hasattr(job, "after_start"):
            job.after_start(run)
        if rc is None:
            row["kills"] += 1
            record["killed_after_s"] = round(delay, 2)
            job.after_kill(run, record)
            events.append(record)
            continue
        events.append({**record, "exit": rc})
        if rc != 0:
            failures.append(f"a start ended with exit {rc} (see {jdir / 'killed.log'})")
            break
        row["finished"] = True  # finished before the next kill landed
        break
    if windows:
        row["kill_window_s"] = [round(0.6 * t0, 2), round(min(windows), 2), round(max(windows), 2)]
    row["problems"] += failures
    row["problems"] += [f"reference: {p}" for p in check_files(ref)]
    row["problems"] += check_files(run)
    if row["finished"]:
        try:
            identical, problems, extra = job.compare(ref, run)
        except Exception as err:  # noqa: BLE001 - a result that cannot be compared is a finding
            identical, problems, extra = False, [f"comparison failed: {type(err).__name__}: {err}"], {}
        row["identical"] = identical
        row["problems"] += problems
        row.update(extra)
    if row["kills"] < kills:
        row["problems"].append(f"only {row['kills']} kills landed before the job finished")
    row["events"] = events
    return row


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kills", type=int, default=20, help="kills per job (default 20)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--job", action="append", choices=list(JOBS), help="run only these jobs (repeatable)")
    ap.add_argument("--sequences", type=int, default=16, help="clips per eval job (default 16, all the synthetic set has)")
    ap.add_argument("--train-steps", type=int, default=96, help="steps of the training jobs (default 96; a checkpoint every 4)")
    ap.add_argument("--work", help="work folder (default: a temporary folder, removed at the end)")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    ap.add_argument("--timeout", type=float, default=900, help="seconds per job before it counts as hung")
    ap.add_argument("--events", action="store_true", help="include each start's record in the JSON")
    ap.add_argument("--out", help="also write the JSON here")
    args = ap.parse_args(argv)
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="lighttrack_kill_"))
    work.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    report: dict = {"kills_per_job": args.kills, "seed": args.seed, "jobs": {}}
    try:
        for n, name in enumerate(args.job or list(JOBS)):
            job = JOBS[name](args)
            rng = random.Random(f"{args.seed}/{name}")
            row = campaign(job, work, args.kills, rng, args.timeout)
            if not args.events:
                row.pop("events", None)
            report["jobs"][name] = row
            print(f"{name}: {row['kills']} kills, identical {row['identical']}, problems {len(row['problems'])}", file=sys.stderr, flush=True)
    finally:
        if not (args.keep or args.work):
            shutil.rmtree(work, ignore_errors=True)
    report["all_pass"] = all(r["finished"] and r["identical"] and not r["problems"] for r in report["jobs"].values())
    report["seconds"] = round(time.perf_counter() - t, 1)
    report_json(report, args.out)
    return report


if __name__ == "__main__":
    sys.exit(0 if main()["all_pass"] else 1)
