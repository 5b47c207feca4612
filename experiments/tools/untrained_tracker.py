"""An untrained tracker checkpoint of a given path (or the space's smallest), for timing only:
ONNX Runtime's speed does not depend on the weights' values, so ``benchmarks/front.py --model
LABEL=THIS_FILE=none=SIZE`` times what a path of the space would cost at a crop size before anyone
trains it (issue 26: the paper's space's latency floor against NanoTrack v2).

    python experiments/tools/untrained_tracker.py smallest runs/floor/smallest.pt
"""
from __future__ import annotations

import argparse
import sys

import torch

from lighttrack.models import resolve_arch
from lighttrack.nn.checkpoint import save_trackernet
from lighttrack.nn.net import TrackerNet
from lighttrack.space import SearchSpace


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("arch", help="an architecture string, a registry name, or 'smallest' (the paper's space)")
    p.add_argument("out")
    a = p.parse_args(argv)
    torch.manual_seed(0)
    arch = SearchSpace().smallest() if a.arch == "smallest" else resolve_arch(a.arch)
    net = TrackerNet(arch, 128).eval()
    print(save_trackernet(net, a.out), arch)
    return 0


if __name__ == "__main__":
    sys.exit(main())
