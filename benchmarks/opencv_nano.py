"""Our weights through OpenCV's own tracker (cv2.TrackerNano) beside our tracker with the same
weights, on the real-video validation split: success AUC, precision, frames/s, as JSON (issue 24).

For each ``--models`` name the graphs of ``lighttrack export opencv`` are written into
``<work>/graphs/<model>/`` under the file names lighttrack's TrackerNano wrapper reads
(``lighttrack.eval.peers``: ``nanotrack_backbone_sim.onnx``, ``nanotrack_head_sim.onnx``), and
``benchmarks/realvideo.py`` (run as a program, resumable) scores, per model, ``<model>`` (our
tracker, the preset the weights carry), ``<model>-network-only`` (LightTrack's own step with the
preset's rates, no refiner) and ``<model>-opencv`` (cv2.TrackerNano: OpenCV's crops and step).

    LIGHTTRACK_REALVIDEO=/work/data/realvideo LIGHTTRACK_DAVIS=../shared/data/davis2016 nice -n 10 \\
        python benchmarks/opencv_nano.py --models lighttrack-mobile --out docs/results/opencv_nano_val.json
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from lighttrack.io import report_json

HERE = Path(__file__).resolve().parent
PEER_NAMES = {"backbone.onnx": "nanotrack_backbone_sim.onnx", "neckhead.onnx": "nanotrack_head_sim.onnx"}


def export_for_opencv(model: str, folder: Path) -> dict:
    """``lighttrack export opencv`` of a model into ``folder``, under the wrapper's file names."""
    from lighttrack.export.opencv import export_opencv
    from lighttrack.io import file_sha256
    from lighttrack.models import load_weights

    net, _ = load_weights(model)
    with tempfile.TemporaryDirectory() as tmp:
        result = export_opencv(net, tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for name, peer_name in PEER_NAMES.items():
            shutil.copyfile(Path(tmp) / name, folder / peer_name)
    return {"folder": str(folder), "parity_max_abs_diff": result.parity,
            "sha256": {name: file_sha256(folder / peer) for name, peer in PEER_NAMES.items()}}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--models", default="lighttrack-mobile", help="comma-separated shipped models (default lighttrack-mobile)")
    p.add_argument("--max-frames", type=int, help="use only the first N frames of every clip (a quick smoke run)")
    p.add_argument("--threads", type=int, default=1, help="threads of every tracker (default 1)")
    p.add_argument("--work", default="runs/opencv_nano", help="graphs and run folders (a rerun resumes)")
    p.add_argument("--out", help="also write the JSON here")
    args = p.parse_args(argv)
    work = Path(args.work)
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    graphs, extra = {}, []
    for model in models:
        graphs[model] = export_for_opencv(model, work / "graphs" / model)
        extra += ["--extra", f"{model}={model}", "--extra", f"{model}-network-only={model},network-only",
                  "--extra", f"{model}-opencv=nanotrack:{work / 'graphs' / model}"]
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, str(HERE / "realvideo.py"), "--trackers", "static", *extra, "--threads", str(args.threads),
                   "--work", str(work / "runs"), "--out", str(Path(tmp) / "realvideo.json")]
        if args.max_frames:
            command += ["--max-frames", str(args.max_frames)]
        done = subprocess.run(command)
        if done.returncode:
            return done.returncode
        scores = json.loads((Path(tmp) / "realvideo.json").read_text())
    scores["trackers"].pop("static", None)
    for model in models:
        ours, opencv = scores["trackers"][model], scores["trackers"][f"{model}-opencv"]
        opencv["spec"] = f"lighttrack export opencv {model}, run by cv2.TrackerNano"
        graphs[model]["auc_opencv_minus_ours"] = round(opencv["auc"] - ours["auc"], 4)
        graphs[model]["auc_opencv_minus_network_only"] = round(opencv["auc"] - scores["trackers"][f"{model}-network-only"]["auc"], 4)
    report = {"benchmark": "our weights through cv2.TrackerNano against our tracker (issue 24)", "graphs": graphs,
              "loadavg_end": [round(v, 2) for v in os.getloadavg()], **scores}
    report_json(report, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
