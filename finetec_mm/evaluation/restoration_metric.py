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


def _host_rows(samples: Sequence[dict], key: str) -> list:
    """``sample[key]`` of every sample as host arrays, with one
    device-to-host copy for the batch when they are tensors of one shape,
    dtype and device (a copy per sample stalls a GPU once per clip)."""
    values = [sample[key] for sample in samples]
    first = values[0] if values else None
    if isinstance(first, torch.Tensor) and all(
            isinstance(v, torch.Tensor) and v.shape == first.shape
            and v.dtype == first.dtype and v.device == first.device
            for v in values):
        return list(torch.stack([v.detach() for v in values]).cpu().numpy())
    return [_np(v) for v in values]


#: COCO-17 hips: their centre is the root of root-relative N-MPJPE.
COCO_HIPS = (11, 12)


def isotropic(coords: np.ndarray, img_shape=None) -> np.ndarray:
    """``PreNormalize2D`` coordinates in units of half the image height.

    ``PreNormalize2D`` divides x by w/2 and y by h/2, so one pixel along x
    and one along y differ in size unless the image is square. Multiplying
    x by ``w / h`` puts both axes in units of h/2 (y is unchanged), so an
    error of d pixels counts the same along either axis: ``2 d / h``.

    Args:
        coords (np.ndarray): (..., 2) normalised coordinates.
        img_shape (tuple, optional): (h, w); None leaves ``coords`` as is
            (already isotropic, e.g. a square image).
    """
    coords = _np(coords)
    if img_shape is None:
        return coords
    h, w = (float(v) for v in _np(img_shape).ravel()[:2])
    return coords * np.array([w / h, 1.0])


def root_relative(pose: np.ndarray, root: np.ndarray) -> np.ndarray:
    """``pose`` (T, V, C) minus a per-frame root (T, C)."""
    return pose - root[:, None, :]


def fitted_scale(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """Per-frame least-squares scale ``s = <gt, pred> / <pred, pred>``
    ((T, V, C) each → (T, )); 1 where ``pred`` is all zero."""
    pp = (pred * pred).sum((1, 2))
    gp = (gt * pred).sum((1, 2))
    return np.where(pp > 0, gp / np.where(pp > 0, pp, 1.), 1.)


def restoration_sums(pred: np.ndarray, gt: np.ndarray, mask: np.ndarray,
                     img_shape=None,
                     root_joints: Sequence[int] = COCO_HIPS
                     ) -> Dict[str, float]:
    """Error sums and counts of one clip.

    All errors are in isotropic units (:func:`isotropic`: half the image
    height when ``img_shape`` is given).

    * MPJPE: ``||pred - gt||`` per joint;
    * N-MPJPE: on root-relative poses, both relative to the *ground
      truth's* root (the centre of ``root_joints`` per frame, hips for
      COCO), with the prediction scaled per frame by :func:`fitted_scale`:
      ``||s * (pred - r) - (gt - r)||``. A common translation of both, or a
      prediction scaled about the root, leaves it unchanged / at 0;
    * MPJVE: MPJPE of the first time-differences.

    Args:
        pred (np.ndarray): (T, V, C) completed clip.
        gt (np.ndarray): (T, V, C) clean clip.
        mask (np.ndarray): bool (T, ), True = observed in the input.
        img_shape (tuple, optional): (h, w) of the clip's image.
        root_joints (Sequence[int]): Joints whose mean is the root.

    Returns:
        dict: for ``key`` in ``mpjpe``, ``n_mpjpe``, ``mpjve`` and the same
        with ``_missing``: ``key`` = sum of per-joint L2 errors and
        ``key + '_n'`` = number of joint errors summed. ``*_missing`` only
        counts missing frames (velocities: pairs with a missing end).
    """
    pred, gt = isotropic(pred, img_shape), isotropic(gt, img_shape)
    if pred.shape != gt.shape or pred.ndim != 3:
        raise ValueError(f'restoration_sums: pred {pred.shape} and gt '
                         f'{gt.shape} must both be (T, V, C)')
    if max(root_joints) >= gt.shape[1]:
        raise ValueError(f'restoration_sums: root joints {tuple(root_joints)}'
                         f' do not exist in a {gt.shape[1]}-joint skeleton')
    miss = ~np.asarray(mask, dtype=bool)
    err = np.linalg.norm(pred - gt, axis=-1)  # (T, V)
    root = gt[:, list(root_joints)].mean(1)  # (T, C)
    pred_rel, gt_rel = root_relative(pred, root), root_relative(gt, root)
    scale = fitted_scale(pred_rel, gt_rel)
    n_err = np.linalg.norm(scale[:, None, None] * pred_rel - gt_rel, axis=-1)
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
    """MPJPE, N-MPJPE and MPJVE of completed clips (:func:`restoration_sums`).

    Units: isotropic, half the image height (``PreNormalize2D``'s y unit,
    with x rescaled by w/h; each prediction's ``img_shape`` gives (h, w); a
    prediction without one is taken as already isotropic).

    * MPJPE: mean L2 distance between predicted and true joints;
    * N-MPJPE: MPJPE of root-relative poses (hip centre of the ground truth
      per frame) after scaling each predicted frame by the least-squares
      ``s = sum(gt_rel * pred_rel) / sum(pred_rel ** 2)``;
    * MPJVE: MPJPE of the first time-differences (velocities).

    Every error is a mean over all joints of all frames of all clips
    (``mpjpe`` ...) and over the missing frames only (``mpjpe_missing`` ...;
    velocities with a missing end). Observed frames of a completion are the
    input itself, so the all-frame errors dilute the missing-frame ones by
    the observed fraction.

    Each prediction is a dict with ``pred`` (T, V, C), ``gt`` (T, V, C) and
    ``frame_mask`` (T, ) bool, as ``ICLCompletionModel`` outputs in predict
    mode.

    With ``per_label=True`` each prediction also carries its ``label``
    (class index, as ``SkeletonBank`` packs it) and the missing-frame
    errors are reported per class as well, ``<key>@<label>`` (e.g.
    ``mpjpe_missing@3``, over the missing frames of that class's clips):
    a pooled mean is weighted by clips, and one long take of one class can
    dominate it.

    Args:
        root_joints (Sequence[int]): Joints whose centre is the root of
            N-MPJPE. Defaults to the COCO-17 hips (11, 12).
        per_label (bool): Also report per class. Defaults to False.
        collect_device (str): Defaults to ``'cpu'``.
        prefix (str, optional): Defaults to ``'restore'``.
    """
    default_prefix = 'restore'
    KEYS = ('mpjpe', 'n_mpjpe', 'mpjve', 'mpjpe_missing', 'n_mpjpe_missing',
            'mpjve_missing')

    #: Keys also reported per class with ``per_label``.
    LABEL_KEYS = ('mpjpe_missing', 'n_mpjpe_missing', 'mpjve_missing')

    def __init__(self, root_joints: Sequence[int] = COCO_HIPS,
                 per_label: bool = False,
                 collect_device: str = 'cpu', prefix=None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.root_joints = tuple(int(j) for j in root_joints)
        self.per_label = per_label

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Store the error sums of each clip (predictions, ground truths
        and masks of the batch copied to the host once per key)."""
        if any('gt' not in sample for sample in data_samples):
            raise KeyError('RestorationMetric: a prediction has no `gt` '
                           '(the dataset must provide gt_keypoint)')
        rows = zip(data_samples, _host_rows(data_samples, 'pred'),
                   _host_rows(data_samples, 'gt'),
                   _host_rows(data_samples, 'frame_mask'))
        for sample, pred, gt, mask in rows:
            sums = restoration_sums(pred, gt, _np(mask).astype(bool),
                                    sample.get('img_shape'),
                                    self.root_joints)
            if self.per_label:
                if sample.get('label') is None:
                    raise KeyError(
                        f'RestorationMetric(per_label=True): prediction '
                        f'{sample.get("frame_dir", "?")!r} has no `label`')
                sums['label'] = int(_np(sample['label']).ravel()[0])
            self.results.append(sums)

    @staticmethod
    def _means(results: List[dict], keys) -> Dict[str, float]:
        out = OrderedDict()
        for key in keys:
            total = sum(r[key] for r in results)
            count = sum(r[key + '_n'] for r in results)
            out[key] = float(total / count) if count else float('nan')
        return out

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Means over all stored clips (NaN where nothing was counted),
        and per class with ``per_label``."""
        metrics = self._means(results, self.KEYS)
        if self.per_label:
            for label in sorted({r['label'] for r in results}):
                group = [r for r in results if r['label'] == label]
                for key, value in self._means(group,
                                              self.LABEL_KEYS).items():
                    metrics[f'{key}@{label}'] = value
                metrics[f'clips@{label}'] = len(group)
        return metrics
