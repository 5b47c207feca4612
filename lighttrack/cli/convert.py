"""``lighttrack convert openvino DIR --out FILE``: trained weights from another container into ours."""

from __future__ import annotations

import json

from lighttrack import __version__
from lighttrack.cli import COMMANDS
from lighttrack.errors import InputError


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "convert",
        help=COMMANDS["convert"],
        description="Convert trained LightTrack weights stored in another format into a lighttrack checkpoint.",
    )
    formats = p.add_subparsers(dest="format", metavar="FORMAT")
    ov = formats.add_parser(
        "openvino",
        help="the official LightTrack-Mobile as an OpenVINO IR (z_feature, x_feature, head .xml + .bin)",
        description=(
            "Read the three graphs of an OpenVINO IR of LightTrack (z_feature, x_feature and head, each .xml + .bin) "
            "with lighttrack's own IR reader (OpenVINO is not needed) and write a checkpoint of ours: BatchNorm kept "
            "with identity statistics and the folded bias, float16 constants widened to float32, the graphs' "
            "pre-processing and output sigmoid checked and left to the tracker. Nothing is written unless the whole "
            "conversion succeeds."
        ),
    )
    ov.add_argument("folder", help="folder holding z_feature.xml/.bin, x_feature.xml/.bin and head.xml/.bin")
    ov.add_argument("--out", required=True, help="checkpoint file to write (.pt)")
    ov.add_argument("--arch", default=None,
                    help="architecture the IR holds (default: LightTrack-Mobile, "
                         "back_04502514044521042540+cls_211000022+reg_100000111_ops_32)")
    ov.add_argument("--preset", default="default",
                    help="tracker preset the checkpoint carries (name or file; default LightTrack's own 'default')")
    ov.add_argument("--json", action="store_true", help="print the result as JSON")
    ov.set_defaults(func=run_openvino)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def run_openvino(args) -> int:
    from lighttrack.models import resolve_arch
    from lighttrack.nn.from_openvino import MOBILE_ARCH, convert_openvino, save_conversion
    from lighttrack.tracker.presets import get_preset

    if not str(args.out).endswith(".pt"):
        raise InputError(f"--out {args.out!r}: write the checkpoint to a .pt file")
    arch = resolve_arch(args.arch) if args.arch else MOBILE_ARCH
    preset = get_preset(args.preset)  # before the work: a bad name fails at once
    conversion = convert_openvino(args.folder, arch)
    path = save_conversion(conversion, args.out, preset=preset.to_dict(), converter=f"lighttrack {__version__} convert openvino")
    report = {"out": str(path), "arch": conversion.arch, "convolutions": conversion.convolutions,
              "tensors": len(conversion.state_dict), "element_types": list(conversion.element_types),
              "preset": preset.name}
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"wrote {path}: {conversion.convolutions} convolutions, {len(conversion.state_dict)} tensors "
              f"({conversion.arch}), preset {preset.name!r}")
    return 0
