"""``lighttrack eval``: run a tracker over a benchmark, resumably, and print the official numbers."""

from __future__ import annotations

import json
import re
from pathlib import Path

from lighttrack.cli import COMMANDS
from lighttrack.data import open_dataset
from lighttrack.errors import DataError, InputError
from lighttrack.eval.pack import pack_results
from lighttrack.eval.protocols import protocol_for, vot_protocol
from lighttrack.eval.results import ResultStore
from lighttrack.eval.runner import RESULTS_DIR, _json_safe, evaluate_run, format_result, run_benchmark

DATASET_FORMATS = ("got10k", "lasot", "trackingnet", "otb", "uav123", "vot", "davis", "coco", "vid",
                   "folder", "synthetic")


def add_dataset_args(p, split_help: str = "split to use (e.g. val, test, train; default: the reader's)") -> None:
    p.add_argument("--dataset", required=True, metavar="FORMAT",
                   help=f"data set layout: {', '.join(DATASET_FORMATS)}")
    p.add_argument("--root", help="data set folder (not needed for synthetic)")
    p.add_argument("--split", help=split_help)
    p.add_argument("--sequences", help="comma-separated sequence names to use (default: all)")
    p.add_argument("--max-sequences", type=int, help="use only the first N sequences")


def open_data(args):
    """Open the data set named by --dataset/--root/--split (the data package's readers)."""
    if args.dataset != "synthetic" and not args.root:
        raise InputError(f"--root is required for --dataset {args.dataset}")
    root = str(Path(args.root).expanduser()) if args.root else None
    if root is not None and not Path(root).exists():
        raise DataError(f"--root {args.root}: no such folder")
    return open_dataset(args.dataset, root, split=args.split)


def select_names(dataset, args) -> list[str]:
    names = list(dataset.names)
    if getattr(args, "sequences", None):
        wanted = [s.strip() for s in args.sequences.split(",") if s.strip()]
        unknown = [w for w in wanted if w not in names]
        if unknown:
            raise InputError(f"unknown sequence(s): {', '.join(unknown[:5])}")
        names = wanted
    if getattr(args, "max_sequences", None):
        names = names[: args.max_sequences]
    if not names:
        raise DataError(f"no sequences found in {args.dataset} data at {args.root}")
    return names


class _Subset:
    """The data set restricted to some names (keeps ``format`` / ``root`` / ``split``)."""

    def __init__(self, ds, names):
        self._ds, self.names = ds, list(names)
        self.format = getattr(ds, "format", "unknown")
        self.root = getattr(ds, "root", None)
        self.split = getattr(ds, "split", None)

    def __len__(self):
        return len(self.names)

    def __getitem__(self, key):
        return self._ds[self.names[key] if isinstance(key, int) else key]


def tracker_label(spec: str) -> str:
    p = Path(spec)
    label = p.stem if p.suffix else p.name
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", label) or "tracker"


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "eval",
        help=COMMANDS["eval"],
        description=(
            "Run a tracker over a benchmark, write the result files in the benchmark's own format "
            "(readable by the official toolkits and evaluation servers), resume an interrupted run, and "
            "print the numbers the official toolkit would print together with the protocol followed: "
            "OTB/UAV123/LaSOT/TrackingNet one-pass evaluation, GOT-10k AO/SR, VOT supervised A/R/EAO, "
            "VOT2020+ multi-start A/R/EAO; "
            "generic folders use OTB-style one-pass evaluation."),
        epilog=("examples:\n"
                "  lighttrack eval --tracker kcf --dataset otb --root ~/data/OTB100\n"
                "  lighttrack eval --tracker model.pt --dataset got10k --root ~/data/GOT-10k --split val --workers 2\n"
                "  lighttrack eval --tracker onnx_dir/ --dataset got10k --root ~/data/GOT-10k --split test --pack got10k_test.zip\n"
                "  lighttrack eval --results-only --out runs/eval/mine --dataset lasot --root ~/data/LaSOT"),
        formatter_class=__import__("argparse").RawDescriptionHelpFormatter,
    )
    p.add_argument("--tracker", default="lighttrack-mobile",
                   help="a shipped model (lighttrack-mobile, lighttrack-m300), a checkpoint file, an ONNX folder, kcf, csrt, "
                   "static, or module:factory (default lighttrack-mobile, the shipped default model)")
    p.add_argument("--network-only", action="store_true",
                   help="LightTrack's own inference: the preset's rates without its refiners (calibration, voting, alignment)")
    p.add_argument("--backend", default="auto", choices=("auto", "onnxruntime", "torch"),
                   help="how LightTrack weights run: auto (ONNX Runtime when installed, exported once and cached), "
                   "onnxruntime or torch (default auto)")
    add_dataset_args(p)
    p.add_argument("--preset", help="tracker preset name or YAML/JSON file (LightTrack trackers; default: the preset the weights carry, else 'default')")
    p.add_argument("--protocol", help="evaluate with another protocol than the data set's own "
                                      "(otb-ope, uav-ope, lasot-ope, trackingnet, got10k, vot-supervised, "
                                      "vot-multistart, ope); VOT layouts with anchor.value (VOT2020+) default to "
                                      "vot-multistart, older ones to vot-supervised")
    p.add_argument("--workers", type=int, default=1, help="parallel tracker processes (default 1)")
    p.add_argument("--repetitions", type=int,
                   help="runs per sequence (default: 1 for deterministic trackers; 3 for GOT-10k and 15 for VOT otherwise)")
    p.add_argument("--out", help="run folder (default runs/eval/<tracker>-<dataset>[-<split>]); an unfinished run there resumes")
    p.add_argument("--results-only", action="store_true",
                   help="do not track: evaluate the result files already in --out (e.g. produced by another tool)")
    p.add_argument("--pack", metavar="ZIP", help="also write the evaluation-server archive (GOT-10k or TrackingNet)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.add_argument("--json", action="store_true", help="print the evaluation as JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    if args.workers < 1:
        raise InputError("--workers must be at least 1")
    if args.results_only and not args.out:
        raise InputError("--results-only needs --out, the run folder holding results/")
    protocol = protocol_for(args.dataset, args.protocol)
    dataset = open_data(args)
    if args.dataset == "vot" and not args.protocol:  # VOT2020+ (anchor.value present): multi-start
        protocol = vot_protocol(dataset)
    names = select_names(dataset, args)
    if len(names) != len(dataset.names):
        dataset = _Subset(dataset, names)
    label = "results" if args.results_only else tracker_label(args.tracker)
    out = Path(args.out) if args.out else Path("runs") / "eval" / "-".join(
        x for x in (label, args.dataset, args.split) if x)
    info = {"format": args.dataset, "root": args.root, "split": args.split}
    ran = None
    if not args.results_only:
        preset = args.preset
        ran = run_benchmark(dataset, args.tracker, out, protocol, preset=preset, workers=args.workers,
                            repetitions=args.repetitions, progress=not args.no_progress,
                            dataset_info=info, backend=args.backend, network_only=args.network_only)
    elif not (out / RESULTS_DIR).is_dir():
        raise InputError(f"{out / RESULTS_DIR}: no results folder to evaluate")
    result = evaluate_run(dataset, out, protocol)
    packed = None
    if args.pack:
        packed = pack_results(dataset, ResultStore(out / RESULTS_DIR, protocol.result_format), args.pack)
    if args.json:
        doc = {"run_dir": str(out), "tracking": ran, "packed": packed, **result}
        print(json.dumps(_json_safe(doc), indent=2))
        return 0
    if ran is not None:
        print(f"tracked {len(ran['ran'])} sequence(s), resumed past {len(ran['skipped'])} already done; "
              f"repetitions per sequence: {ran['repetitions']}")
    print(format_result(result, name=out.name))
    print(f"results: {out / RESULTS_DIR}  metrics: {out / 'metrics.json'}")
    if packed:
        print(f"server archive: {packed['archive']} ({packed['sequences']} sequences, "
              f"{packed['nan_boxes_filled']} NaN boxes replaced by the previous box)")
    return 0
