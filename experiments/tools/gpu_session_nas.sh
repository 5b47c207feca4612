#!/usr/bin/env bash
# Issue 26 part 8, prepared for a lent GPU (not run yet: this task was drawn no machine). From the
# repository root, within the device tool's limits (one command of at most 10 minutes):
#   0. a preflight that fails in seconds (imports, CUDA, the recipe's data) rather than minutes in,
#   1. unpack the carried crop caches (made here, 38 MB, by
#        lighttrack data cache $LIGHTTRACK_REALVIDEO --format realvideo-split --split supernet --out runs/gpu_data/cache/realvideo_supernet
#        lighttrack data cache runs/demo_pretrained_data/coco_mini --format stills --out runs/gpu_data/cache/stills_coco_mini
#        lighttrack data cache runs/demo_pretrained_data/thermal_dogs_people --format stills --out runs/gpu_data/cache/stills_thermal
#        python experiments/tools/device_data.py pack-cache runs/devcache_nas \
#            realvideo_supernet=runs/gpu_data/cache/realvideo_supernet \
#            stills_coco_mini=runs/gpu_data/cache/stills_coco_mini stills_thermal=runs/gpu_data/cache/stills_thermal --crf 25)
#      into runs/gpu_data/cache, where configs/gpu_supernet_official.yaml reads them,
#   2. the supernet inherited from and distilled by the official LightTrack-Mobile, time-budgeted
#      (BUDGET seconds of training after its probe),
#   3. the CUDA tests (tests/test_cuda.py).
# What lands in $OUT (at most 8 files): the session log, the training log and metrics, the
# supernet checkpoint (a `--resume`-able last.pt or the final supernet), the CUDA tests' tail.
# The run command for the device tool (carry runs/devcache_nas):
#   OUT=$OUT BUDGET=420 bash experiments/tools/gpu_session_nas.sh
# A CPU smoke test of the whole script (a few steps):
#   OUT=runs/gpu_session_nas_smoke BUDGET=20 DATA=runs/devcache_nas \
#     TRAIN_ARGS="device=cpu train.batch_size=2 data.workers=0 model.unfold_batches=1 train.budget_probe_steps=3" \
#     bash experiments/tools/gpu_session_nas.sh
set -u -o pipefail
OUT=${OUT:-runs/gpu_session_nas}
BUDGET=${BUDGET:-420}
PY=${PY:-python3}
DATA=${DATA:-runs/devcache_nas}
source "$(dirname "$0")/gpu_session_common.sh"
session_start
preflight || exit 1
unpack_data configs/gpu_supernet_official.yaml || exit 1

stamp "supernet, budget ${BUDGET} s"
timeout $((BUDGET + 150)) $PY -m lighttrack train configs/gpu_supernet_official.yaml "train.time_budget_s=$BUDGET" \
    output_dir=runs/gpu_supernet_official ${TRAIN_ARGS:-} \
    > runs/gpu_supernet_official.summary.json 2> "$OUT/train.log"
echo "train: exit status $?"
grep -v "^ " "$OUT/train.log" | tail -3
$PY -c "import json,sys; d=json.load(open(sys.argv[1])); print(json.dumps({k: d.get(k) for k in ('steps','seconds','pairs_per_s','budget','last')}))" \
    runs/gpu_supernet_official.summary.json || true
cp runs/gpu_supernet_official/metrics.jsonl "$OUT/metrics.jsonl"
ls runs/gpu_supernet_official
cp runs/gpu_supernet_official/supernet.pt "$OUT/supernet.pt" 2>/dev/null || cp runs/gpu_supernet_official/last.pt "$OUT/last.pt"

cuda_tests
