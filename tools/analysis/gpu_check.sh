#!/usr/bin/env bash
# One-GPU reality check of finetec_mm, a few minutes on one H100/H200:
#   tools/analysis/gpu_check.sh [--device cuda|cpu] [--out DIR] [--data PKL]
# 1. prints the device and the versions;
# 2. tools/analysis/benchmark.py in fp32 and with --amp at batch 64 and 256
#    (JSON per run in DIR/benchmark_*.json);
# 3. writes the demo data (tools/data/generate_demo_data.py into DIR/data;
#    --data PKL uses that demo-format pickle with train / val / test splits
#    instead), trains configs/finetec_demo_severe.py on it for one epoch
#    through tools/dist_train.sh CONFIG 1 (torchrun; nccl on CUDA, gloo on
#    CPU), then tests the checkpoint with tools/test.py and classifies the
#    test split with tools/infer.py --device DEVICE;
# 4. tools/analysis/gpu_consistency.py: hosted completion + decomposition +
#    physics give the CPU's model inputs and scores on DEVICE (1e-4), and the
#    counter-based random streams agree (uniforms bit-identical, Box–Muller
#    normals within 1e-5: float32 log1p/cos/sin round differently on GPUs).
# --device cpu is the dry run (CI, `make test`): tiny sizes (2 of the 10
# test clips in test and infer, 2 consistency samples), same steps (no
# --amp: benchmark.py's AMP needs CUDA).
# PYTHON selects the interpreter. Exit code: 1 if any step fails.
set -euo pipefail
cd "$(dirname "$0")/../.."
DEVICE=cuda
OUT=work_dirs/gpu_check
DATA_PKL=
while [ $# -gt 0 ]; do
    case $1 in
        --device) DEVICE=$2; shift 2 ;;
        --out) OUT=$2; shift 2 ;;
        --data) DATA_PKL=$2; shift 2 ;;
        *) echo "usage: $0 [--device cuda|cpu] [--out DIR] [--data PKL]" >&2
           exit 2 ;;
    esac
done
PY=${PYTHON:-python}
export PYTHON=$PY
mkdir -p "$OUT"
CONFIG=configs/finetec_demo_severe.py
step() { echo; echo "== $* ($(date +%H:%M:%S))"; }

step "device and versions"
$PY - "$DEVICE" <<'EOF'
import platform, sys
import torch, mmengine, mmaction
dev = sys.argv[1]
name = torch.cuda.get_device_name(0) if dev.startswith('cuda') else platform.processor() or platform.machine()
print(f'device {dev}: {name}; torch {torch.__version__} (CUDA {torch.version.cuda}); '
      f'mmengine {mmengine.__version__}; mmaction2 {mmaction.__version__}; python {platform.python_version()}')
if dev.startswith('cuda') and not torch.cuda.is_available():
    sys.exit('error: --device cuda but torch sees no CUDA device')
EOF

if [ "$DEVICE" = cpu ]; then
    BATCHES="4"
    AMPS="fp32"  # benchmark.py --amp needs CUDA
    BENCH=(--quick --pipeline-samples 8 --num-classes 10)
    DATA=(--num-train-per-class 2 --num-val-per-class 1 --num-test-per-class 1)
    # 2 test clips instead of 10 (index 1: UniformSampleFrames)
    CLIPS=(test_dataloader.dataset.pipeline.1.num_clips=2)
    INFER=(--cfg-options "${CLIPS[@]}")
    CONSISTENCY=(--num-samples 2)
else
    BATCHES="64 256"
    AMPS="fp32 --amp"
    BENCH=()
    DATA=()
    CLIPS=()
    INFER=()
    CONSISTENCY=()
fi
for B in $BATCHES; do
    for AMP in $AMPS; do
        [ "$AMP" = fp32 ] && AMP=""
        step "benchmark, batch $B ${AMP:-fp32}"
        $PY tools/analysis/benchmark.py --device "$DEVICE" --batch-size "$B" \
            $AMP "${BENCH[@]}" --json "$OUT/benchmark_${DEVICE}_b${B}${AMP:+_amp}.json"
    done
done

step "demo data"
if [ -n "$DATA_PKL" ]; then
    [ -f "$DATA_PKL" ] || { echo "error: --data $DATA_PKL: no such file" >&2; exit 2; }
    PKL=$DATA_PKL
    echo "using $PKL"
else
    $PY tools/data/generate_demo_data.py --out-dir "$OUT/data" --quiet "${DATA[@]}" >/dev/null
    PKL=$OUT/data/finetec_demo.pkl
fi
OPTS=(train_dataloader.dataset.ann_file="$PKL" val_dataloader.dataset.ann_file="$PKL"
      test_dataloader.dataset.ann_file="$PKL" train_cfg.max_epochs=1)
if [ "$DEVICE" = cpu ]; then
    OPTS+=(train_dataloader.batch_size=16 train_dataloader.num_workers=0
           train_dataloader.persistent_workers=False val_dataloader.num_workers=0
           val_dataloader.persistent_workers=False test_dataloader.num_workers=0
           test_dataloader.persistent_workers=False "${CLIPS[@]}")
fi

step "one epoch through tools/dist_train.sh $CONFIG 1"
PORT=${PORT:-29561} tools/dist_train.sh "$CONFIG" 1 --work-dir "$OUT/train" --seed 0 \
    --cfg-options "${OPTS[@]}"
CKPT=$OUT/train/epoch_1.pth

step "tools/test.py"
$PY tools/test.py "$CONFIG" "$CKPT" --work-dir "$OUT/test" --cfg-options "${OPTS[@]}" \
    | tee "$OUT/test.log" | grep -E 'acc/|Epoch\(test\) \[' | tail -4

step "tools/infer.py --device $DEVICE"
$PY tools/infer.py "$CONFIG" "$CKPT" "$PKL" --split test --device "$DEVICE" \
    --out "$OUT/infer.json" --topk 1 "${INFER[@]}" | tail -3

step "CPU vs $DEVICE: model inputs, scores, random streams"
$PY tools/analysis/gpu_consistency.py --device "$DEVICE" "${CONSISTENCY[@]}" \
    --json "$OUT/consistency.json"

step "done: $OUT"
ls "$OUT"
