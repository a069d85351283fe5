"""Robustness of a trained recognizer to test-time perturbations (the
paper's Table 6): spatial Gaussian noise and extra frame dropping.

Example::

    python tools/analysis/robustness_table.py configs/finetec_demo_severe.py \\
        work_dirs/finetec_demo_severe/epoch_16.pth --noise 0.01 0.03 \\
        --drop 0.1 0.3 --markdown robustness.md

Every row is a ``tools/test.py`` evaluation of the checkpoint (the config's
``FineTecRunner`` and test loop, logs under ``--work-dir``, default a temp
dir). Row "none" is the config's own test protocol (e.g. severe corruption);
the other rows add ``test_time_perturb = dict(noise=...)`` or
``dict(drop=...)``, which puts a ``TestTimePerturb`` step into the test
pipeline after the corruption and before gap filling / completion
(``finetec_mm/datasets/transforms/test_time_perturb.py``):

* noise ``s``: Gaussian noise of standard deviation ``s`` times the larger
  side of the person's per-frame bounding box (``--noise-unit bbox``) or
  ``s`` in normalised image coordinates (``--noise-unit normalised``, the
  image spans [-1, 1]) on every observed joint;
* drop ``r``: a further ``round(r * n)`` of the ``n`` present frames of each
  clip are zeroed (never the frames already missing).

The draws are deterministic per sample (``frame_dir``) and ``--seed``.
"""
import argparse
import copy
import json
import os
import os.path as osp
import sys
import tempfile
import time

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

COLUMNS = (('top1', 'acc/top1'), ('mean1', 'acc/mean1'), ('top5',
                                                           'acc/top5'))


def parse_args(argv=None):
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='config the checkpoint was trained '
                        'with')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--noise', type=float, nargs='*', default=[0.01, 0.03],
                        help='noise levels (default 0.01 0.03)')
    parser.add_argument('--drop', type=float, nargs='*', default=[0.1, 0.3],
                        help='extra drop ratios (default 0.1 0.3)')
    parser.add_argument('--noise-unit', default='bbox',
                        choices=['bbox', 'normalised'],
                        help='noise std relative to the bounding box side '
                        '(default) or in normalised coordinates')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the perturbations (default 0)')
    parser.add_argument('--work-dir', help='logs (default: a temp dir)')
    parser.add_argument('--markdown', help='write the table to this .md')
    parser.add_argument('--json', help='write the rows to this .json')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries')
    args = parser.parse_args(argv)
    for level in args.noise:
        if not level > 0:
            parser.error(f'--noise levels must be > 0, got {level}')
    for level in args.drop:
        if not 0 < level < 1:
            parser.error(f'--drop ratios must be in (0, 1), got {level}')
    return args


def perturbations(args):
    """(kind, level, test_time_perturb) of every row, clean first."""
    rows = [('none', 0., None)]
    rows += [('noise', s, dict(noise=s, noise_unit=args.noise_unit,
                               seed=args.seed)) for s in args.noise]
    rows += [('drop', r, dict(drop=r, seed=args.seed)) for r in args.drop]
    return rows


def describe(kind, level, unit='bbox'):
    if kind == 'none':
        return 'none (config test protocol)'
    if kind == 'noise':
        return (f'noise {level:g} x bbox' if unit == 'bbox' else
                f'noise {level:g} (normalised)')
    return f'drop {100 * level:g} % of present frames'


def evaluate(cfg, checkpoint, perturb, work_dir, name) -> dict:
    """Test metrics of the checkpoint with ``test_time_perturb=perturb``."""
    from mmaction.registry import RUNNERS
    cfg = copy.deepcopy(cfg)
    from finetec_mm.engine import recompose
    cfg.test_time_perturb = perturb
    recompose(cfg)
    cfg.load_from = checkpoint
    cfg.work_dir = osp.join(work_dir, name)
    cfg.experiment_name = f'robustness_{name}_{time.strftime("%H%M%S")}'
    runner = RUNNERS.get(cfg.get('runner_type', 'FineTecRunner')).from_cfg(
        cfg)
    metrics = runner.test()
    missing = [key for _, key in COLUMNS[:2] if key not in metrics]
    if missing:
        raise SystemExit(f"error: the config's test_evaluator reports "
                         f'{sorted(metrics)}, not {missing} (an AccMetric '
                         'is needed)')
    return {col: float(metrics[key]) for col, key in COLUMNS
            if key in metrics}


def format_markdown(rows, checkpoint) -> str:
    clean = rows[0]['top1']
    lines = [(f'Robustness of `{osp.basename(checkpoint)}` to test-time '
              'perturbations'), '',
             '| perturbation | top-1 | mean-class | Δ top-1 |',
             '|---|---|---|---|']
    for row in rows:
        lines.append(f"| {row['perturbation']} | {row['top1']:.3f} | "
                     f"{row['mean1']:.3f} | {row['top1'] - clean:+.3f} |")
    return '\n'.join(lines) + '\n'


def main(argv=None):
    args = parse_args(argv)
    for what, path in (('config', args.config),
                       ('checkpoint', args.checkpoint)):
        if not osp.isfile(path):
            raise SystemExit(f'error: {what} file {path!r} does not exist')
    import finetec_mm  # noqa: F401  (registers components)
    from mmengine.config import Config
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    work_dir = args.work_dir or tempfile.mkdtemp(prefix='robustness_')
    rows = []
    for kind, level, perturb in perturbations(args):
        name = kind if kind == 'none' else f'{kind}{level:g}'
        row = dict(perturbation=describe(kind, level, args.noise_unit),
                   kind=kind, level=level)
        row.update(evaluate(cfg, args.checkpoint, perturb, work_dir, name))
        rows.append(row)

    clean = rows[0]['top1']
    print(f'\nRobustness of {osp.basename(args.checkpoint)} '
          f'({len(rows)} test runs, logs in {work_dir})')
    print(f"{'perturbation':<36}{'top-1':>8}{'mean-class':>12}"
          f"{'d top-1':>9}")
    for row in rows:
        print(f"{row['perturbation']:<36}{row['top1']:>8.4f}"
              f"{row['mean1']:>12.4f}{row['top1'] - clean:>+9.4f}")
    for path, text in ((args.markdown, format_markdown(rows,
                                                       args.checkpoint)),
                       (args.json, json.dumps(dict(
                           config=args.config, checkpoint=args.checkpoint,
                           noise_unit=args.noise_unit, seed=args.seed,
                           rows=rows), indent=2))):
        if path:
            os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
            with open(path, 'w', encoding='utf-8') as f:
                f.write(text)
            print(f'wrote {path}')
    return rows


if __name__ == '__main__':
    main()
