# Sourced by the GPU session scripts (gpu_session_realvideo.sh, gpu_session_nas.sh): what every lent
# GPU session does the same way. The caller sets OUT, PY and DATA first.

session_start() {  # log everything to $OUT/session.log; stamp() prints seconds since the start
    mkdir -p "$OUT"
    exec > >(tee "$OUT/session.log") 2>&1
    export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1
    t0=$(date +%s)
}

stamp() { echo "[$(( $(date +%s) - t0 )) s] $*"; }

preflight() {  # fails in seconds (imports, CUDA) rather than minutes in
    stamp preflight
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || echo "no nvidia-smi (a CPU smoke run?)"
    $PY -c "import os, torch, cv2, numpy, lighttrack.train.trainer; print('torch', torch.__version__, 'cuda', torch.version.cuda, torch.cuda.is_available(), 'cv2', cv2.__version__, 'numpy', numpy.__version__, 'cpus', os.cpu_count())"
}

unpack_data() {  # CONFIG: unpack the carried crop caches $DATA into runs/gpu_data/cache, then read CONFIG's first and last pair
    stamp "unpack $DATA"
    rm -rf runs/gpu_data/cache
    $PY experiments/tools/device_data.py unpack "$DATA" runs/gpu_data/cache --jobs 16 2>&1 | tail -3 || return 1
    $PY -c "
import sys
from lighttrack.train.config import load_config
from lighttrack.train.data import build_pair_dataset
ds = build_pair_dataset(load_config(sys.argv[1]))
print('pairs per epoch', len(ds)); ds[0]; ds[len(ds) - 1]
" "$1"
}

cuda_tests() {
    stamp "CUDA tests"
    timeout 80 $PY -m pytest -q tests/test_cuda.py -rs -p no:cacheprovider 2>&1 | tail -6 | tee "$OUT/pytest_cuda.txt"
    stamp done
}
