"""The ``lighttrack`` command line: one module per subcommand, each a thin shell over the library.

Every command module exposes ``register(subparsers)`` which adds its parser and sets
``func`` to a callable taking the parsed ``argparse.Namespace`` and returning an exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Collection

from lighttrack import __version__
from lighttrack.errors import LightTrackError, missing_extra

# The commands in the order help lists them, with their one-line help. ``lighttrack.cli.<name>``
# implements each; only the chosen command's module is imported (it loads the layers it needs), so
# ``lighttrack --help`` lists every command without loading any of them.
COMMANDS = {
    "profile": "count parameters and MACs of an architecture and time its per-frame path",
    "train": "train a tracker, the weight-sharing supernet, or the backbone supernet (image pretraining)",
    "data": "check, describe and cache tracking data sets",
    "eval": "run a tracker over a benchmark and report its official metrics",
    "report": "compare evaluated runs: table, success and precision plots (PNG), HTML page",
    "tune": "tune the tracker's penalty_k, window influence and lr on a validation split (Optuna TPE)",
    "track": "track objects through a video file, an image folder or a camera",
    "export": "export a tracker network for deployment (ONNX)",
    "convert": "convert trained weights from another format (the official LightTrack-Mobile's OpenVINO IR) into a checkpoint",
    "search": "search the supernet for the best trackers under MACs / params / latency budgets",
    "latency": "build and validate per-op latency lookup tables for a runtime (PyTorch CPU/CUDA, ONNX Runtime CPU)",
    "demo": "train a small supernet, search it, retrain the winner, beat KCF/CSRT, export, track a video",
}
COMMAND_MODULES = list(COMMANDS)
# What the training extra adds to the plain install: a command that reaches one of these in a plain
# install gets one line naming the extra (exit 2), not a traceback.
TRAIN_EXTRA_MODULES = frozenset({"torch", "torchvision", "optuna", "matplotlib", "onnx", "onnxscript", "tensorboard"})


def _needs_extra(err: ImportError) -> bool:
    return (getattr(err, "name", None) or "").split(".")[0] in TRAIN_EXTRA_MODULES


def build_parser(load: Collection[str] | None = None) -> argparse.ArgumentParser:
    """The command line's parser. The commands named in ``load`` (all when None) get their full
    parsers from their modules; the others appear with their one-line help only."""
    parser = argparse.ArgumentParser(
        prog="lighttrack",
        description="Find, train, evaluate and deploy lightweight single-object trackers (LightTrack).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, summary in COMMANDS.items():
        if load is None or name in load:
            importlib.import_module(f"lighttrack.cli.{name}").register(subparsers)
        else:
            subparsers.add_parser(name, help=summary)
    return parser


def chosen_command(argv: list[str]) -> str | None:
    """The command named on the command line: its first argument that is not an option (the
    top-level options, --help and --version, take no value)."""
    return next((a for a in argv if not a.startswith("-")), None)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    command = chosen_command(argv)
    try:
        parser = build_parser(load=[command])
    except ImportError as err:  # the command's module imports torch and the like at its top
        if not _needs_extra(err):
            raise
        print(f"lighttrack {command}: error: {missing_extra(f'lighttrack {command}')}", file=sys.stderr)
        return 2
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except LightTrackError as err:
        print(f"lighttrack {args.command}: error: {err}", file=sys.stderr)
        return 2
    except ImportError as err:  # a plain install reached training-only code (--backend torch, a plot)
        if not _needs_extra(err):
            raise
        print(f"lighttrack {args.command}: error: {missing_extra(f'this use of lighttrack {args.command}')}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head` and the like
        return 0
    except KeyboardInterrupt:
        print(f"lighttrack {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
