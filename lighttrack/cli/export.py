"""``lighttrack export onnx WEIGHTS OUTDIR``: deployable template and per-frame ONNX graphs."""

from __future__ import annotations

import json

from lighttrack.cli import COMMANDS
from lighttrack.cli.track import parse_box
from lighttrack.errors import InputError
from lighttrack.export.onnx import TRACK_INT8_FILE, add_int8_graph, export_onnx
from lighttrack.models import load_weights
from lighttrack.tracker.presets import stored_preset
from lighttrack.tracker.quantize import calibration_feeds
from lighttrack.tracker.video import open_source


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "export",
        help=COMMANDS["export"],
        description="Export a trained tracker network for deployment.",
    )
    formats = p.add_subparsers(dest="format", metavar="FORMAT")
    onnx = formats.add_parser(
        "onnx",
        help="two ONNX graphs: template (once per target) and per-frame (backbone + fusion + head), BatchNorm folded",
        description=(
            "Write template.onnx, track.onnx and lighttrack.json to OUTDIR (and track.int8.onnx with --int8). "
            "The graphs are checked against PyTorch on random inputs; run them with 'lighttrack track --onnx OUTDIR'."
        ),
    )
    onnx.add_argument("weights", help="checkpoint (ours or the official layout), or a registered name with bundled weights")
    onnx.add_argument("outdir", help="output folder")
    onnx.add_argument("--arch", default="lighttrack-mobile", help="architecture for a bare state dict (default lighttrack-mobile)")
    onnx.add_argument("--template-size", type=int, default=127, choices=(127, 128), help="template crop size recorded for the tracker (default 127)")
    onnx.add_argument("--opset", type=int, default=17, help="ONNX opset (default 17)")
    onnx.add_argument("--int8", action="store_true", help="also write an INT8 per-frame graph (static quantization, calibrated on tracking crops)")
    onnx.add_argument("--calib", metavar="SOURCE", help="video/folder for INT8 calibration (default: a synthetic clip); needs --calib-box")
    onnx.add_argument("--calib-box", metavar="X,Y,W,H", help="box in the first calibration frame")
    onnx.add_argument("--calib-frames", type=int, default=60, help="calibration frames to use (default 60)")
    onnx.add_argument("--no-check", action="store_true", help="skip the ONNX Runtime vs PyTorch parity check")
    onnx.set_defaults(func=run_onnx)
    cv = formats.add_parser(
        "opencv",
        help="backbone.onnx + neckhead.onnx that OpenCV's own cv::TrackerNano runs as they are (C++, Java, Android, iOS)",
        description=(
            "Write backbone.onnx and neckhead.onnx to --out for cv2.TrackerNano / cv::TrackerNano: OpenCV's input layout, "
            "channel order, value range and output layout are baked into the graphs. OpenCV runs its own step (window, "
            "penalty and size rates), not the preset the weights carry (docs/deployment.md)."
        ),
    )
    cv.add_argument("weights", nargs="?", default="lighttrack-mobile",
                    help="a shipped model's name or a checkpoint (default: the default model, lighttrack-mobile)")
    cv.add_argument("--out", required=True, metavar="DIR", help="output folder")
    cv.add_argument("--arch", default="lighttrack-mobile", help="architecture for a bare state dict (default lighttrack-mobile)")
    cv.set_defaults(func=run_opencv)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def run_onnx(args) -> int:
    if args.calib and not args.calib_box:
        raise InputError("--calib needs --calib-box X,Y,W,H (the target in the first calibration frame)")
    net, data = load_weights(args.weights, args.arch)
    result = export_onnx(net, args.outdir, template_size=args.template_size, opset=args.opset, check=not args.no_check,
                         preset=stored_preset(data))
    if args.int8:
        feeds = None  # a synthetic clip (real footage is better: --calib)
        if args.calib:
            source = open_source(args.calib)
            frames = [f for i, f in source if f is not None and i < args.calib_frames]
            source.close()
            feeds = calibration_feeds(args.outdir, frames, parse_box(args.calib_box))
        result.files[TRACK_INT8_FILE] = add_int8_graph(args.outdir, feeds if feeds is not None else calibration_feeds(args.outdir))
    report = {"outdir": str(result.directory), "files": sorted(p.name for p in result.files.values()), "parity_max_abs_diff": result.parity}
    print(json.dumps(report, indent=2))
    return 0


def run_opencv(args) -> int:
    from lighttrack.export.opencv import GRID, SEARCH_SIZE, TEMPLATE_SIZE, export_opencv  # local: only this format needs it

    net, _ = load_weights(args.weights, args.arch)
    result = export_opencv(net, args.out)
    report = {"outdir": str(result.directory), "files": sorted(p.name for p in result.files.values()),
              "parity_max_abs_diff": result.parity, "template": TEMPLATE_SIZE, "search": SEARCH_SIZE, "grid": GRID,
              "use": f"cv2.TrackerNano_Params(): backbone={result.files['backbone.onnx']}, neckhead={result.files['neckhead.onnx']}"}
    print(json.dumps(report, indent=2))
    return 0
