#!/usr/bin/env bash
# Usage: tools/dist_train.sh CONFIG NPROC [train.py options]
# Launches NPROC processes per node with torchrun. Multi-node: set NNODES,
# NODE_RANK, MASTER_ADDR and PORT on every node. With CUDA each process drives
# one GPU over nccl; without CUDA the processes train on CPU over gloo.
set -euo pipefail
if [ $# -lt 2 ]; then
    echo "usage: $0 CONFIG NPROC [train.py options]" >&2
    exit 2
fi
source "$(dirname "$0")/_torchrun.sh"
CONFIG=$1
NPROC=$2
shift 2
run_torchrun "$NPROC" train.py "$CONFIG" "$@"
