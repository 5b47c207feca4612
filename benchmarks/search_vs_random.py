"""Issue 26 part 5: LightTrack's evolution against random search on the same supernet, with the same
number of evaluations, for several seeds.

For each seed: ``lighttrack search CONFIG --supernet S --seed SEED --random-baseline`` (one
constraint set, ``--constraint``), which runs the evolution and a random search matched to its
number of evaluations in one output folder. Fitness is deterministic for a supernet and config, so
every run starts with the fitness records of the runs before it (the same cache identity): an
architecture two runs both propose is scored once. Reports each run's best fitness after each
evaluation, whether evolution is ahead at equal evaluations on every seed, and each run's pick (for
stand-alone training: ``benchmarks/ranking_official.py --archs PICKS``). Reruns resume.

    python benchmarks/search_vs_random.py --supernet runs/supernet_official/last.pt --out docs/results/search_vs_random.json
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from lighttrack.io import atomic_write_json

ROOT = Path(__file__).resolve().parents[1]


def best_so_far(history: list[dict]) -> list[float | None]:
    """Best fitness after each evaluation, in the order the search made them."""
    curve, best = [], None
    for entry in sorted(history, key=lambda e: (e.get("generation", 0), e.get("index", 0))):
        f = entry.get("fitness")
        if f is not None and (best is None or f > best):
            best = f
        curve.append(best)
    return curve


def merge_caches(folders: list[Path], target: Path) -> int:
    """Copy into ``target``'s fitness cache the records of earlier runs with the same identity."""
    records, identity = {}, None
    for folder in folders:
        path = folder / "fitness_cache.json"
        if path.is_file():
            data = json.loads(path.read_text())
            if identity is None:
                identity = data.get("identity")
            if data.get("identity") == identity:
                records.update(data.get("records", {}))
    if not records:
        return 0
    path = target / "fitness_cache.json"
    if path.is_file():
        own = json.loads(path.read_text())
        if own.get("identity") != identity:
            return 0
        records.update(own.get("records", {}))
    atomic_write_json(path, {"identity": identity, "records": records})
    return len(records)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--supernet", required=True)
    p.add_argument("--config", default=str(ROOT / "configs" / "search_official.yaml"))
    p.add_argument("--constraint", default="m300", help="the config's constraint set to search under")
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--population", type=int, default=6)
    p.add_argument("--generations", type=int, default=3,
                   help="evolution generations; each keeps the top half and breeds half by mutation, half by crossover")
    p.add_argument("--work", default="runs/search_vs_random")
    p.add_argument("--out")
    args = p.parse_args(argv)
    from lighttrack.config import read_yaml  # local: keep --help light

    constraints = [c for c in read_yaml(args.config).get("constraints", []) if c.get("name") == args.constraint]
    if not constraints:
        print(f"error: {args.config} has no constraint set named {args.constraint!r}", file=sys.stderr)
        return 2
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    seeds = [int(s) for s in args.seeds.split(",")]
    report = {"benchmark": "evolution against random search (issue 26 part 5)", "config": args.config,
              "supernet": args.supernet, "constraint": constraints[0], "population": args.population,
              "generations": args.generations, "seeds": {}}
    done: list[Path] = []
    for seed in seeds:
        out = work / f"seed_{seed}"
        merge_caches(done, out)
        cmd = [sys.executable, "-m", "lighttrack", "search", args.config,
               f"constraints=[{json.dumps(constraints[0])}]", f"settings.population={args.population}",
               f"settings.generations={args.generations}", f"settings.top_k={args.population // 2}",
               f"settings.mutations={args.population // 2}", f"settings.crossovers={args.population - args.population // 2}",
               "--supernet", args.supernet, "--seed", str(seed), "--random-baseline", "--output-dir", str(out)]
        if (out / args.constraint / "state.json").is_file():
            cmd.append("--resume")
        with open(work / f"seed_{seed}.log", "a") as log:
            subprocess.run(cmd, check=True, stdout=log, stderr=subprocess.STDOUT)
        done.append(out)
        results = json.loads((out / "results.json").read_text())["constraint_sets"][args.constraint]
        evo = best_so_far(json.loads((out / args.constraint / "state.json").read_text())["history"])
        rnd = best_so_far(json.loads((out / args.constraint / "random_state.json").read_text())["history"])
        n = min(len(evo), len(rnd))
        report["seeds"][str(seed)] = {
            "evaluations": n, "evolution_best_by_evaluation": evo, "random_best_by_evaluation": rnd,
            "evolution_best": evo[n - 1], "random_best": rnd[n - 1],
            "evolution_ahead_at_end": (evo[n - 1] or 0) > (rnd[n - 1] or 0),
            "evolution_ahead_or_equal_everywhere": all((e or 0) >= (r or 0) for e, r in zip(evo[:n], rnd[:n])),
            "evolution_pick": results.get("search"), "random_pick": results.get("random"),
        }
    runs = report["seeds"].values()
    report["evolution_ahead_on_every_seed"] = all(r["evolution_ahead_at_end"] for r in runs)
    report["picks"] = {f"{role}_seed{seed}": r[f"{role}_pick"]["path"] for seed, r in report["seeds"].items()
                       for role in ("evolution", "random") if r.get(f"{role}_pick")}
    atomic_write_json(work / "picks.json", sorted(set(report["picks"].values())))
    atomic_write_json(work / "search_vs_random.json", report)
    if args.out:
        atomic_write_json(args.out, report)
    print(json.dumps({k: v for k, v in report.items() if k != "seeds"}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
