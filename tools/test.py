"""Test a checkpoint: ``python tools/test.py CONFIG CHECKPOINT [options]``.

The checkpoint is read with torch's ``weights_only=True`` (see
``finetec_mm/engine/safe_checkpoint.py``): no code pickled inside it runs.
A checkpoint that leaves any model weight unloaded (or loads none) is
refused, naming the file and the counts of missing / unexpected weights,
unless ``--allow-partial`` (``finetec_mm/engine/checkpoint_guard.py``).
Known faults (missing config / checkpoint / annotation file, unreadable or
invalid annotation file, unfit checkpoint) print ``error: <message>`` and
exit with status 1.
"""
import argparse
import os
import os.path as osp
import sys

import _bootstrap  # noqa: F401  (source checkout on sys.path)
import finetec_mm  # noqa: F401  (registers components, applies compat)
from finetec_mm.cli import (check_completion_checkpoints, load_config,
                             run_main)
from finetec_mm.compat import finish_distributed
from finetec_mm.engine import protocol
from mmengine.config import DictAction

from mmaction.registry import RUNNERS


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test an action recognizer')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir', help='where to write the evaluation logs')
    parser.add_argument(
        '--dump', type=str,
        help='write every prediction (scores, labels) to this .pkl file')
    parser.add_argument(
        '--allow-partial', action='store_true',
        help='load a checkpoint that leaves some model weights unloaded '
        '(they keep their initial values) instead of refusing it')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config entries, e.g. corruption.level=moderate')
    parser.add_argument(
        '--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def merge_args(cfg, args):
    """Apply the command line to the config."""
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(
            f'checkpoint file {args.checkpoint!r} does not exist')
    cfg.load_from = args.checkpoint
    if args.allow_partial:
        cfg.allow_partial_checkpoint = True
    if args.dump is not None:
        if not args.dump.endswith(('.pkl', '.pickle')):
            raise ValueError(f'--dump must end with .pkl, got {args.dump!r}')
        evaluator = cfg.test_evaluator
        evaluator = list(evaluator) if isinstance(evaluator, (list, tuple)) \
            else [evaluator]
        evaluator.append(dict(type='DumpResults', out_file_path=args.dump))
        cfg.test_evaluator = evaluator
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
        if protocol.touches_composition(args.cfg_options):
            # e.g. corruption.level=moderate: rebuild the pipelines and model
            # from the config's templates, as the config file composes them.
            protocol.recompose(cfg)
    return cfg


def main(argv=None):
    args = parse_args(argv)
    cfg = merge_args(load_config(args.config), args)
    check_completion_checkpoints(cfg)
    runner = RUNNERS.get(cfg.get('runner_type', 'FineTecRunner')).from_cfg(cfg)
    metrics = runner.test()
    finish_distributed()
    if runner.rank == 0:
        print('\nTest metrics (' + osp.basename(args.checkpoint) + '):')
        for name, value in metrics.items():
            print(f'  {name:<12} {value:.4f}')


if __name__ == '__main__':
    sys.exit(run_main(main))
