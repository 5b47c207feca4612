"""``lighttrack track SOURCE --box x,y,w,h``: follow one or more objects through a video."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from tqdm import tqdm

from lighttrack.cli import COMMANDS
from lighttrack.errors import CheckpointError, InputError
from lighttrack.io import atomic_write_text
from lighttrack.models import default_weights, shipped_names
from lighttrack.tracker import Tracker
from lighttrack.tracker.tracker import TrackResult, as_rgb_frame, check_box
from lighttrack.tracker.video import VideoWriter, draw_results, open_source


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "track",
        help=COMMANDS["track"],
        description=(
            "Track one object (or several: repeat --box) from its box in the first frame. "
            "Runs the shipped LightTrack-Mobile by default, or a checkpoint (--weights), through ONNX Runtime "
            "(exported once and cached; --backend torch for eager PyTorch or CUDA), or exported ONNX graphs (--onnx). "
            "Writes an annotated video (--out) and/or the boxes (--boxes: one 'x,y,w,h,score' line per frame)."
        ),
    )
    p.add_argument("source", help="video file, folder of images, or camera index (0, 1, …)")
    p.add_argument("--box", action="append", required=True, metavar="X,Y,W,H", help="initial box in the first frame (top-left x, y, width, height in pixels); repeat for several targets")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--weights", help="PyTorch checkpoint (ours or the official LightTrack layout)")
    src.add_argument("--onnx", metavar="DIR", help="folder written by 'lighttrack export onnx'")
    p.add_argument("--int8", action="store_true", help="with --onnx: use the INT8 per-frame graph")
    p.add_argument("--arch", default=None, help="shipped model to run when no --weights is given (an unknown name lists them), "
                   "the architecture of a bare state dict (default lighttrack-mobile), and with --onnx the architecture "
                   "the folder must hold")
    p.add_argument("--backend", default="auto", choices=("auto", "onnxruntime", "torch"),
                   help="how --weights run: auto (ONNX Runtime on the CPU when installed, else PyTorch; PyTorch on CUDA), "
                   "onnxruntime, or torch (default auto)")
    p.add_argument("--preset", default=None, help="hyperparameter preset name (default, vot2019, default_even, calibrated, aligned, *-corrected) or a "
                   ".yaml/.json preset file (default: the preset the weights carry — the shipped ones carry their tuned "
                   "preset — else 'default')")
    p.add_argument("--align", action=argparse.BooleanOptionalAction, default=None,
                   help="refine each box by matching the target's first-frame look (default: as the preset says; the "
                   "shipped weights' presets align)")
    p.add_argument("--network-only", action="store_true",
                   help="LightTrack's own inference: the preset's rates without its refiners (calibration, voting, alignment)")
    p.add_argument("--fast", action="store_true", help="crop with one warpAffine instead of the official crop+resize (not bit-exact with the official tracker)")
    p.add_argument("--device", default="cpu", help="PyTorch device: cpu, cuda, cuda:N or auto (default cpu)")
    p.add_argument("--threads", type=int, default=None, help="CPU threads for the network (default: one per core)")
    p.add_argument(
        "--spin",
        action="store_true",
        help="ONNX Runtime: let worker threads spin between frames (fastest on a dedicated CPU; slower when other processes share the cores)",
    )
    p.add_argument("--out", help="annotated output video (.mp4 or .avi)")
    p.add_argument("--boxes", help="text file for the boxes; with several targets one file per target (NAME.0.txt, NAME.1.txt …)")
    p.add_argument("--max-frames", type=int, default=None, help="stop after this many frames")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def parse_box(text: str):
    """'x,y,w,h' -> 4 floats; the tracker validates the values against the first frame."""
    parts = [t for t in text.replace(" ", ",").split(",") if t]
    try:
        values = [float(t) for t in parts]
    except ValueError:
        raise InputError(f"--box {text!r}: expected four numbers x,y,w,h") from None
    if len(values) != 4:
        raise InputError(f"--box {text!r}: expected four numbers x,y,w,h, got {len(values)}")
    return values


def build_tracker(args):
    """The tracker the arguments ask for; a clear error when no weights are given or bundled."""
    preset = args.preset
    mode = "warp" if getattr(args, "fast", False) else None
    given_arch = getattr(args, "arch", None)
    if args.onnx:
        return Tracker.from_onnx(args.onnx, preset=preset, threads=args.threads, int8=args.int8, spin=args.spin, crop_mode=mode,
                                 align=getattr(args, "align", None), network_only=getattr(args, "network_only", False),
                                 arch=given_arch)
    args.arch = given_arch or "lighttrack-mobile"
    if args.int8:
        raise InputError("--int8 needs --onnx DIR (export with 'lighttrack export onnx --int8')")
    if not args.weights and args.arch.lower() not in shipped_names():  # --arch names the model to run
        raise CheckpointError(
            f"unknown model {args.arch!r} for --arch: the models that ship weights are {', '.join(shipped_names())}; "
            "or pass --weights CHECKPOINT (ours or the official LightTrackM.pth) or --onnx DIR")
    weights = args.weights or default_weights(args.arch)
    if weights is None:
        raise CheckpointError(f"the weights of {args.arch!r} are missing from this install: reinstall lighttrack")
    return Tracker.from_weights(weights, preset=preset, device=args.device, arch=args.arch, threads=args.threads,
                                backend=getattr(args, "backend", "auto"), spin=args.spin, crop_mode=mode, align=getattr(args, "align", None),
                                network_only=getattr(args, "network_only", False))


def _box_paths(path: str, count: int) -> list[Path]:
    base = Path(path)
    if count == 1:
        return [base]
    return [base.with_name(f"{base.stem}.{k}{base.suffix or '.txt'}") for k in range(count)]


def run(args) -> int:
    boxes = [parse_box(b) for b in args.box]
    if args.max_frames is not None and args.max_frames < 1:
        raise InputError("--max-frames must be at least 1")
    if not args.out and not args.boxes:
        print("lighttrack track: note: neither --out nor --boxes given; results are only shown in the progress bar", file=sys.stderr)
    source = open_source(args.source)  # errors out before the network loads
    first = as_rgb_frame(source.first_frame())
    for box in boxes:
        check_box(box, (first.shape[1], first.shape[0]))
    tracker = build_tracker(args)
    writer = VideoWriter(args.out, source.fps, (first.shape[1], first.shape[0])) if args.out else None
    rows: list[list[str]] = [[] for _ in boxes]
    total = source.count if args.max_frames is None else min(source.count or args.max_frames, args.max_frames)
    bar = tqdm(total=total, unit="frame", disable=args.no_progress, dynamic_ncols=True)
    skipped = 0
    track_time = 0.0
    tracked = 0
    results: list[TrackResult] = []
    try:
        for index, frame in source:
            if args.max_frames is not None and index >= args.max_frames:
                break
            if index == 0:
                results = tracker.init_many(frame, boxes)
            elif frame is None:
                skipped += 1
                results = [TrackResult(r.box, 0.0, False) for r in results]
            else:
                start = time.perf_counter()
                try:
                    results = tracker.update_many(frame)
                except InputError as err:  # a bad frame mid-video: keep the last boxes, go on
                    skipped += 1
                    results = [TrackResult(r.box, 0.0, False) for r in results]
                    bar.write(f"frame {index}: skipped ({err})")
                else:
                    track_time += time.perf_counter() - start
                    tracked += 1
            for k, result in enumerate(results):
                x, y, w, h = (float(v) for v in result.box)
                rows[k].append(f"{x:.4f},{y:.4f},{w:.4f},{h:.4f},{result.score:.4f}")
            if writer is not None and frame is not None:
                writer.write(draw_results(as_rgb_frame(frame), results))
            bar.update(1)
            if tracked and index % 10 == 0:
                bar.set_postfix(track_fps=f"{tracked / track_time:.0f}", score=f"{results[0].score:.2f}")
    finally:
        bar.close()
        source.close()
        if writer is not None:
            writer.close()
        if args.boxes:
            for path, lines in zip(_box_paths(args.boxes, len(boxes)), rows):
                atomic_write_text(path, "\n".join(lines) + ("\n" if lines else ""))
    frames = len(rows[0])
    speed = f", {tracked / track_time:.1f} frames/s tracking" if track_time > 0 else ""
    print(f"tracked {len(boxes)} target(s) over {frames} frames{speed}" + (f"; {skipped} unreadable frame(s) kept the previous box" if skipped else ""), file=sys.stderr)
    if args.out:
        print(f"video: {args.out}", file=sys.stderr)
    if args.boxes:
        print("boxes: " + ", ".join(map(str, _box_paths(args.boxes, len(boxes)))), file=sys.stderr)
    return 0
