"""Run a lighttrack tracker inside the official vot-toolkit and compare its numbers with ours.

Run it with the Python of an environment where ``vot-toolkit`` is installed and lighttrack is
importable (``scripts/vot_integration.sh`` builds one and runs ``python -m
lighttrack.eval.vot_integration``). Steps:

1. write a local VOT workspace (no download): a few sequences in the VOT layout (``color/`` JPEGs,
   8-value polygon ``groundtruth.txt``, ``sequence`` metadata, ``list.txt``) from DAVIS 2016 val
   (``$LIGHTTRACK_DAVIS``, docs/data.md) or, when that is not set, from lighttrack's synthetic clips;
2. a stack with the VOT2018 supervised "baseline" experiment (skip 5, A/R with sensitivity 30,
   EAO over [100, 356]) plus an EAO over the VOT2019 interval [46, 291];
3. ``trackers.ini`` registering ``lighttrack.eval.vot_adapter:create`` through the ``python`` runtime;
4. ``vot evaluate`` and ``vot analysis --format json``;
5. lighttrack's own VOT metrics on the trajectories the toolkit wrote, printed side by side.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np

from lighttrack.data.sequence import load_image
from lighttrack.data.synthetic import synthetic_sequence
from lighttrack.errors import InputError
from lighttrack.eval import metrics as M
from lighttrack.eval.results import read_trajectory

# The official-layout checkpoint with random weights that the tests use (in a source checkout).
FIXTURE = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "official_lighttrack_mobile" / "state_dict.pt"


def davis_root() -> Path | None:
    """DAVIS-2016 in the folder layout, from ``$LIGHTTRACK_DAVIS``; None when unset or missing."""
    value = os.environ.get("LIGHTTRACK_DAVIS", "")
    return Path(value).expanduser() if value and Path(value).expanduser().is_dir() else None

STACK = """title: lighttrack VOT2018-style supervised check
experiments:
  baseline:
    type: supervised
    repetitions: {reps}
    skip_initialize: 5
    analyses:
      - type: supervised_average_ar
        sensitivity: 30
      - type: supervised_eao_score
        low: 100
        high: 356
      - type: supervised_eao_score
        name: eao2019
        low: 46
        high: 291
"""


def _sources(kind: str, count: int, frames: int):
    if kind == "davis":
        root = davis_root()
        if root is None:
            raise InputError("--source davis needs LIGHTTRACK_DAVIS: point it at DAVIS-2016 in the folder layout (docs/data.md)")
        chosen = []
        for d in sorted((root / "val").iterdir()):
            gt = np.loadtxt(d / "groundtruth.txt", delimiter=",")
            if np.all(np.isfinite(gt)):
                chosen.append(d)
            if len(chosen) == count:
                break
        for d in chosen:
            gt = np.loadtxt(d / "groundtruth.txt", delimiter=",")[:frames]
            imgs = sorted((d / "img").glob("*.jpg"))[:frames]
            yield d.name, [load_image(p) for p in imgs], gt
    else:
        for i in range(count):
            s = synthetic_sequence(seed=7, index=i, length=frames, size=(320, 240))
            gt = s.boxes.copy()
            for k in range(1, len(gt)):  # VOT legacy ground truth cannot be empty: hold the last box
                if not np.all(np.isfinite(gt[k])):
                    gt[k] = gt[k - 1]
            yield s.name, [s.frame(k) for k in range(len(s))], gt


def write_workspace(ws: Path, source: str, count: int, frames: int, tracker: str, preset: str | None, reps: int):
    seqs_dir = ws / "sequences"
    seqs_dir.mkdir(parents=True, exist_ok=True)
    names = []
    for name, images, gt in _sources(source, count, frames):
        d = seqs_dir / name
        (d / "color").mkdir(parents=True, exist_ok=True)
        for i, img in enumerate(images, 1):
            cv2.imwrite(str(d / "color" / f"{i:08d}.jpg"), cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
        x, y, w, h = gt.T
        poly = np.stack([x, y, x + w, y, x + w, y + h, x, y + h], axis=1)
        np.savetxt(d / "groundtruth.txt", poly, fmt="%.2f", delimiter=",")
        (d / "sequence").write_text(f"channels.color=color/%08d.jpg\nformat=default\nfps=30\nname={name}\n")
        names.append(name)
    (seqs_dir / "list.txt").write_text("\n".join(names) + "\n")
    (ws / "stack.yaml").write_text(STACK.format(reps=reps))
    (ws / "config.yaml").write_text("registry:\n- ./trackers.ini\nstack: stack.yaml\nsequences: sequences\n")
    lines = ["[lighttrack]", "label = lighttrack", "protocol = python",
             "command = lighttrack.eval.vot_adapter:create", f"arg_tracker = {tracker}", "timeout = 120"]
    if preset:
        lines.append(f"arg_preset = {preset}")
    (ws / "trackers.ini").write_text("\n".join(lines) + "\n")
    return names


def our_metrics(ws: Path, names):
    items = {}
    for name in names:
        gt_poly = np.loadtxt(ws / "sequences" / name / "groundtruth.txt", delimiter=",")
        first = sorted((ws / "sequences" / name / "color").glob("*.jpg"))[0]
        h, w = cv2.imread(str(first)).shape[:2]
        files = sorted(glob.glob(str(ws / "results" / "lighttrack" / "baseline" / name / f"{name}_[0-9][0-9][0-9].txt")))
        runs = [read_trajectory(f, len(gt_poly)) for f in files]
        items[name] = {"runs": runs, "gt": list(gt_poly), "bounds": (w, h)}
    return M.vot_summary(items)


def run_vot_patched(argv) -> int:
    """Run the ``vot`` CLI with one fix for a vot-toolkit 0.9.0 bug.

    In 0.9.0 ``PythonRuntime.update`` returns a ``FrameResult`` whose objects are always a list,
    while ``SupervisedExperiment.execute`` unpacks it as ``target, elapsed`` and reads
    ``target.properties`` - so every supervised run through the ``python`` runtime stops with
    "'list' object has no attribute 'properties'". For a single-object run we hand back the one
    object instead of the one-element list; nothing else changes.
    """
    # local: optional dependency - the vot-toolkit, installed only in its own environment
    import vot.tracker.python as runtime_module
    from vot.utilities.cli import main as vot_main

    original = runtime_module.PythonRuntime.update

    def update(self, frame, new=None, properties=None):
        result = original(self, frame, new, properties)
        objects, elapsed = result[0], result[1]
        if isinstance(objects, list) and len(objects) == 1:
            return objects[0], elapsed
        return result

    runtime_module.PythonRuntime.update = update
    sys.argv = ["vot"] + list(argv)
    return vot_main() or 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workspace", default="/tmp/lighttrack-vot-workspace")
    ap.add_argument("--tracker", default=str(FIXTURE) if FIXTURE.is_file() else "kcf",
                    help="lighttrack --tracker value (default: the official-layout fixture checkpoint, random weights)")
    ap.add_argument("--preset")
    ap.add_argument("--source", choices=("davis", "synthetic"), default="davis" if davis_root() else "synthetic",
                    help="DAVIS 2016 val ($LIGHTTRACK_DAVIS; the default when set) or synthetic clips")
    ap.add_argument("--sequences", type=int, default=2)
    ap.add_argument("--frames", type=int, default=100)
    ap.add_argument("--repetitions", type=int, default=3)
    args = ap.parse_args(argv)

    ws = Path(args.workspace)
    if ws.exists():
        shutil.rmtree(ws)
    names = write_workspace(ws, args.source, args.sequences, args.frames, args.tracker, args.preset, args.repetitions)
    print(f"workspace {ws}: {len(names)} sequences from {args.source} ({', '.join(names)}), tracker {args.tracker}")
    env = dict(os.environ, VOT_RESULTS_BINARY="false")  # plain-text trajectories we can read back
    vot = [sys.executable, "-m", "lighttrack.eval.vot_integration", "--run-vot"]
    for cmd in (vot + ["evaluate", "--workspace", str(ws), "lighttrack"],
                vot + ["analysis", "--workspace", str(ws), "--format", "json", "--name", "analysis", "lighttrack"]):
        print("$", " ".join(cmd), flush=True)
        proc = subprocess.run(cmd, env=env, cwd=ws, capture_output=True, text=True)
        print((proc.stdout + proc.stderr)[-3000:])
        if proc.returncode != 0:
            print(f"vot exited with {proc.returncode}")
            return proc.returncode
    reports = sorted((ws / "analysis").rglob("*.json"))
    if not reports:
        print("no analysis JSON found")
        return 1
    data = json.loads(reports[-1].read_text())
    def find_results(node):
        if isinstance(node, dict):
            if "results" in node and "analyses" in json.dumps(node)[:100000]:
                return node["results"]
            for v in node.values():
                r = find_results(v)
                if r is not None:
                    return r
        return None

    res = find_results(data)
    print("vot analysis results (AR: [accuracy, mean failures, [reliability, accuracy], mean length];"
          " EAO [100, 356]; EAO [46, 291]):")
    print(json.dumps(res))
    ours = our_metrics(ws, names)
    print("lighttrack on the toolkit's own trajectories:")
    print(json.dumps({k: ours[k] for k in ("accuracy", "failures", "reliability", "lost", "robustness_per100", "eao")},
                     indent=1))
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--run-vot":
        sys.exit(run_vot_patched(sys.argv[2:]))
    sys.exit(main())
