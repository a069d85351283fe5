# Copyright (c) FineTec authors. All rights reserved.
"""Re-apply the stored drops of a frozen evaluation set."""
from typing import Dict

import numpy as np
from mmcv.transforms import BaseTransform

from mmaction.registry import TRANSFORMS
from .frozen_clips import check_frozen_sample


@TRANSFORMS.register_module()
class ApplyFrozenMask(BaseTransform):
    """Zero the dropped frames of a frozen sample, as ``SkeletonCorrupt`` did.

    A frozen file stores pixel coordinates with dropped frames at 0, which
    ``PreNormalize2D`` moves to (-1, -1); placed after ``PoseDecode`` (where
    the ``CorruptionProtocol`` slot is), this transform sets coordinates and
    scores of every frame with ``frame_mask == False`` (and, if the file
    stores a ``joint_mask``, of every occluded joint) back to 0 and writes
    ``frame_mask`` / ``joint_mask`` like ``SkeletonCorrupt``, so ``GapFill``
    and the model see bit-identical inputs to on-the-fly corruption.

    Required Keys:

        - keypoint (M, T, V, C)
        - keypoint_score (M, T, V) (optional)
        - frame_mask (T, ) bool, True = observed
        - joint_mask (T, V) bool (optional), True = joint observed
        - total_frames, clip_len, num_clips
        - frame_dir (optional, names the sample in errors)

    Modified Keys:

        - keypoint, keypoint_score (optional)
        - frame_mask (a fresh bool copy), joint_mask (optional)
    """

    def transform(self, results: Dict) -> Dict:
        """The transform function of :class:`ApplyFrozenMask`.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict.
        """
        name = str(results.get('frame_dir', '<unknown>'))
        keep = check_frozen_sample(results, 'ApplyFrozenMask').copy()
        kp = np.asarray(results['keypoint'])
        if kp.ndim != 4 or kp.shape[1] != keep.shape[0]:
            raise ValueError(
                f'ApplyFrozenMask: sample {name!r}: keypoint shape '
                f'{kp.shape} does not fit frame_mask of {keep.shape[0]} '
                'frames (place it after PoseDecode)')
        visible = np.broadcast_to(keep[:, None], kp.shape[1:3])
        joint_mask = results.get('joint_mask')
        if joint_mask is not None:
            joint_mask = np.asarray(joint_mask, dtype=bool)
            if joint_mask.shape != kp.shape[1:3]:
                raise ValueError(
                    f'ApplyFrozenMask: sample {name!r}: joint_mask shape '
                    f'{joint_mask.shape} != (T, V) = {kp.shape[1:3]}')
            visible = visible & joint_mask
            results['joint_mask'] = visible.copy()
        results['keypoint'] = np.where(visible[None, :, :, None], kp,
                                       0).astype(kp.dtype, copy=False)
        score = results.get('keypoint_score')
        if score is not None:
            score = np.asarray(score)
            results['keypoint_score'] = np.where(visible[None], score,
                                                 0).astype(score.dtype,
                                                           copy=False)
        results['frame_mask'] = keep
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}()'
