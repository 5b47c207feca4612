#!/usr/bin/env bash
# A record (experiments/README.md): what one lent GPU session ran (15 minutes of device time, one
# command of at most 10), from the repository root:
#   1. unpack the carried data (made here by `python experiments/tools/device_data.py pack devdata`)
#      and the starting weights ($INIT, default devdata/init_mobile_stage4.pt: model.init),
#   2. two time-budgeted fine-tunes of LightTrack-Mobile side by side on the one GPU, each with
#      half the CPU cores for its data loader (the loader, not the GPU, sets the pace):
#        a: configs/gpu_mobile.yaml as written (lr 0.012, negatives, stronger photometric jitter)
#        b: the same at lr 0.006 with stage 4's augmentation and no negatives
#      the weights we ship are chosen afterwards on the validation clips, never on held-out ones,
#   3. the CUDA tests (tests/test_cuda.py) and the GPU throughput benchmark.
# At most 8 files land in $OUT (the device tool's limit).
#   OUT=/tmp/out BUDGET=400 bash experiments/tools/gpu_session.sh   (TRAIN_ARGS="k=v …" adds overrides to both)
set -u -o pipefail
OUT=${OUT:-runs/gpu_session}
BUDGET=${BUDGET:-400}
PY=${PY:-python3}
DATA=${DATA:-devdata}
WORKERS=${WORKERS:-7}
mkdir -p "$OUT"
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1
# the recipe's data roots (docs/data.md): the unpacked copies
export LIGHTTRACK_DAVIS=$PWD/runs/gpu_data/davis2016 LIGHTTRACK_STILLS=$PWD/runs/gpu_data/stills
t0=$(date +%s)
stamp() { echo "[$(( $(date +%s) - t0 )) s] $*"; }

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
$PY -c "import os, torch, cv2, numpy; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'cv2', cv2.__version__, 'numpy', numpy.__version__, 'cpus', os.cpu_count())"

stamp "unpack $DATA"
$PY experiments/tools/device_data.py unpack "$DATA" runs/gpu_data 2>&1 | tail -3 || exit 1
[ -f runs/init_mobile_stage4.pt ] || cp "${INIT:-$DATA/init_mobile_stage4.pt}" runs/init_mobile_stage4.pt || exit 1

train() {  # name, overrides…
    local name=$1; shift
    timeout $((BUDGET + 120)) $PY -m lighttrack train configs/gpu_mobile.yaml "train.time_budget_s=$BUDGET" \
        "output_dir=runs/gpu_$name" "model.init=runs/init_mobile_stage4.pt" "data.workers=$WORKERS" "$@" ${TRAIN_ARGS:-} \
        > "runs/gpu_$name.summary.json" 2> "$OUT/train_$name.log"
    echo "train $name: exit status $?"
}
stamp "train a and b side by side, budget ${BUDGET} s each"
train a &
train b "train.lr=0.006" "data.negative_prob=0" "data.augment={search_shift: 64, blur_prob: 0.1, gray_prob: 0.05}" &
wait
for name in a b; do
    grep -v "^ " "$OUT/train_$name.log" | tail -4
    $PY -c "import json,sys; d=json.load(open(sys.argv[1])); print(json.dumps({k: d.get(k) for k in ('steps','seconds','pairs_per_s','budget','stopped_by_budget','last')}))" "runs/gpu_$name.summary.json"
    cp "runs/gpu_$name/metrics.jsonl" "$OUT/metrics_$name.jsonl"
    cp "runs/gpu_$name/final.pt" "$OUT/$name.pt" 2>/dev/null || cp "runs/gpu_$name/last.pt" "$OUT/$name.pt"
done

stamp "CUDA tests"
timeout 100 $PY -m pytest -q tests/test_cuda.py -rs -p no:cacheprovider 2>&1 | tail -8 | tee "$OUT/pytest_cuda.txt"

stamp "GPU throughput"
timeout 60 $PY benchmarks/gpu_throughput.py --frames 200 > "$OUT/gpu_throughput.json"
cat "$OUT/gpu_throughput.json"
stamp done
