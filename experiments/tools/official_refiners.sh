#!/usr/bin/env bash
# Issue 23, step 2 of the rule in experiments/README.md: with the rates `lighttrack tune` chose for
# the official weights (RATES, a preset file), each refiner switched on alone on the 22 drone clips
# of the real-video training split, beside the network alone and the 288-px big_size addendum.
# Usage: LIGHTTRACK_REALVIDEO=/work/data/realvideo bash experiments/tools/official_refiners.sh RATES WEIGHTS OUT
set -euo pipefail
rates=$1 weights=$2 out=$3
mkdir -p "$out"
variant() {  # name, then the preset fields that differ from RATES
  local name=$1; shift
  { echo "base: $rates"; for kv in "$@"; do echo "${kv%%=*}: ${kv#*=}"; done; } > "$out/$name.yaml"
  nice -n 5 lighttrack eval --tracker "$weights" --dataset realvideo --root "$LIGHTTRACK_REALVIDEO" --split train \
    --preset "$out/$name.yaml" --out "$out/$name" --no-progress --json > "$out/$name.json"
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(sys.argv[2], round(d['summary']['auc'], 4))" "$out/$name.json" "$name"
}
# the network alone with RATES is the tune's best trial (its score is in the tune's output)
variant big288 name=official-big288 big_size=288 &
variant calibration name=official-calibration calibration=1.0 &
wait
variant voting name=official-voting vote_radius=1 &
variant align name=official-align align=true &
wait
