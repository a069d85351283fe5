#!/usr/bin/env bash
# Usage: tools/dist_test.sh CONFIG CHECKPOINT NPROC [test.py options]
# Same launch rules as dist_train.sh (NNODES, NODE_RANK, MASTER_ADDR, PORT).
set -euo pipefail
if [ $# -lt 3 ]; then
    echo "usage: $0 CONFIG CHECKPOINT NPROC [test.py options]" >&2
    exit 2
fi
source "$(dirname "$0")/_torchrun.sh"
CONFIG=$1
CHECKPOINT=$2
NPROC=$3
shift 3
run_torchrun "$NPROC" test.py "$CONFIG" "$CHECKPOINT" "$@"
