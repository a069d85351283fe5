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

``--per-label`` also prints the missing-frame MPJPE of every method per
class (``RestorationMetric(per_label=True)``; class names from the
pickle's ``label_names`` when it has them) and writes them to the JSON rows
as ``per_label``: a pooled mean weights classes by their clips, so one
long take can hide where a network helps and where it hurts.
"""
import argparse
import copy
import json
import os.path as osp
import sys
import tempfile

import numpy as np

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import finetec_mm  # noqa: E402,F401  (registers components)
from finetec_mm.datasets.annotation_io import \
    load_annotation_file  # noqa: E402
from finetec_mm.engine import protocol, recompose  # noqa: E402
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
    parser.add_argument('--per-label', action='store_true',
                        help='also report missing-frame errors per class')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries')
    return parser.parse_args(argv)


def evaluate(cfg, checkpoint, method, level, work_dir, dataset=None,
             per_label=False) -> dict:
    """Test metrics of one (method, level) cell; with ``per_label`` also
    ``per_label``: {label index: {key: value, 'clips': n}}."""
    cfg = copy.deepcopy(cfg)
    cfg.model.pop('bank', None)
    baseline, prompt_mode = METHODS[method]
    cfg.model.baseline = baseline
    if prompt_mode is not None:
        cfg.model.prompt_mode = prompt_mode
    cfg = protocol.at_level(cfg, level)
    cfg.test_dataloader.dataset.update(dataset or {})
    if per_label:
        cfg.test_evaluator = dict(cfg.test_evaluator, per_label=True)
    cfg.load_from = checkpoint
    cfg.work_dir = osp.join(work_dir, f'{method}_{level}')
    cfg.experiment_name = f'restoration_{method}_{level}'
    runner = RUNNERS.get(cfg.get('runner_type', 'FineTecRunner')).from_cfg(
        cfg)
    metrics = runner.test()
    row = {key: float(metrics[f'restore/{key}']) for key in COLUMNS}
    if per_label:
        groups = {}
        for name, value in metrics.items():
            if '@' in name:
                key, label = name.split('/', 1)[1].split('@')
                groups.setdefault(int(label), {})[key] = (
                    int(value) if key == 'clips' else float(value))
        row['per_label'] = dict(sorted(groups.items()))
    return row


def label_names(ann_file) -> dict:
    """{index: name} from a pickle's ``label_names`` (else empty)."""
    data = load_annotation_file(ann_file)
    names = data.get('label_names') if isinstance(data, dict) else None
    return dict(enumerate(names or []))


def add_class_summary(rows, names) -> None:
    """Give each row's ``per_label`` a ``macro`` entry (mean over classes,
    every class weighing the same) and each class its ``name``."""
    for r in rows:
        groups = list(r['per_label'].values())
        r['per_label']['macro'] = dict(
            mpjpe_missing=float(np.mean([g['mpjpe_missing']
                                         for g in groups])),
            clips=sum(g['clips'] for g in groups))
        for label, group in r['per_label'].items():
            group['name'] = str(names.get(label, label))


def print_per_label(rows, names) -> None:
    """Missing-frame MPJPE per class and ``macro`` (rows as
    :func:`add_class_summary` leaves them); ratio to ``linear`` when it
    ran."""
    labels = sorted({lb for r in rows for lb in r['per_label']} - {'macro'})
    labels.append('macro')
    cols = [str(names.get(lb, lb)) for lb in labels]
    width = max(14, *(len(c) + 2 for c in cols))
    print('\nMissing-frame MPJPE per class (in brackets: ratio to linear)')
    print(f'{"method":<19}{"level":<10}' + ''.join(
        f'{c:>{width}}' for c in cols))
    clips = rows[0]['per_label']
    print(f'{"(clips)":<29}' + ''.join(
        f'{clips.get(lb, {}).get("clips", 0):>{width}}' for lb in labels))
    linear = {r['level']: r['per_label'] for r in rows
              if r['method'] == 'linear'}
    for r in rows:
        cells = []
        for lb in labels:
            value = r['per_label'].get(lb, {}).get('mpjpe_missing',
                                                   float('nan'))
            ref = linear.get(r['level'], {}).get(lb, {}).get('mpjpe_missing')
            cells.append(f'{value:.4f}' + (f' ({value / ref:.2f})'
                                           if ref else ''))
        print(f'{r["method"]:<19}{r["level"]:<10}' + ''.join(
            f'{c:>{width}}' for c in cells))


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
                                work_dir, dataset, args.per_label))
            rows.append(row)
    header = f'{"method":<19}{"level":<10}' + ''.join(
        f'{c:>17}' for c in COLUMNS)
    print('\nRestoration errors (units of half the image height, both axes; '
          'N-MPJPE root-relative; *_missing = missing frames only)')
    print(header)
    for row in rows:
        print(f'{row["method"]:<19}{row["level"]:<10}' + ''.join(
            f'{row[c]:>17.4f}' for c in COLUMNS))
    if args.per_label:
        names = label_names(args.ann_file or
                            cfg.test_dataloader.dataset.ann_file)
        add_class_summary(rows, names)
        print_per_label(rows, names)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(rows, f, indent=2)
    return rows


if __name__ == '__main__':
    main()
