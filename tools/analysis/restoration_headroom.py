"""How much a completion network can gain over interpolation on a dataset,
and how much its exemplars can give.

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
  ``linear``, so they differ from it between observed frames only;
* ``velocity``: ``linear`` between observed frames, but the clip ends
  extrapolated at constant velocity (from the two observed frames nearest
  to each end) instead of held: does the motion at the ends carry on?

With ``--checkpoint`` (an ``ICLCompletionModel`` checkpoint), on the same
clips:

* ``icl``: the network with its prompt rule;
* ``exemplar``: the prompt the network retrieves, itself pasted into the
  missing frames, aligned to the query as the network sees both (centred
  and scaled on the query's observed frames, :func:`clip_frame`);
* ``exemplar_oracle``: the pool clip, aligned the same way, that is best on
  the query's *missing* frames (chosen with the ground truth: an upper
  bound of what a better retrieval rule over this pool could find).

When even ``exemplar_oracle`` is worse than ``linear``, the best pool
clip is on average further from a query's missing frames than linear
interpolation: the pool carries little that interpolation lacks, and a
prompt cannot be expected to help much.
``--full-pool`` replaces the checkpoint's pool by every clip of the
config's train bank (``train_dataloader.dataset``).

Example (the CMU bank's held-out takes)::

    python tools/analysis/restoration_headroom.py \\
        configs/completion/icl_cmu.py --split test \\
        --checkpoint checkpoints/icl_cmu-29a119f9.pth \\
        --json work_dirs/headroom_cmu.json
"""
import argparse
import copy
import json
import os.path as osp
import sys

import numpy as np
import torch
from scipy.interpolate import CubicSpline, PchipInterpolator

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import finetec_mm  # noqa: E402,F401  (registers components)
from finetec_mm.engine import protocol, recompose  # noqa: E402
from finetec_mm.evaluation.restoration_metric import \
    isotropic  # noqa: E402
from finetec_mm.functional.clip_norm import (clip_frame,  # noqa: E402
                                             denormalize_clip,
                                             normalize_clip)
from finetec_mm.functional.gap_filling import fill_gaps  # noqa: E402
from finetec_mm.functional.prompt_retrieval import nearest_clips  # noqa
from finetec_mm.models.completion.loading import \
    build_completion_model  # noqa: E402
from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmengine.utils import ProgressBar  # noqa: E402

from mmaction.registry import DATASETS, METRICS, MODELS  # noqa: E402

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


def velocity_fill(clip: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """``linear`` fill with the frames before the first / after the last
    observed one extrapolated at constant velocity from the two observed
    frames nearest to that end (held with a single observed frame)."""
    out = fill_gaps(clip[None], observed, 'linear')[0][0].copy()
    t = np.flatnonzero(observed)
    if len(t) < 2:
        return out
    for near, far, frames in ((t[0], t[1], np.arange(t[0])),
                              (t[-1], t[-2], np.arange(t[-1] + 1,
                                                       len(clip)))):
        velocity = (clip[near] - clip[far]) / (near - far)
        steps = (frames - near).reshape(-1, *[1] * (clip.ndim - 1))
        out[frames] = clip[near] + velocity * steps
    return out


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


def aligned(pool: torch.Tensor, mask: torch.Tensor, centre: torch.Tensor,
            scale: torch.Tensor, root_joints) -> torch.Tensor:
    """Pool clips (N, T, V, C) normalised on one query's observed frames
    ``mask`` (T, ) and put into its frame (``centre``, ``scale``)."""
    rows = mask[None].expand(pool.shape[0], -1)
    normed = normalize_clip(pool, *clip_frame(pool, rows, root_joints))
    return denormalize_clip(normed, centre, scale)


def exemplar_predictions(model, clips, masks, gts, iso):
    """Retrieved and best-of-pool exemplars (B, T, V, C) of each query."""
    x, m = torch.from_numpy(np.stack(clips)), torch.from_numpy(
        np.stack(masks))
    centre, scale = clip_frame(x, m, model.root_joints)
    q = normalize_clip(x, centre, scale) * m[:, :, None, None]
    pool = model.prompt_pool
    idx = nearest_clips(q, m, pool, model.root_joints)
    # written in place: small arrays kept between the large temporaries
    # of the loop fragment the heap until it holds gigabytes
    retrieved, best = np.empty(x.shape, np.float32), np.empty(x.shape,
                                                              np.float32)
    progress = ProgressBar(len(x))
    for b in range(len(x)):
        progress.update()
        cands = aligned(pool, m[b], centre[b], scale[b], model.root_joints)
        retrieved[b] = cands[int(idx[b])].numpy()
        err = ((cands - torch.from_numpy(gts[b])) * iso[b]).norm(dim=-1)
        err = err.mean(-1)[:, ~m[b]].mean(-1)  # (N, ) on missing frames
        best[b] = cands[int(err.argmin())].numpy()
    return list(retrieved), list(best)


def level_row(cfg, level: str, dataset: dict, model=None) -> dict:
    """All columns of one corruption level."""
    cfg = protocol.at_level(cfg, level)
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
    row['velocity'] = missing_mpjpe(
        samples, [velocity_fill(c, m) for c, m in zip(clips, masks)],
        missing)
    if model is not None:
        x = torch.from_numpy(np.stack(clips))
        with torch.no_grad():
            row['icl'] = missing_mpjpe(
                samples, list(model.complete(x, torch.from_numpy(
                    np.stack(masks))).numpy()), missing)
            gts = [np.asarray(s['gt_keypoint'], np.float32) for s in samples]
            # the metric's per-axis units: x scaled by w / h
            iso = [torch.from_numpy(isotropic(np.ones(2), s.get(
                'img_shape'))).float() for s in samples]
            retrieved, best = exemplar_predictions(model, clips, masks, gts,
                                                   iso)
        row['exemplar'] = missing_mpjpe(samples, retrieved, missing)
        row['exemplar_oracle'] = missing_mpjpe(samples, best, missing)
    return row


def with_full_pool(model, model_cfg, cfg):
    """The checkpoint's network with every train-bank clip as its pool."""
    bank = DATASETS.build(copy.deepcopy(cfg.train_dataloader.dataset))
    state = {k: v for k, v in model.state_dict().items()
             if k not in ('prompt_pool', 'pool_source')}
    full = MODELS.build(dict(model_cfg, bank=None,
                             pool_size=len(bank.clips)))
    full.fill_from_bank(bank)
    full.load_state_dict(state, strict=False)
    return full.eval().requires_grad_(False)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='a completion config (its test '
                        'loader and corruption protocol are used)')
    parser.add_argument('--ann-file', help='PoseDataset pickle instead of '
                        "the config's")
    parser.add_argument('--split', help="split instead of the config's")
    parser.add_argument('--levels', nargs='+', default=list(LEVELS),
                        choices=LEVELS)
    parser.add_argument('--checkpoint', help='completion checkpoint: adds '
                        'icl, exemplar and exemplar_oracle')
    parser.add_argument('--full-pool', action='store_true',
                        help="exemplars from every clip of the config's "
                        'train bank instead of the checkpoint pool')
    parser.add_argument('--json', help='write the rows here')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config keys (as tools/test.py)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    init_default_scope('mmaction')
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
        recompose(cfg)
    dataset = {key: value for key, value in (('ann_file', args.ann_file),
                                             ('split', args.split))
               if value is not None}
    model = None
    if args.checkpoint:
        model_cfg = copy.deepcopy(cfg.model)
        model = build_completion_model(args.checkpoint, model_cfg)
        if args.full_pool:
            model = with_full_pool(model, model_cfg, cfg)
    rows = []
    for level in args.levels:
        rows.append(level_row(cfg, level, dataset, model))
        print(f'[{level}] done', flush=True)
    cols = ('linear', 'edge', 'interior', 'edge_share', 'edge_error_share',
            'pchip', 'spline', 'velocity')
    if model is not None:
        cols += ('icl', 'exemplar', 'exemplar_oracle')
    print('\nMissing-frame MPJPE (units of half the image height); in '
          'brackets: ratio to linear')
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
