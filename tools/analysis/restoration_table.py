"""Restoration table of a completion checkpoint against the gap-filling
baselines, at every corruption level, through the config's test loop.

Example::

    python tools/analysis/restoration_table.py configs/completion/icl_demo.py \\
        work_dirs/icl_demo/iter_4000.pth --json work_dirs/icl_demo/table.json

Methods: ``icl`` = the network of the checkpoint with its prompt rule
(the retrieved nearest pool clip); ``icl_random_prompt`` = the same network
given a random pool clip; ``icl_no_prompt`` = the same network given no
exemplar (prior only; networks trained with ``prompt_dropout`` know this
case); ``linear``, ``copy_lr``, ``copy_rl`` = ``model.baseline``. For each
method and level (``minor``, ``moderate``, ``severe`` =
``corruption.level``) the test split is corrupted with the same
deterministic drops and scored by ``RestorationMetric``. The prior and
prompt pool come from the checkpoint (``model.bank`` is dropped).

``--ann-file`` / ``--split`` point the test loader at any PoseDataset
pickle (e.g. a real-motion bank's held-out takes, or another dataset than
the checkpoint was trained on).
"""
import argparse
import copy
import json
import os.path as osp
import sys
import tempfile

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import finetec_mm  # noqa: E402,F401  (registers components)
from finetec_mm.engine import recompose  # noqa: E402
from mmengine.config import Config, DictAction  # noqa: E402

from mmaction.registry import RUNNERS  # noqa: E402

#: method -> (model.baseline, model.prompt_mode); None = as configured
METHODS = {
    'icl': (None, None),
    'icl_no_prompt': (None, 'none'),
    'icl_random_prompt': (None, 'random'),
    'linear': ('linear', None),
    'copy_lr': ('copy_lr', None),
    'copy_rl': ('copy_rl', None),
}
LEVELS = ('minor', 'moderate', 'severe')
COLUMNS = ('mpjpe', 'n_mpjpe', 'mpjve', 'mpjpe_missing', 'n_mpjpe_missing',
           'mpjve_missing')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--methods', nargs='+', default=list(METHODS),
                        choices=METHODS)
    parser.add_argument('--levels', nargs='+', default=list(LEVELS),
                        choices=LEVELS)
    parser.add_argument('--ann-file', help='test on this PoseDataset pickle')
    parser.add_argument('--split', help='its split (default: the config\'s)')
    parser.add_argument('--work-dir', help='logs (default: a temp dir)')
    parser.add_argument('--json', help='write the rows to this file')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries')
    return parser.parse_args(argv)


def evaluate(cfg, checkpoint, method, level, work_dir, dataset=None) -> dict:
    """Test metrics of one (method, level) cell."""
    cfg = copy.deepcopy(cfg)
    cfg.model.pop('bank', None)
    baseline, prompt_mode = METHODS[method]
    cfg.model.baseline = baseline
    if prompt_mode is not None:
        cfg.model.prompt_mode = prompt_mode
    cfg.corruption = dict(cfg.get('corruption') or {}, level=level)
    cfg.corruption.pop('ratio', None)
    recompose(cfg)
    cfg.test_dataloader.dataset.update(dataset or {})
    cfg.load_from = checkpoint
    cfg.work_dir = osp.join(work_dir, f'{method}_{level}')
    cfg.experiment_name = f'restoration_{method}_{level}'
    runner = RUNNERS.get(cfg.get('runner_type', 'FineTecRunner')).from_cfg(
        cfg)
    metrics = runner.test()
    return {key: float(metrics[f'restore/{key}']) for key in COLUMNS}


def main(argv=None):
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
        recompose(cfg)
    dataset = {key: value for key, value in (('ann_file', args.ann_file),
                                             ('split', args.split))
               if value is not None}
    work_dir = args.work_dir or tempfile.mkdtemp(prefix='restoration_')
    rows = []
    for level in args.levels:
        for method in args.methods:
            row = dict(method=method, level=level)
            row.update(evaluate(cfg, args.checkpoint, method, level,
                                work_dir, dataset))
            rows.append(row)
    header = f'{"method":<19}{"level":<10}' + ''.join(
        f'{c:>17}' for c in COLUMNS)
    print('\nRestoration errors (units of half the image height, both axes; '
          'N-MPJPE root-relative; *_missing = missing frames only)')
    print(header)
    for row in rows:
        print(f'{row["method"]:<19}{row["level"]:<10}' + ''.join(
            f'{row[c]:>17.4f}' for c in COLUMNS))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(rows, f, indent=2)
    return rows


if __name__ == '__main__':
    main()
