"""How much a completion network can gain over interpolation on a dataset.

Before training a completion network, or when one does not beat linear
interpolation, this tool measures on the same test clips, drops and metric
as ``restoration_table.py`` (missing-frame MPJPE of ``RestorationMetric``)
where linear interpolation's error lies and what smoother interpolants give:

* ``linear``: the ``linear`` baseline (held at the clip ends);
* ``edge`` / ``interior``: linear's error on the missing frames outside the
  first..last observed frame (extrapolated by holding the nearest observed
  pose; no interpolant can help there) and between observed frames;
  ``edge_share`` = the share of missing frames that are edge frames and
  ``edge_error_share`` = the share of linear's summed error they carry;
* ``pchip``, ``spline``: monotone cubic (PCHIP) and natural cubic spline
  interpolation through the observed frames (SciPy), held at the ends like
  ``linear``, so they differ from it between observed frames only.

Example (the CMU bank's held-out takes)::

    python tools/analysis/interpolation_headroom.py \\
        configs/completion/icl_cmu.py --split test \\
        --json work_dirs/headroom_cmu.json
"""
import argparse
import copy
import json
import os.path as osp
import sys

import numpy as np
from scipy.interpolate import CubicSpline, PchipInterpolator

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import finetec_mm  # noqa: E402,F401  (registers components)
from finetec_mm.engine import recompose  # noqa: E402
from finetec_mm.functional.gap_filling import fill_gaps  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402

from mmaction.registry import DATASETS, METRICS  # noqa: E402

LEVELS = ('minor', 'moderate', 'severe')


def cubic_fill(clip: np.ndarray, observed: np.ndarray,
               kind: str) -> np.ndarray:
    """Fill the missing frames of one clip (T, ...) between its observed
    frames by ``kind`` (``'pchip'`` or ``'spline'``, natural end
    conditions); frames before the first / after the last observed one hold
    that pose, as :func:`fill_gaps` ``'linear'`` does. Fewer than 3 observed
    frames: linear."""
    t = np.flatnonzero(observed)
    filled = fill_gaps(clip[None], observed, 'linear')[0][0]
    if len(t) < 3:
        return filled
    flat = clip.reshape(len(clip), -1)[t]
    fit = (PchipInterpolator(t, flat, axis=0) if kind == 'pchip' else
           CubicSpline(t, flat, axis=0, bc_type='natural'))
    inside = np.arange(t[0], t[-1] + 1)
    out = filled.reshape(len(clip), -1).copy()
    out[inside] = fit(inside)
    out[t] = flat  # observed frames bit-identical
    return out.reshape(clip.shape).astype(clip.dtype)


def edge_frames(observed: np.ndarray) -> np.ndarray:
    """Missing frames before the first or after the last observed one."""
    t = np.flatnonzero(observed)
    if not len(t):
        return ~observed
    idx = np.arange(len(observed))
    return (idx < t[0]) | (idx > t[-1])


def missing_mpjpe(samples, preds, scored) -> float:
    """``RestorationMetric`` mpjpe_missing over the frames where ``scored``
    (the other frames are passed as observed, so they are not counted)."""
    metric = METRICS.build(dict(type='RestorationMetric'))
    metric.process(None, [
        dict(pred=p, gt=s['gt_keypoint'], frame_mask=~m,
             img_shape=s.get('img_shape'))
        for s, p, m in zip(samples, preds, scored)])
    return metric.evaluate(len(samples))['restore/mpjpe_missing']


def level_row(cfg, level: str, dataset: dict) -> dict:
    """All columns of one corruption level."""
    cfg = copy.deepcopy(cfg)
    cfg.corruption = dict(cfg.get('corruption') or {}, level=level)
    cfg.corruption.pop('ratio', None)
    recompose(cfg)
    ds_cfg = copy.deepcopy(cfg.test_dataloader.dataset)
    ds_cfg.update(dataset)
    ds = DATASETS.build(ds_cfg)
    samples, clips, masks = [], [], []
    for i in range(len(ds)):
        item = ds[i]
        samples.append(item['data_samples'])
        clips.append(np.asarray(item['inputs']))
        masks.append(np.asarray(item['data_samples']['frame_mask'], bool))
    missing = [~m for m in masks]
    edges = [edge_frames(m) & ~m for m in masks]
    interior = [~m & ~e for m, e in zip(masks, edges)]
    linear = [fill_gaps(c[None], m, 'linear')[0][0]
              for c, m in zip(clips, masks)]
    row = dict(level=level, clips=len(ds))
    row['linear'] = missing_mpjpe(samples, linear, missing)
    row['edge'] = missing_mpjpe(samples, linear, edges)
    row['interior'] = missing_mpjpe(samples, linear, interior)
    n_edge, n_miss = sum(e.sum() for e in edges), sum(m.sum()
                                                      for m in missing)
    row['edge_share'] = float(n_edge / n_miss)
    row['edge_error_share'] = float(row['edge'] * n_edge /
                                    (row['linear'] * n_miss))
    for kind in ('pchip', 'spline'):
        preds = [cubic_fill(c, m, kind) for c, m in zip(clips, masks)]
        row[kind] = missing_mpjpe(samples, preds, missing)
    return row


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='a completion config (its test '
                        'loader and corruption protocol are used)')
    parser.add_argument('--ann-file', help='PoseDataset pickle instead of '
                        "the config's")
    parser.add_argument('--split', help="split instead of the config's")
    parser.add_argument('--levels', nargs='+', default=list(LEVELS),
                        choices=LEVELS)
    parser.add_argument('--json', help='write the rows here')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    init_default_scope('mmaction')
    cfg = Config.fromfile(args.config)
    dataset = {key: value for key, value in (('ann_file', args.ann_file),
                                             ('split', args.split))
               if value is not None}
    rows = []
    for level in args.levels:
        rows.append(level_row(cfg, level, dataset))
        print(f'[{level}] done', flush=True)
    cols = ('linear', 'edge', 'interior', 'edge_share', 'edge_error_share',
            'pchip', 'spline')
    print('\nMissing-frame MPJPE of interpolation (units of half the image '
          'height); pchip / spline as a ratio to linear in brackets')
    print(f'{"level":<10}{"clips":>7}' + ''.join(f'{c:>18}' for c in cols))
    for row in rows:
        cells = [f'{row[c]:.4f}' for c in cols[:5]] + [
            f'{row[c]:.4f} ({row[c] / row["linear"]:.3f})'
            for c in cols[5:]]
        print(f'{row["level"]:<10}{row["clips"]:>7}' + ''.join(
            f'{c:>18}' for c in cells))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(rows, f, indent=2)
    return rows


if __name__ == '__main__':
    main()
