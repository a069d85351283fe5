# Copyright (c) FineTec authors. All rights reserved.
"""Test-time perturbations for robustness evaluation (the paper's Table 6).

Top-level config key (composed by :func:`finetec_mm.engine.protocol.compose_loaders`
into the test pipeline)::

    test_time_perturb = dict(noise=0.03)   # or dict(drop=0.3), or both

``python tools/test.py CONFIG CKPT --cfg-options test_time_perturb.noise=0.03``
evaluates with the perturbation; ``tools/analysis/robustness_table.py`` runs
clean + every level.
"""
from typing import Dict, List, Optional

import numpy as np
from mmcv.transforms import BaseTransform

from mmaction.registry import TRANSFORMS
from .corruption import num_dropped, sample_rng
from .gap_filling import observed_frames
from .skeleton_checks import check_clips, check_skeleton, fail

NOISE_UNITS = ('bbox', 'normalised')

#: Steps after which the perturbation goes (the last one found wins); they
#: write the missing frames that completion / gap filling later restore.
INSERT_AFTER = ('MarkMissingFrames', 'SkeletonCorrupt', 'ApplyFrozenMask')


def bbox_size(keypoint: np.ndarray, visible: np.ndarray) -> np.ndarray:
    """Larger side of each person's per-frame bounding box.

    Args:
        keypoint (np.ndarray): (M, T, V, C), x and y in channels 0 and 1.
        visible (np.ndarray): bool (M, T, V), joints that count.

    Returns:
        np.ndarray: float64 (M, T), ``max(x_max - x_min, y_max - y_min)``
        over the visible joints of person m in frame t; 0 with fewer than
        two visible joints.
    """
    xy = keypoint[..., :2].astype(np.float64)
    vis = visible[..., None]
    hi = np.where(vis, xy, -np.inf).max(axis=2)
    lo = np.where(vis, xy, np.inf).min(axis=2)
    side = (hi - lo).max(axis=-1)
    return np.where(visible.sum(-1) >= 2, side, 0.)


@TRANSFORMS.register_module()
class TestTimePerturb(BaseTransform):
    """Spatial Gaussian noise and extra frame dropping at test time.

    Placed after the corruption protocol (``SkeletonCorrupt`` /
    ``ApplyFrozenMask``, or after ``PoseDecode`` in a clean pipeline) and
    *before* gap filling / ``ICLCompletion``, so that the restoration step
    sees the extra missing frames. Each clip ``k`` of ``clip_len`` frames is
    processed independently:

    * **Frame dropping** (``drop``): of the clip's ``n`` *present* frames (a
      frame is present when some score of some person is non-zero and, if
      the sample has a ``frame_mask``, it is True there), exactly
      ``floor(drop * n + 0.5)`` are dropped, keeping at least ``min_keep``:
      coordinates and scores of all persons are set to 0, as
      ``SkeletonCorrupt`` does. Frames that were already missing are never
      touched. ``frame_mask`` (if present) and ``joint_mask`` (if present)
      are updated, so ``GapFill`` fills the new gaps too.
    * **Spatial noise** (``noise``): i.i.d. Gaussian noise is added to x and
      y of every observed joint (score > 0; without scores: any non-zero
      coordinate) of the remaining frames. ``noise_unit='bbox'`` (default):
      the standard deviation is ``noise * s``, where ``s`` is the larger side
      of that person's bounding box in that frame (:func:`bbox_size`, over
      the observed joints), i.e. a fraction of the body size, independent of
      image resolution and of the camera distance. ``noise_unit=
      'normalised'``: the standard deviation is ``noise`` in the pipeline's
      coordinates (after ``PreNormalize2D``, where the image spans [-1, 1]).
      Missing joints stay exactly 0; scores are unchanged.

    Randomness: with ``test_mode=True`` (the default, since this is a test
    transform) clip ``k`` draws first its drops, then its noise from
    ``sample_rng(frame_dir, f'perturb{k}', seed)``, the SHA-256-seeded
    generator of :class:`SkeletonCorrupt`, so every run and process sees the
    same perturbation of a sample and different samples get different ones.
    With ``test_mode=False`` the global ``np.random`` is used.

    Required Keys:

        - keypoint (M, T, V, C)
        - keypoint_score (M, T, V) (optional)
        - clip_len, num_clips (optional: without ``clip_len`` the sequence is
          one clip)
        - frame_mask (T, ) (optional), joint_mask (T, V) (optional)
        - frame_dir (required in test mode)

    Modified Keys:

        - keypoint, keypoint_score (optional), frame_mask (optional),
          joint_mask (optional)

    Added Keys:

        - perturb_dropped (T, ): bool, True = frame dropped by this transform

    Args:
        noise (float): Noise level, >= 0 (see ``noise_unit``). Defaults to 0.
        drop (float): Fraction of the present frames of each clip to drop,
            in [0, 1). Defaults to 0.
        noise_unit (str): ``'bbox'`` or ``'normalised'``. Defaults to
            ``'bbox'``.
        seed (int): Seed of the test-mode draws. Defaults to 0.
        min_keep (int): Present frames always kept per clip. Defaults to 1.
        test_mode (bool): Deterministic per-sample draws. Defaults to True.
    """

    __test__ = False  # not a pytest test class

    def __init__(self,
                 noise: float = 0.,
                 drop: float = 0.,
                 noise_unit: str = 'bbox',
                 seed: int = 0,
                 min_keep: int = 1,
                 test_mode: bool = True) -> None:
        if not noise >= 0:
            raise ValueError(
                f'TestTimePerturb: noise must be >= 0, got {noise!r}')
        if not 0 <= drop < 1:
            raise ValueError(
                f'TestTimePerturb: drop must be in [0, 1), got {drop!r}')
        if noise_unit not in NOISE_UNITS:
            raise ValueError(f'TestTimePerturb: unknown noise_unit '
                             f'{noise_unit!r}, expected one of {NOISE_UNITS}')
        if min_keep < 0:
            raise ValueError(
                f'TestTimePerturb: min_keep must be >= 0, got {min_keep}')
        self.noise, self.drop = float(noise), float(drop)
        self.noise_unit, self.seed = noise_unit, seed
        self.min_keep, self.test_mode = min_keep, test_mode

    def transform(self, results: Dict) -> Dict:
        """The transform function of :class:`TestTimePerturb`.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict.
        """
        owner = 'TestTimePerturb'
        name, kp, score = check_skeleton(results, owner)
        M, T, V, C = kp.shape
        seg_len, num_segs = check_clips(results, T, owner, name)
        if self.test_mode and 'frame_dir' not in results:
            fail(owner, name, 'test mode needs `frame_dir` (the sample '
                 'identity) to seed the perturbation')
        present = observed_frames(kp, score)
        frame_mask = results.get('frame_mask')
        if frame_mask is not None:
            frame_mask = np.asarray(frame_mask, dtype=bool)
            if frame_mask.shape != (T, ):
                fail(owner, name, f'frame_mask shape {frame_mask.shape} != '
                     f'({T},)')
            present &= frame_mask
        if score is not None:
            visible = score != 0
        elif C == 3:
            visible = kp[..., 2] != 0
        else:
            visible = (kp != 0).any(-1)
        visible = visible & present[None, :, None]

        keep = present.copy()
        eps = np.zeros((M, T, V, 2))
        for k in range(num_segs):
            rng = (sample_rng(name, f'perturb{k}', self.seed)
                   if self.test_mode else np.random)
            start = k * seg_len
            idx = start + np.flatnonzero(present[start:start + seg_len])
            n_drop = num_dropped(len(idx), self.drop, self.min_keep)
            if n_drop:
                keep[rng.choice(idx, n_drop, replace=False)] = False
            if self.noise > 0:
                eps[:, start:start + seg_len] = rng.standard_normal(
                    (M, seg_len, V, 2))
        dropped = present & ~keep
        visible &= keep[None, :, None]

        kp = kp.copy()
        if self.noise > 0:
            std = self.noise
            if self.noise_unit == 'bbox':
                std = self.noise * bbox_size(kp, visible)[..., None, None]
            noisy = kp[..., :2] + eps * std
            kp[..., :2] = np.where(visible[..., None], noisy, kp[..., :2])
        kp[:, dropped] = 0
        results['keypoint'] = kp
        if score is not None:
            score = score.copy()
            score[:, dropped] = 0
            results['keypoint_score'] = score
        if frame_mask is not None:
            results['frame_mask'] = frame_mask & ~dropped
        if results.get('joint_mask') is not None:
            results['joint_mask'] = np.asarray(
                results['joint_mask'], dtype=bool) & ~dropped[:, None]
        results['perturb_dropped'] = dropped
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(noise={self.noise}, '
                f'drop={self.drop}, noise_unit={self.noise_unit!r}, '
                f'seed={self.seed}, min_keep={self.min_keep}, '
                f'test_mode={self.test_mode})')


def insert_perturbation(pipeline: List[dict], perturb: Optional[dict],
                        where: str = 'pipeline') -> List[dict]:
    """A copy of ``pipeline`` with ``TestTimePerturb(**perturb)`` inserted.

    Any ``TestTimePerturb`` already in ``pipeline`` is removed first (so the
    function is idempotent). The new step goes right after the last of
    :data:`INSERT_AFTER` in the pipeline, else right after ``PoseDecode``,
    i.e. before gap filling, completion and feature extraction. ``perturb``
    None, or with ``noise`` and ``drop`` both 0, inserts nothing.

    Raises:
        ValueError: naming ``where`` if the pipeline has no insertion point
            or if a restoration step (``GapFill`` / ``ICLCompletion``) would
            come before the perturbation.
    """
    steps = [dict(s) for s in pipeline if s.get('type') != 'TestTimePerturb']
    perturb = dict(perturb or {})
    if not perturb.get('noise') and not perturb.get('drop'):
        return steps
    types = [s.get('type') for s in steps]
    after = [i for i, t in enumerate(types) if t in INSERT_AFTER]
    if not after:
        after = [i for i, t in enumerate(types) if t == 'PoseDecode']
    if not after:
        raise ValueError(
            f'test_time_perturb: {where} has none of {INSERT_AFTER} or '
            f'PoseDecode to insert TestTimePerturb after: {types}')
    pos = after[-1] + 1
    early = [t for t in types[:pos] if t in ('GapFill', 'ICLCompletion')]
    if early:
        raise ValueError(
            f'test_time_perturb: {where} restores missing frames ({early}) '
            f'before the point where TestTimePerturb would go: {types}')
    perturb.setdefault('test_mode', True)
    steps.insert(pos, dict(type='TestTimePerturb', **perturb))
    return steps
