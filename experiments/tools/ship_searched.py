"""Issue 26 part 6: apply the ship rule of experiments/README.md to one searched set, on the training side.

Given the search folder (``configs/search_sizes.yaml`` output), the set's name and the retrained
weights (``configs/retrain_searched.yaml`` output), it scores on the search split:

1. the retrained weights with each preset candidate at the pick's crop size: ``default`` and the
   official Mobile's carried rates; the higher one is the carried preset;
2. the pick's inherited weights (its path through the search's supernet, BN recalibrated exactly
   as the search's fitness does) with that preset;

then packages the winner (float16, the preset stored) to ``--out`` and writes the record as JSON.

    python experiments/tools/ship_searched.py --search runs/search_sizes_m300 --set m300 \\
        --retrained runs/retrain_m300/final.pt --out runs/ship/lighttrack-m300.pt --record runs/ship/m300.json
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import torch


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--search", required=True, help="output folder of the search")
    p.add_argument("--set", required=True, help="constraint set name (m300, m200)")
    p.add_argument("--retrained", required=True, help="final.pt of the retrained pick")
    p.add_argument("--out", required=True, help="where the shipped checkpoint goes")
    p.add_argument("--record", required=True, help="JSON record of the decision")
    args = p.parse_args(argv)

    from lighttrack.arch import Arch
    from lighttrack.demo.weights import package
    from lighttrack.io import atomic_write_json
    from lighttrack.models import load_weights, weights_file
    from lighttrack.nn.batchnorm import recalibrate
    from lighttrack.nn.checkpoint import read_checkpoint, save_trackernet
    from lighttrack.nn.net import extract
    from lighttrack.search.fitness import score_sequences
    from lighttrack.search.runner import calibration_set, load_checked_supernet, load_search_config, validation_sequences
    from lighttrack.tracker.presets import at_search_size, get_preset, stored_preset

    torch.set_num_threads(1)
    folder = Path(args.search)
    cfg = load_search_config(folder / "config.yaml")
    results = json.loads((folder / "results.json").read_text())
    pick = results["constraint_sets"][args.set]["best"]
    arch, size = Arch.from_dict(pick["arch"]), int(pick.get("search_size") or 256)
    sequences = validation_sequences(cfg)

    official_rates = stored_preset(read_checkpoint(weights_file("lighttrack-mobile-official")))
    candidates = {"default": at_search_size(get_preset(cfg.fitness.preset or "default"), size),
                  "official-rates": at_search_size(official_rates, size)}

    def score(net, preset):
        return score_sequences(net.eval(), sequences, preset, "cpu", cfg.fitness.max_frames, cfg.fitness.backend)

    retrained, _ = load_weights(args.retrained)
    presets = {name: score(retrained, preset) for name, preset in candidates.items()}
    for name, rec in presets.items():
        print(f"retrained, preset {name}: fitness {rec['fitness']:.4f}", file=sys.stderr, flush=True)
    chosen = max(presets, key=lambda n: (presets[n]["fitness"], n == "default"))
    preset = candidates[chosen]

    supernet = load_checked_supernet(cfg)
    torch.manual_seed(0)
    inherited = extract(supernet, arch)
    calibration = calibration_set(cfg)
    if calibration:
        recalibrate(inherited, calibration, cfg.fitness.bn_momentum, "cpu")
    inherited_score = score(inherited, preset)
    print(f"inherited, preset {chosen}: fitness {inherited_score['fitness']:.4f}", file=sys.stderr, flush=True)

    ship_retrained = presets[chosen]["fitness"] >= inherited_score["fitness"]
    with tempfile.TemporaryDirectory() as tmp:
        source = args.retrained if ship_retrained else save_trackernet(inherited, Path(tmp) / "inherited.pt")
        shipped = package(source, args.out, fp16=True, preset=preset.to_dict())
    record = {"set": args.set, "arch": str(arch), "search_size": size, "macs": pick["macs"], "params": pick["params"],
              "search_fitness_at_pick": pick["fitness"], "retrained": args.retrained,
              "retrained_fitness": {n: r["fitness"] for n, r in presets.items()}, "carried_preset": preset.to_dict(),
              "preset_choice": chosen, "inherited_fitness": inherited_score["fitness"],
              "shipped": "retrained" if ship_retrained else "inherited", "out": str(shipped),
              "split": "search (training side), first %s frames of %d clips" % (cfg.fitness.max_frames, len(sequences))}
    atomic_write_json(args.record, record)
    print(json.dumps(record, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
