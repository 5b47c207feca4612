#!/usr/bin/env bash
# A record (experiments/README.md): what the issue-18 GPU session ran (15 minutes of device time,
# one command of at most 10), from the repository root:
#   0. a preflight that fails in seconds (imports, CUDA, the recipe's config) rather than minutes in,
#   1. unpack the carried crop caches (made here by
#        python experiments/tools/device_data.py pack-cache devcache \
#            realvideo_train=runs/gpu_data/cache/realvideo_train davis_train=runs/gpu_data/cache/davis_train --crf 25)
#      into runs/gpu_data/cache, where configs/gpu_mobile_realvideo.yaml reads them,
#   2. two time-budgeted fine-tunes of the shipped LightTrack-Mobile side by side on the one GPU,
#      each with 7 loader workers:
#        a: configs/gpu_mobile_realvideo.yaml as written (lr 0.006)
#        b: the same at lr 0.012
#      which (if either) ships is decided afterwards on the real-video validation split, by the
#      rule written in experiments/README.md before either was scored,
#   3. the CUDA tests (tests/test_cuda.py).
# At most 8 files land in $OUT (the device tool's limit).
#   OUT=/tmp/out BUDGET=420 bash experiments/tools/gpu_session_realvideo.sh
set -u -o pipefail
OUT=${OUT:-runs/gpu_session_realvideo}
BUDGET=${BUDGET:-420}
PY=${PY:-python3}
DATA=${DATA:-devcache}
WORKERS=${WORKERS:-7}
source "$(dirname "$0")/gpu_session_common.sh"
session_start
preflight || exit 1
unpack_data configs/gpu_mobile_realvideo.yaml || exit 1

train() {  # name, overrides…
    local name=$1; shift
    timeout $((BUDGET + 90)) $PY -m lighttrack train configs/gpu_mobile_realvideo.yaml "train.time_budget_s=$BUDGET" \
        "output_dir=runs/gpu_$name" "data.workers=$WORKERS" "$@" ${TRAIN_ARGS:-} \
        > "runs/gpu_$name.summary.json" 2> "$OUT/train_$name.log"
    echo "train $name: exit status $?"
}
stamp "train a and b side by side, budget ${BUDGET} s each"
train a & pid_a=$!
train b "train.lr=0.012" "seed=19" & pid_b=$!
wait $pid_a $pid_b  # not a bare wait: that would also wait for the tee above, which never ends
nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader
for name in a b; do
    grep -v "^ " "$OUT/train_$name.log" | tail -3
    $PY -c "import json,sys; d=json.load(open(sys.argv[1])); print(json.dumps({k: d.get(k) for k in ('steps','seconds','pairs_per_s','budget','last')}))" "runs/gpu_$name.summary.json"
    cp "runs/gpu_$name/metrics.jsonl" "$OUT/metrics_$name.jsonl"
    cp "runs/gpu_$name/final.pt" "$OUT/$name.pt" 2>/dev/null || cp "runs/gpu_$name/last.pt" "$OUT/$name.pt"
done

cuda_tests
