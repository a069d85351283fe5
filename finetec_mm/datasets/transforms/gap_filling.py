# Copyright (c) FineTec authors. All rights reserved.
"""The ``GapFill`` transform: interpolation / copy baselines in a pipeline."""
from typing import Dict, Optional, Tuple

import numpy as np
from mmcv.transforms import BaseTransform

from mmaction.registry import TRANSFORMS
from finetec_mm.functional.gap_filling import (  # noqa: F401
    GAP_FILL_METHODS, fill_gaps, gap_sources, observed_frames)
from .skeleton_checks import check_clips, check_skeleton


@TRANSFORMS.register_module()
class GapFill(BaseTransform):
    """Fill dropped frames of each clip (a restoration baseline).

    Missing frames are ``frame_mask == False`` (written by
    ``SkeletonCorrupt``) or, without ``frame_mask``, the frames whose scores
    are all 0 for all persons (see :func:`observed_frames`). Clips come from
    ``clip_len`` / ``num_clips``; without ``clip_len`` the whole sequence is
    one clip. Coordinates and scores are filled the same way; observed frames
    stay bit-identical and a clip with no observed frame stays unchanged.
    Only whole frames are filled (not ``joint_mask`` occlusions).

    Required Keys:

        - keypoint (M, T, V, C)
        - keypoint_score (M, T, V) (optional)
        - frame_mask (T, ) (optional)
        - clip_len, num_clips (optional)

    Modified Keys:

        - keypoint, keypoint_score (optional)

    Added Keys:

        - filled_mask (T, ): bool, True = missing frame that was filled

    Args:
        method (str): ``'linear'``, ``'copy_lr'`` or ``'copy_rl'``, see
            :func:`fill_gaps`. Defaults to ``'linear'``.
    """

    def __init__(self, method: str = 'linear') -> None:
        if method not in GAP_FILL_METHODS:
            raise ValueError(f'GapFill: unknown method {method!r}, expected '
                             f'one of {GAP_FILL_METHODS}')
        self.method = method

    def transform(self, results: Dict) -> Dict:
        """The transform function of :class:`GapFill`.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict.
        """
        name, kp, score = check_skeleton(results, 'GapFill')
        T = kp.shape[1]
        clip_len, _ = check_clips(results, T, 'GapFill', name)
        if 'frame_mask' in results:
            mask = np.asarray(results['frame_mask'], dtype=bool)
            if mask.shape != (T, ):
                raise ValueError(f'GapFill: sample {name!r}: frame_mask '
                                 f'shape {mask.shape} != ({T},)')
        else:
            mask = observed_frames(kp, score)

        results['keypoint'], filled = fill_gaps(kp, mask, self.method,
                                                clip_len)
        if score is not None:
            results['keypoint_score'], _ = fill_gaps(score, mask, self.method,
                                                     clip_len)
        results['filled_mask'] = filled
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(method={self.method})'
