"""ONNX Runtime thread settings under competition: which default survives a shared CPU. Prints JSON.

    .venv/bin/python benchmarks/ort_threads.py [--source VIDEO --box x,y,w,h] [--frames 150]

For each condition (no competitor, then 1 and 2 busy processes started by this script, each
spinning on one core) and each setting (intra-op threads 1 / all cores, worker threads spinning
or not), the shipped LightTrack-Mobile with its carried preset tracks the same frames end to end
(``Tracker.update``); the settings run in interleaved rounds so that outside load hits them
alike. The load average before and after is recorded: other processes count too.

The rule that picks the default (fixed before measuring): the setting whose slowest condition
(largest median time per frame) is fastest; settings within 5 % of that are tied, and the tie
goes to the one fastest with no competitor.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

SETTINGS = [(1, False), (1, True), (None, False), (None, True)]  # (threads, spin); None = one per core


def load_clip(source: str | None, box: str | None, frames: int):
    from lighttrack.demo.assets import VIDEOS
    from lighttrack.tracker.video import open_source

    if source is None:
        video = VIDEOS["bigbuckbunny"]
        source, start = str(video.path), np.asarray(video.box, np.float64)
    else:
        start = np.array([float(v) for v in box.split(",")])
    reader = open_source(source)
    clip = [f for i, f in reader if f is not None and i <= frames]
    reader.close()
    while len(clip) < frames + 1:  # ping-pong keeps the motion continuous
        clip = clip + clip[-2:0:-1]
    return clip[: frames + 1], start, source


def busy(n: int) -> list[subprocess.Popen]:
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]


def median_ms(seconds: list[float]) -> float:
    return round(float(np.median(seconds)) * 1000.0, 2)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", help="video or image folder (default: the shipped Big Buck Bunny clip)")
    parser.add_argument("--box", help="x,y,w,h in the first frame of --source")
    parser.add_argument("--frames", type=int, default=150, help="frames per setting and condition (default 150)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument("--competitors", default="0,1,2", help="busy processes per condition (default 0,1,2)")
    args = parser.parse_args(argv)
    if args.source and not args.box:
        parser.error("--source needs --box")

    from lighttrack.tracker.tracker import Tracker

    frames, box, source = load_clip(args.source, args.box, args.frames)
    trackers = {(t, s): Tracker.from_weights("lighttrack-mobile", backend="onnxruntime", threads=t, spin=s) for t, s in SETTINGS}
    for tracker in trackers.values():  # warm up each session
        tracker.init(frames[0], box)
        for frame in frames[1:6]:
            tracker.update(frame)
    report = {"source": source, "frame_size": list(frames[0].shape[1::-1]), "frames": args.frames,
              "cores": os.cpu_count(), "load_before": os.getloadavg(), "conditions": {}}
    per_round = max(1, args.frames // args.rounds)
    for n in [int(x) for x in args.competitors.split(",")]:
        procs = busy(n)
        try:
            time.sleep(0.5)
            times: dict = {key: [] for key in trackers}
            for tracker in trackers.values():
                tracker.init(frames[0], box)
            for r in range(args.rounds):
                for key, tracker in trackers.items():
                    for i in range(1 + r * per_round, 1 + (r + 1) * per_round):
                        start = time.perf_counter()
                        tracker.update(frames[i])
                        times[key].append(time.perf_counter() - start)
        finally:
            for p in procs:
                p.kill()
                p.wait()
        report["conditions"][f"{n}_competitors"] = {
            f"threads={'all' if t is None else t},spin={s}": median_ms(times[(t, s)]) for t, s in trackers}
    report["load_after"] = os.getloadavg()
    names = list(next(iter(report["conditions"].values())))
    worst = {name: max(c[name] for c in report["conditions"].values()) for name in names}
    best = min(worst.values())
    tied = [name for name in names if worst[name] <= best * 1.05]
    idle = report["conditions"].get("0_competitors", {})
    report["worst_case_ms"] = worst
    report["chosen_by_rule"] = min(tied, key=lambda name: idle.get(name, worst[name]))
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
