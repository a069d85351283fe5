# Copyright (c) FineTec authors. All rights reserved.
"""Restoration errors of completed skeleton clips (FineTec §1.2)."""
from collections import OrderedDict
from typing import Dict, List, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric

from mmaction.registry import METRICS


def _np(x) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    return np.asarray(x, dtype=np.float64)


def restoration_sums(pred: np.ndarray, gt: np.ndarray,
                     mask: np.ndarray) -> Dict[str, float]:
    """Error sums and counts of one clip.

    Args:
        pred (np.ndarray): (T, V, C) completed clip.
        gt (np.ndarray): (T, V, C) clean clip.
        mask (np.ndarray): bool (T, ), True = observed in the input.

    Returns:
        dict: for ``key`` in ``mpjpe``, ``n_mpjpe``, ``mpjve`` and the same
        with ``_missing``: ``key`` = sum of per-joint L2 errors and
        ``key + '_n'`` = number of joint errors summed. ``*_missing`` only
        counts missing frames (velocities: pairs with a missing end).
    """
    pred, gt = _np(pred), _np(gt)
    miss = ~np.asarray(mask, dtype=bool)
    err = np.linalg.norm(pred - gt, axis=-1)  # (T, V)
    # N-MPJPE: per frame, pred scaled by s = <gt, pred> / <pred, pred>
    pp = (pred * pred).sum((1, 2))
    scale = np.where(pp > 0, (gt * pred).sum((1, 2)) / np.where(pp > 0, pp,
                                                                 1), 1.)
    n_err = np.linalg.norm(scale[:, None, None] * pred - gt, axis=-1)
    v_err = np.linalg.norm(np.diff(pred, axis=0) - np.diff(gt, axis=0),
                           axis=-1)  # (T-1, V)
    v_miss = miss[1:] | miss[:-1]
    V = err.shape[1]
    out = {}
    for key, e, sel in (('mpjpe', err, miss), ('n_mpjpe', n_err, miss),
                        ('mpjve', v_err, v_miss)):
        out[key], out[key + '_n'] = e.sum(), e.size
        out[key + '_missing'] = e[sel].sum()
        out[key + '_missing_n'] = int(sel.sum()) * V
    return out


@METRICS.register_module()
class RestorationMetric(BaseMetric):
    """MPJPE, N-MPJPE and MPJVE of completed clips, in the coordinates of
    the clips (normalised, ``PreNormalize2D``).

    * MPJPE: mean L2 distance between predicted and true joints;
    * N-MPJPE: MPJPE after scaling each predicted frame by
      ``s = sum(gt * pred) / sum(pred ** 2)`` (least-squares scale);
    * MPJVE: MPJPE of the first time-differences (velocities).

    Every error is a mean over all joints of all frames of all clips
    (``mpjpe`` ...) and over the missing frames only (``mpjpe_missing`` ...;
    velocities with a missing end). Observed frames of a completion are the
    input itself, so the all-frame errors dilute the missing-frame ones by
    the observed fraction.

    Each prediction is a dict with ``pred`` (T, V, C), ``gt`` (T, V, C) and
    ``frame_mask`` (T, ) bool, as ``ICLCompletionModel`` outputs in predict
    mode.

    Args:
        collect_device (str): Defaults to ``'cpu'``.
        prefix (str, optional): Defaults to ``'restore'``.
    """
    default_prefix = 'restore'
    KEYS = ('mpjpe', 'n_mpjpe', 'mpjve', 'mpjpe_missing', 'n_mpjpe_missing',
            'mpjve_missing')

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Store the error sums of each clip."""
        for sample in data_samples:
            if 'gt' not in sample:
                raise KeyError('RestorationMetric: a prediction has no `gt` '
                               '(the dataset must provide gt_keypoint)')
            self.results.append(
                restoration_sums(sample['pred'], sample['gt'],
                                 _np(sample['frame_mask']).astype(bool)))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Means over all stored clips (NaN where nothing was counted)."""
        metrics = OrderedDict()
        for key in self.KEYS:
            total = sum(r[key] for r in results)
            count = sum(r[key + '_n'] for r in results)
            metrics[key] = float(total / count) if count else float('nan')
        return metrics
