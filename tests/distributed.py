"""Run a function on several gloo ranks (CPU processes) inside a test.

The ranks are forked from the test process, so they start without
re-importing torch / MMAction2 (a 2-rank run costs the work, not the
imports). Each rank returns a picklable result; :func:`run_ranks` returns
them in rank order or raises with the failing rank's traceback.
"""
import os
import socket
import tempfile
import traceback

import torch
import torch.distributed as dist
import torch.multiprocessing as mp


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _rank_main(rank, fn, world_size, port, out_dir, args):
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port),
                      RANK=str(rank), LOCAL_RANK=str(rank),
                      WORLD_SIZE=str(world_size))
    torch.set_num_threads(1)
    try:
        dist.init_process_group('gloo', rank=rank, world_size=world_size)
        result = fn(rank, *args)
        dist.barrier()
        torch.save(dict(ok=True, result=result),
                   os.path.join(out_dir, f'{rank}.pt'))
    except BaseException:  # noqa: B902 - report any failure of the rank
        torch.save(dict(ok=False, error=traceback.format_exc()),
                   os.path.join(out_dir, f'{rank}.pt'))
        raise
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()


def run_ranks(fn, world_size=2, args=(), timeout=120):
    """``fn(rank, *args)`` on ``world_size`` forked gloo ranks; their
    results in rank order. ``fn`` must be a module-level function."""
    with tempfile.TemporaryDirectory() as out_dir:
        ctx = mp.start_processes(
            _rank_main, args=(fn, world_size, free_port(), out_dir, args),
            nprocs=world_size, join=False, start_method='fork')
        errors = []
        try:
            while not ctx.join(timeout=timeout):
                pass
        except Exception as err:  # noqa: B902
            errors.append(str(err))
        results = []
        for rank in range(world_size):
            path = os.path.join(out_dir, f'{rank}.pt')
            if not os.path.exists(path):
                errors.append(f'rank {rank}: no result')
                continue
            out = torch.load(path, weights_only=False)
            if not out['ok']:
                errors.append(f'rank {rank}:\n{out["error"]}')
            results.append(out.get('result'))
        if errors:
            raise RuntimeError('\n'.join(errors))
        return results
