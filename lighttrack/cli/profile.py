"""``lighttrack profile ARCH``: parameters, MACs (paper and thop conventions) and latency."""

from __future__ import annotations

import json

import torch

import lighttrack
from lighttrack.cli import COMMANDS
from lighttrack.errors import InputError
from lighttrack.profile import profile_net


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "profile",
        help=COMMANDS["profile"],
        description=(
            "Profile one tracker of the search space. MACs follow the LightTrack paper: the per-frame "
            "search branch (search image + cached template feature), template branch excluded, "
            "correlation matmul not counted; 'thop-style' adds BN and pooling the way thop counts them."
        ),
    )
    p.add_argument("arch", help="registered name (lighttrack-mobile), official path string 'back_…', or Arch JSON file")
    p.add_argument("--weights", help="optional checkpoint to load (checks that it fits the architecture)")
    p.add_argument("--search-size", type=int, default=256, help="search image side in pixels (default 256)")
    p.add_argument("--device", default="cpu", help="device for the latency measurement (cpu, cuda, cuda:1 …)")
    p.add_argument("--runs", type=int, default=100, help="timed runs for latency (>= 50; default 100)")
    p.add_argument("--warmup", type=int, default=20, help="untimed warm-up runs (default 20)")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    p.add_argument("--no-latency", action="store_true", help="skip the latency measurement")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=run)


def run(args) -> int:
    if args.search_size <= 0 or args.search_size % 16:
        raise InputError(f"--search-size must be a positive multiple of 16, got {args.search_size}")
    if not args.no_latency and args.runs < 50:
        raise InputError(f"--runs must be at least 50 for a stable median, got {args.runs}")
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        raise InputError(f"--device {args.device}: CUDA is not available on this machine")
    if args.threads:
        torch.set_num_threads(args.threads)
    net = lighttrack.build(args.arch, args.weights)
    prof = profile_net(
        net, args.search_size, latency_runs=0 if args.no_latency else args.runs, warmup=args.warmup, device=args.device
    )
    result = prof.to_dict()
    result.update(device=args.device, threads=torch.get_num_threads(), torch=torch.__version__)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    rows = [
        ("architecture", prof.arch),
        ("search size", f"{prof.search_size} px (score map {prof.search_size // net.stride}x{prof.search_size // net.stride})"),
        ("parameters", f"{prof.params:,} ({prof.params / 1e6:.3f} M)"),
        ("MACs, paper convention", f"{prof.macs / 1e6:.1f} M (convolutions of the per-frame search branch)"),
        ("MACs, thop-style", f"{prof.thop_macs / 1e6:.1f} M (+ BatchNorm and pooling; the paper's 'FLOPs')"),
        ("correlation matmul", f"{prof.correlation_macs / 1e6:.2f} M MACs (counted by neither convention)"),
        ("template branch", f"{prof.template_macs / 1e6:.1f} M MACs (once per target, excluded above)"),
    ]
    if prof.latency_ms:
        lat = prof.latency_ms
        rows.append(
            (
                f"latency ({args.device}, {torch.get_num_threads()} threads)",
                f"median {lat['median']:.2f} ms, p10-p90 {lat['p10']:.2f}-{lat['p90']:.2f} ms over {lat['runs']} runs "
                f"({1000 / lat['median']:.1f} frames/s, network only)",
            )
        )
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    return 0
