"""Train a model from a config: ``python tools/train.py CONFIG [options]``.

Same interface as MMAction2's ``tools/train.py`` (which runs our configs
too); ``--cfg-options`` that change a composition input (e.g.
``corruption.level=moderate``) rebuild the pipelines the config composes,
and the config's runner (``FineTecRunner``) makes the distributed launchers
work on CPU-only hosts. Known faults (missing config or annotation file,
unreadable or invalid annotation file, a ``--resume`` / ``load_from``
checkpoint that does not fit the model) print ``error: <message>`` and exit
with status 1; ``--cfg-options allow_partial_checkpoint=True`` loads a
``load_from`` checkpoint partially (fine-tuning).
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
    parser = argparse.ArgumentParser(description='Train an action recognizer')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='where to save logs and models')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from CKPT, or from the latest checkpoint in the work '
        'dir when no path is given')
    parser.add_argument(
        '--amp', action='store_true', help='automatic mixed precision')
    parser.add_argument(
        '--compile', nargs='?', const='inductor', metavar='BACKEND',
        help="torch.compile the train step (mmengine's compile option); "
        "BACKEND defaults to 'inductor', e.g. 'aot_eager' compiles faster")
    parser.add_argument(
        '--no-validate', action='store_true',
        help='do not evaluate during training')
    parser.add_argument(
        '--auto-scale-lr', action='store_true',
        help='scale the LR by (total batch size / auto_scale_lr.base_batch_size)')
    parser.add_argument('--seed', type=int, default=None, help='random seed')
    parser.add_argument(
        '--diff-rank-seed', action='store_true',
        help='give each rank a different seed')
    parser.add_argument(
        '--deterministic', action='store_true',
        help='deterministic cuDNN / torch algorithms')
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
    """Apply the command line to the config (``--cfg-options`` first, so
    the dedicated flags win)."""
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
        if protocol.touches_composition(args.cfg_options):
            # e.g. corruption.level=moderate: rebuild the pipelines and model
            # from the config's templates, as the config file composes them.
            protocol.recompose(cfg)
    if args.no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if args.amp:
        wrapper_type = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if wrapper_type not in ('OptimWrapper', 'AmpOptimWrapper'):
            raise ValueError(f'--amp does not support optim wrapper '
                             f'{wrapper_type!r}')
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.compile is not None:
        compile_cfg = cfg.get('compile')
        compile_cfg = dict(compile_cfg) if isinstance(compile_cfg,
                                                      dict) else {}
        compile_cfg['backend'] = args.compile
        cfg.compile = compile_cfg
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        if not osp.isfile(args.resume):
            raise FileNotFoundError(
                f'--resume: checkpoint {args.resume!r} does not exist')
        cfg.resume, cfg.load_from = True, args.resume
    if args.auto_scale_lr:
        cfg.auto_scale_lr.enable = True
    # The flags override the config's randomness (the completion configs
    # set the paper's seed 304); what a flag does not give stays.
    randomness = dict(cfg.get('randomness') or dict(seed=None))
    if args.seed is not None:
        randomness['seed'] = args.seed
    if args.diff_rank_seed:
        randomness['diff_rank_seed'] = True
    if args.deterministic:
        randomness['deterministic'] = True
    cfg.randomness = randomness
    return cfg


def main(argv=None):
    args = parse_args(argv)
    cfg = merge_args(load_config(args.config), args)
    check_completion_checkpoints(cfg)
    runner = RUNNERS.get(cfg.get('runner_type', 'FineTecRunner')).from_cfg(cfg)
    runner.train()
    finish_distributed()


if __name__ == '__main__':
    sys.exit(run_main(main))
