"""The ``lighttrack`` command line: one module per subcommand, each a thin shell over the library.

Every command module exposes ``register(subparsers)`` which adds its parser and sets
``func`` to a callable taking the parsed ``argparse.Namespace`` and returning an exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from lighttrack.errors import LightTrackError

# Command modules under lighttrack.cli, in the order their help is shown.
COMMAND_MODULES = [
    "profile",
    "train",
    "data",
    "eval", "report", "tune",
    "track", "export",
    "search", "latency",
    "demo",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lighttrack",
        description="Find, train, evaluate and deploy lightweight single-object trackers (LightTrack).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"lighttrack.cli.{name}").register(subparsers)
    return parser


def _version() -> str:
    from lighttrack import __version__

    return __version__


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except LightTrackError as err:
        print(f"lighttrack {args.command}: error: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head` and the like
        return 0
    except KeyboardInterrupt:
        print(f"lighttrack {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
