# Sourced by dist_train.sh / dist_test.sh: run_torchrun NPROC SCRIPT ARGS...
# starts NPROC processes of tools/SCRIPT on this node with torchrun. NNODES,
# NODE_RANK, MASTER_ADDR and PORT configure multi-node jobs; PYTHON selects
# the interpreter.
run_torchrun() {
    local nproc=$1 script=$2
    shift 2
    local here
    here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
    export PYTHONPATH="$here/..${PYTHONPATH:+:$PYTHONPATH}"
    exec "${PYTHON:-python}" -m torch.distributed.run \
        --nnodes="${NNODES:-1}" --node_rank="${NODE_RANK:-0}" \
        --master_addr="${MASTER_ADDR:-127.0.0.1}" \
        --nproc_per_node="$nproc" --master_port="${PORT:-29500}" \
        "$here/$script" "$@" --launcher pytorch
}
