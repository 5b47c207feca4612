"""``lighttrack data {check,stats,cache,synth}``: read, validate and prepare tracking data sets."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
from tqdm import tqdm

from lighttrack.cli import COMMANDS
from lighttrack.data import open_dataset
from lighttrack.data.cache import CacheConfig, build_cache
from lighttrack.data.synthetic import synthetic_sequence
from lighttrack.data.validate import check_dataset, dataset_stats, format_report, format_stats
from lighttrack.errors import InputError
from lighttrack.io import atomic_write_text

FORMATS_HELP = ("got10k, lasot, trackingnet, otb, uav123, vot, davis, coco, vid, det, youtubebb, folder, stills, cache, "
                "synthetic, or auto (guess from the layout)")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "data", help=COMMANDS["data"],
        description="Read tracking data sets exactly as they unpack from their distributions "
                    "(no index files to download), check them, summarise them, and build the crop cache "
                    "that training reads.")
    sub = parser.add_subparsers(dest="data_command", metavar="ACTION")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("path", nargs="?", help="data set root folder (same as --root)")
        p.add_argument("--root", dest="root_opt", metavar="ROOT", help="data set root folder")
        p.add_argument("--format", "-f", default="auto", help=f"layout: {FORMATS_HELP} (default: auto)")
        p.add_argument("--split", help="split or subset, e.g. train, val, test, train_split (GOT-10k), TRAIN_0 "
                                        "(TrackingNet), UAV20L, train2017 (COCO)")

    check = sub.add_parser("check", help="list what is wrong, per sequence; exit code 1 if anything is",
                           description="Validate a data set: missing frames, GT rows not matching frames, "
                                       "invalid boxes, unreadable (missing, empty, truncated) images. Prints one "
                                       "table; exits 1 when anything is wrong, 0 when all is well.")
    common(check)
    check.add_argument("--decode", action="store_true", help="also decode every image (slower; default only "
                                                             "checks that files exist and are not truncated)")
    check.add_argument("--limit", type=int, help="check only the first N sequences")
    check.add_argument("--json", action="store_true", help="print the findings as JSON")
    check.set_defaults(func=_check)

    stats = sub.add_parser("stats", help="counts: sequences, frames, absent frames, box sizes",
                           description="Summarise a data set: sequences, frames, visible / absent frames and a "
                                       "histogram of target sizes sqrt(w*h) in pixels.")
    common(stats)
    stats.add_argument("--json", action="store_true", help="print JSON instead of a table")
    stats.set_defaults(func=_stats)

    cache = sub.add_parser("cache", help="write small target-centred crops that training reads instead of frames",
                           description="Build the crop cache: for every usable frame, one square crop around the "
                                       "target (context-factor x s_z, resized to crop-size) plus an index. Resumable: "
                                       "run it again to finish an interrupted cache. Train from it with format 'cache'.")
    common(cache)
    cache.add_argument("--out", required=True, help="output folder of the cache")
    cache.add_argument("--crop-size", type=int, default=448, help="side of each cached crop in pixels (default 448)")
    cache.add_argument("--context-factor", type=float, default=3.5,
                       help="crop side in units of s_z, the template context size (default 3.5)")
    cache.add_argument("--quality", type=int, default=90, help="JPEG quality (default 90)")
    cache.add_argument("--workers", type=int, default=1, help="parallel processes (default 1)")
    cache.set_defaults(func=_cache)

    synth = sub.add_parser("synth", help="write synthetic clips in the generic folder layout",
                           description="Write deterministic synthetic clips (textured target, motion, scale and "
                                       "aspect change, occlusion, distractors, blur) as <out>/<seq>/img/*.jpg + "
                                       "groundtruth.txt, e.g. for a smoke test or a demo.")
    synth.add_argument("--out", required=True, help="output folder")
    synth.add_argument("--num-sequences", type=int, default=8)
    synth.add_argument("--length", type=int, default=60)
    synth.add_argument("--seed", type=int, default=0)
    synth.add_argument("--size", type=int, nargs=2, default=(320, 240), metavar=("W", "H"))
    synth.set_defaults(func=_synth)
    parser.set_defaults(func=lambda args: (parser.print_help(), 2)[1])


def _open(args):
    root = args.root_opt or args.path
    if root is None and args.format != "synthetic":
        raise InputError("give the data set root as PATH or --root")
    return open_dataset(args.format, root, args.split)


def _check(args) -> int:
    ds = _open(args)
    reports = check_dataset(ds, decode=args.decode, limit=args.limit)
    if args.json:
        print(json.dumps([{"sequence": r.name, "frames": r.frames,
                           "problems": [{"kind": p.kind, "detail": p.detail} for p in r.problems]}
                          for r in reports if not r.ok], indent=2))
    else:
        print(f"{ds.format} data set at {ds.root}" + (f" (split {ds.split})" if ds.split else ""))
        print(format_report(reports))
    return 0 if all(r.ok for r in reports) else 1


def _stats(args) -> int:
    stats = dataset_stats(_open(args))
    print(json.dumps(stats, indent=2) if args.json else format_stats(stats))
    return 0


def _cache(args) -> int:
    ds = _open(args)
    cfg = CacheConfig(crop_size=args.crop_size, context_factor=args.context_factor, quality=args.quality)
    source = {"format": ds.format, "root": str(ds.root), "split": ds.split}
    summary = build_cache(ds, args.out, cfg, workers=args.workers, source=source)
    print(json.dumps(summary, indent=2))
    return 0 if summary["frames_failed"] == 0 else 1


def _synth(args) -> int:
    out = Path(args.out)
    for i in tqdm(range(args.num_sequences), desc="synthesising", unit="seq"):
        seq = synthetic_sequence(args.seed, i, args.length, tuple(args.size))
        img_dir = out / seq.name / "img"
        img_dir.mkdir(parents=True, exist_ok=True)
        for k in range(len(seq)):
            cv2.imwrite(str(img_dir / f"{k:05d}.jpg"), cv2.cvtColor(seq.frame(k), cv2.COLOR_RGB2BGR),
                        [cv2.IMWRITE_JPEG_QUALITY, 92])
        rows = [",".join(f"{v:.2f}" for v in b) for b in seq.boxes]
        atomic_write_text(out / seq.name / "groundtruth.txt", "\n".join(rows) + "\n")
    print(f"wrote {args.num_sequences} sequences of {args.length} frames to {out} (format: folder)")
    return 0
