"""How well ``TrackResult.ok`` reports a lost target, and whether the tracker picks it up again
(issue 19 part 4). Prints JSON.

Clips: generated ones in which the target leaves the frame and re-enters, or is fully hidden by
an occluder and uncovered (``lighttrack.data.absence``; half of each kind), and the three UAV123
clips with absent-target frames (``car14``, ``group3_2``: training side of the real-video split;
``group2_2``: validation side), read from ``$LIGHTTRACK_REALVIDEO`` (or ``--realvideo``).

For each tracker and each group of clips:

- ``lost_recall``: the share of frames where the target is absent (generated: under 10 % of it
  in view; real: no box) in which ``ok`` is False;
- ``false_alarm``: the share of frames where it is visible (generated: at least half of it in
  view; real: a box) in which ``ok`` is False;
- ``reacquired``: of the returns after an absence, the share in which the reported box overlaps
  the truth with IoU > 0.5 within ``--within`` frames of the first visible frame
  (``frames_to_reacquire``: the median delay of those that did);
- ``auc``: the success AUC over the visible frames (one-pass, boxes clipped to the frame).

Trackers: ``mobile`` (the shipped Mobile with the preset its weights carry), ``mobile-network-only``
(no refiners: ``ok`` is the score rule alone), and ``mobile-lost`` / ``mobile-lost-hold`` (the
carried preset with the lost-target refiner at the thresholds below, without and with the box
held while lost). ``--sweep`` instead records every frame's signals once and applies the fixed
threshold rule (docs/reliability.md, "Lost targets") to a grid, printing the choice.

    LIGHTTRACK_REALVIDEO=/work/data/realvideo LIGHTTRACK_DAVIS=../shared/data/davis2016 \\
        nice -n 10 python benchmarks/lost_targets.py --val-auc --out docs/results/lost_targets.json
    LIGHTTRACK_REALVIDEO=/work/data/realvideo python benchmarks/lost_targets.py --sweep --out runs/lost/sweep.json
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time

import numpy as np

from lighttrack.io import report_json

REAL_CLIPS = {"UAV123_10fps/group2_2": "val", "UAV123_10fps/car14": "train", "UAV123_10fps/group3_2": "train"}
# The lost-target refiner's thresholds, as chosen by the fixed rule on the sweep (see --sweep).
CHOSEN = {"lost_score": 0.9, "lost_drop": 0.95, "lost_correlation": -1.0, "lost_correlation_drop": 0.0}
# Not chosen by the rule (shown for comparison): the sweep's best when a false alarm counts only
# frames in which the reported box was on the target (IoU > 0.5).
ON_TARGET = {"lost_score": 0.95, "lost_drop": 0.0, "lost_correlation": -1.0, "lost_correlation_drop": 0.8}
OFF = {"lost_score": 0.25, "lost_drop": 0.0, "lost_correlation": -1.0, "lost_correlation_drop": 0.0}
# The rule: the largest lost recall with at most this false-alarm rate (both the mean of the
# generated and the real group's rates).
MAX_FALSE_ALARM = 0.05
GRID = {
    "lost_score": [0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95],
    "lost_drop": [0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95],
    "lost_correlation": [-1.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6],
    "lost_correlation_drop": [0.0, 0.5, 0.6, 0.7, 0.8, 0.9],
}


def clips(args) -> dict[str, list]:
    from lighttrack.data import open_dataset
    from lighttrack.data.absence import absence_clips

    groups = {"generated": absence_clips(args.generated, seed=args.seed, length=args.length)}
    root = args.realvideo or os.environ.get("LIGHTTRACK_REALVIDEO")
    if root and not args.no_real:
        data = open_dataset("realvideo", root)
        groups["real"] = [data[name] for name in REAL_CLIPS]
    return groups


def truth(seq) -> tuple[np.ndarray, np.ndarray]:
    """(absent, visible) masks per frame."""
    n = len(seq)
    if "fraction" in seq.meta:
        fraction = np.asarray(seq.meta["fraction"], np.float64)
        return fraction < 0.1, fraction >= 0.5
    visible = np.asarray(seq.visible, bool)[:n]
    return ~visible, visible


def clip_box(box: np.ndarray, width: int, height: int) -> np.ndarray:
    x0, y0 = max(box[0], 0.0), max(box[1], 0.0)
    x1, y1 = min(box[0] + box[2], width), min(box[1] + box[3], height)
    return np.array([x0, y0, max(x1 - x0, 0.0), max(y1 - y0, 0.0)])


def iou(a: np.ndarray, b: np.ndarray) -> float:
    ix = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = a[2] * a[3] + b[2] * b[3] - inter
    return float(inter / union) if union > 0 else 0.0


def track(tracker, seq) -> dict:
    """Every frame's ok, box, score and the lost-target refiner's signals (when it runs)."""
    first = seq.frame(0)
    height, width = first.shape[:2]
    tracker.init(first, seq.boxes[0])
    lost = [r for r in tracker.refiners(0) if r.name == "lost"]
    for refiner in lost:  # record the correlation signal even where no test of the preset reads it
        refiner.measure_correlation = True
    rows = {"ok": [True], "box": [np.asarray(seq.boxes[0], np.float64)], "score": [1.0], "signals": [None], "wh": (width, height)}
    for i in range(1, len(seq)):
        result = tracker.update(seq.frame(i))
        rows["ok"].append(bool(result.ok))
        rows["box"].append(np.asarray(result.box, np.float64))
        rows["score"].append(float(result.score))
        rows["signals"].append(dict(lost[0].signals) if lost else None)
    return rows


def overlaps_of(seq, rows) -> np.ndarray:
    """IoU of the reported and the true box in each visible frame (NaN elsewhere), both clipped to the frame."""
    if "overlaps" not in rows:
        _, visible = truth(seq)
        width, height = rows["wh"]
        rows["overlaps"] = np.array([iou(clip_box(b, width, height), clip_box(np.asarray(t, np.float64), width, height)) if visible[i] else np.nan
                                     for i, (b, t) in enumerate(zip(rows["box"], seq.boxes))])
    return rows["overlaps"]


def measure(seq, rows, ok: np.ndarray | None = None, within: int = 30) -> dict:
    """Counts for one clip (``ok`` overrides the recorded flag: the sweep's decisions)."""
    absent, visible = truth(seq)
    absent, visible = absent.copy(), visible.copy()
    absent[0] = visible[0] = False  # the init frame is given
    ok = np.asarray(rows["ok"] if ok is None else ok, bool)
    overlaps = overlaps_of(seq, rows)
    on_target = visible & (np.nan_to_num(overlaps) > 0.5)
    returns, delays = 0, []
    i = 1
    while i < len(seq):
        if absent[i]:
            j = i
            while j < len(seq) and not visible[j]:
                j += 1
            if j < len(seq):
                returns += 1
                hits = [k for k in range(j, min(len(seq), j + within)) if visible[k] and overlaps[k] > 0.5]
                if hits:
                    delays.append(hits[0] - j)
            i = j
        i += 1
    thresholds = np.linspace(0, 1, 21)
    shown = overlaps[visible]
    return {"absent": int(absent.sum()), "visible": int(visible.sum()), "lost_when_absent": int((~ok & absent).sum()),
            "lost_when_visible": int((~ok & visible).sum()), "on_target": int(on_target.sum()),
            "lost_when_on_target": int((~ok & on_target).sum()), "returns": returns, "reacquired": len(delays), "delays": delays,
            "auc_sum": float(np.mean([(shown > t).mean() for t in thresholds]) * len(shown)) if len(shown) else 0.0}


def summarise(parts: list[dict]) -> dict:
    total = {k: sum(p[k] for p in parts) for k in ("absent", "visible", "lost_when_absent", "lost_when_visible", "on_target", "lost_when_on_target", "returns", "reacquired", "auc_sum")}
    delays = [d for p in parts for d in p["delays"]]
    return {
        "clips": len(parts),
        "absent_frames": total["absent"],
        "visible_frames": total["visible"],
        "lost_recall": round(total["lost_when_absent"] / max(total["absent"], 1), 4),
        "false_alarm": round(total["lost_when_visible"] / max(total["visible"], 1), 4),
        "on_target_frames": total["on_target"],
        "false_alarm_on_target": round(total["lost_when_on_target"] / max(total["on_target"], 1), 4),
        "returns": total["returns"],
        "reacquired": round(total["reacquired"] / total["returns"], 4) if total["returns"] else None,
        "frames_to_reacquire": float(np.median(delays)) if delays else None,
        "auc": round(total["auc_sum"] / max(total["visible"], 1), 4),
    }


def make_trackers(names: list[str], threads: int) -> dict:
    from lighttrack.tracker import Tracker
    from lighttrack.tracker.presets import get_preset
    from lighttrack.tracker.tracker import carried_preset

    carried = carried_preset("lighttrack-mobile") or get_preset("default")
    lost = carried.replace(lost_detect=True, **CHOSEN)
    presets = {
        "mobile": carried,
        "mobile-network-only": carried,
        "mobile-lost": lost.replace(name=f"{carried.name}-lost"),
        "mobile-lost-hold": lost.replace(name=f"{carried.name}-lost-hold", lost_hold=True),
        "mobile-lost-alt": carried.replace(name=f"{carried.name}-lost-alt", lost_detect=True, **ON_TARGET),
        "mobile-lost-alt-hold": carried.replace(name=f"{carried.name}-lost-alt-hold", lost_detect=True, lost_hold=True, **ON_TARGET),
        # the sweep's recorder: the refiner computes every signal but decides nothing beyond the score rule
        "mobile-signals": carried.replace(name=f"{carried.name}-signals", lost_detect=True, lost_drop=0.0, lost_correlation=-1.0),
    }
    return {n: Tracker.from_weights("lighttrack-mobile", preset=presets[n], threads=threads, network_only=n == "mobile-network-only") for n in names}


def decide(rows, score_t: float, drop: float, corr: float, corr_drop: float = 0.0) -> np.ndarray:
    """The refiner's flag from recorded signals (its rule, without hold: see refiners/lost.py)."""
    from lighttrack.tracker.refiners.lost import MIN_HISTORY, WINDOW

    ok = [True]
    history: list[float] = []
    correlations: list[float] = []
    for sig in rows["signals"][1:]:
        score = sig["score"]
        found = bool(np.isfinite(score) and score >= score_t)
        level = float(np.median(history[-WINDOW:])) if len(history) >= MIN_HISTORY else float("nan")
        if found and drop > 0 and np.isfinite(level) and score < drop * level:
            found = False
        c = sig["correlation"]
        if found and corr > -1.0 and c is not None and c < corr:
            found = False
        c_level = float(np.median(correlations[-WINDOW:])) if len(correlations) >= MIN_HISTORY else float("nan")
        if found and corr_drop > 0 and c is not None and np.isfinite(c_level) and c < corr_drop * c_level:
            found = False
        if found:
            history.append(score)
            if c is not None:
                correlations.append(c)
        ok.append(found)
    return np.array(ok)


def sweep(groups: dict, recorded: dict, within: int) -> dict:
    """Every grid point's rates (mean of the groups' rates) and the rule's choice."""
    table = []
    keys = list(GRID)
    for values in itertools.product(*(GRID[k] for k in keys)):
        point = dict(zip(keys, values))
        per_group = {}
        for group, seqs in groups.items():
            per_group[group] = summarise([measure(s, recorded[group][k], decide(recorded[group][k], *values), within)
                                          for k, s in enumerate(seqs)])
        mean = {m: round(float(np.mean([g[m] for g in per_group.values()])), 4) for m in ("lost_recall", "false_alarm", "false_alarm_on_target")}
        signals = sum(int(point[k] != OFF[k]) for k in keys)
        table.append({**point, **mean, "signals": signals,
                      "by_group": {g: {m: v[m] for m in ("lost_recall", "false_alarm", "false_alarm_on_target")} for g, v in per_group.items()}})
    allowed = [row for row in table if row["false_alarm"] <= MAX_FALSE_ALARM]
    # the largest recall; within 0.005 of it the fewest signals, then the lowest false alarms
    best = max(r["lost_recall"] for r in allowed)
    near = [r for r in allowed if r["lost_recall"] >= best - 0.005]
    choice = min(near, key=lambda r: (r["signals"], r["false_alarm"], -r["lost_recall"]))
    alone = {k: max((r for r in allowed if r["signals"] == 1 and r[k] != OFF[k]), key=lambda r: r["lost_recall"], default=None) for k in keys}
    # not the rule: the same choice if false alarms counted only frames where the box was on the target (IoU > 0.5)
    on_target = [r for r in table if r["false_alarm_on_target"] <= MAX_FALSE_ALARM]
    best_t = max(r["lost_recall"] for r in on_target)
    post_hoc = min((r for r in on_target if r["lost_recall"] >= best_t - 0.005), key=lambda r: (r["signals"], r["false_alarm_on_target"]))
    return {"rule": f"largest lost recall with false alarms <= {MAX_FALSE_ALARM} (mean of the groups' rates); "
                    "within 0.005 of it: fewest signals, then fewest false alarms",
            "choice": choice, "best_single_signal": alone,
            "score_only": [r for r in table if r["signals"] <= int(r["lost_score"] != OFF["lost_score"]) and all(r[k] == OFF[k] for k in keys[1:])],
            "not_the_rule_false_alarm_on_target_only": post_hoc,
            "grid_points": len(table), "table": table}


def validation_auc(trackers: dict, work: str) -> dict:
    """Success AUC and precision of each tracker on the real-video validation split (the package's
    runner and metrics, protocol ``ope``: frames without a box are left out)."""
    from pathlib import Path

    from lighttrack.data.realvideo import open_realvideo_split
    from lighttrack.eval.protocols import protocol_for
    from lighttrack.eval.runner import evaluate_run, run_benchmark

    data = open_realvideo_split("val")
    protocol = protocol_for("realvideo")
    out = {"clips": len(data), "frames": int(sum(len(data[n]) for n in data.names))}
    for name, tracker in trackers.items():
        run_dir = Path(work) / "val" / name
        run_benchmark(data, "lighttrack-mobile", run_dir, protocol, preset=tracker.preset, progress=False, tracker=tracker)
        summary = evaluate_run(data, run_dir, protocol)["summary"]
        out[name] = {k: round(summary[k], 4) for k in ("auc", "precision", "norm_precision") if k in summary}
        print(f"{name}: realvideo val AUC {out[name].get('auc')}", file=sys.stderr, flush=True)
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--realvideo", help="built real-video clips (default: $LIGHTTRACK_REALVIDEO; none: generated only)")
    p.add_argument("--no-real", action="store_true", help="generated clips only")
    p.add_argument("--generated", type=int, default=12, help="generated clips (half exits, half occlusions; default 12)")
    p.add_argument("--length", type=int, default=100, help="frames per generated clip (default 100)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--within", type=int, default=30, help="frames after a return in which the target must be found again (default 30)")
    p.add_argument("--trackers", default="mobile,mobile-network-only,mobile-lost,mobile-lost-hold,mobile-lost-alt,mobile-lost-alt-hold")
    p.add_argument("--sweep", action="store_true", help="record the signals once and apply the threshold rule to the grid")
    p.add_argument("--val-auc", action="store_true",
                   help="also run the trackers over the real-video validation split ($LIGHTTRACK_REALVIDEO, $LIGHTTRACK_DAVIS) and report its success AUC")
    p.add_argument("--work", default="runs/lost_targets", help="run folders of --val-auc (a rerun reuses finished clips)")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", help="also write the JSON here")
    args = p.parse_args(argv)

    import cv2

    cv2.setNumThreads(args.threads)
    groups = clips(args)
    started = time.perf_counter()
    names = ["mobile-signals", "mobile-network-only"] if args.sweep else [n.strip() for n in args.trackers.split(",") if n.strip()]
    trackers = make_trackers(names, args.threads)
    result = {"benchmark": "lost targets (issue 19 part 4)", "within": args.within,
              "clips": {g: [s.name for s in seqs] for g, seqs in groups.items()},
              "real_split_side": {k: v for k, v in REAL_CLIPS.items()} if "real" in groups else None,
              "lost_settings": CHOSEN, "alt_settings": ON_TARGET, "trackers": {}}
    recorded = {}
    for name, tracker in trackers.items():
        recorded[name] = {g: [track(tracker, s) for s in seqs] for g, seqs in groups.items()}
        entry = {"preset": tracker.preset.name}
        for g, seqs in groups.items():
            parts = [measure(s, r, within=args.within) for s, r in zip(seqs, recorded[name][g])]
            entry[g] = summarise(parts)
            if g == "real":
                entry["real_per_clip"] = {s.name: summarise([m]) for s, m in zip(seqs, parts)}
        result["trackers"][name] = entry
        print(f"{name}: " + "  ".join(f"{g} recall {entry[g]['lost_recall']:.3f} alarm {entry[g]['false_alarm']:.3f} "
                                       f"reacq {entry[g]['reacquired']} auc {entry[g]['auc']:.3f}" for g in groups), file=sys.stderr, flush=True)
    if args.sweep:
        result["sweep"] = sweep(groups, recorded["mobile-signals"], args.within)
        network = {}
        for score_t in GRID["lost_score"]:
            per = {g: summarise([measure(s, r, np.array([True] + [bool(np.isfinite(sc) and sc >= score_t) for sc in r["score"][1:]]), args.within)
                                 for s, r in zip(seqs, recorded["mobile-network-only"][g])]) for g, seqs in groups.items()}
            network[str(score_t)] = {g: {"lost_recall": v["lost_recall"], "false_alarm": v["false_alarm"]} for g, v in per.items()}
        result["sweep"]["network_only_score"] = network
        signal_medians = {}
        for g in groups:
            for key in ("score", "correlation", "margin"):
                for state in ("absent", "visible"):
                    values = []
                    for s, r in zip(groups[g], recorded["mobile-signals"][g]):
                        absent, visible = truth(s)
                        mask = absent if state == "absent" else visible
                        values += [sig[key] for i, sig in enumerate(r["signals"]) if i and mask[i] and sig and sig[key] is not None]
                    signal_medians[f"{g}/{key}/{state}"] = round(float(np.median(values)), 4) if values else None
        result["sweep"]["signal_medians"] = signal_medians
    if args.val_auc:
        result["realvideo_val"] = validation_auc(trackers, args.work)
    result["wall_s"] = round(time.perf_counter() - started, 1)
    report_json(result, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
