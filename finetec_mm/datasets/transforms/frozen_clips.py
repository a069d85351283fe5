# Copyright (c) FineTec authors. All rights reserved.
"""Clip indexing of a frozen evaluation set (tools/data/freeze_eval_set.py)."""
from typing import Dict

import numpy as np
from mmcv.transforms import BaseTransform

from mmaction.registry import TRANSFORMS

#: Annotation fields every sample of a frozen evaluation set carries.
FROZEN_FIELDS = ('keypoint', 'total_frames', 'clip_len', 'num_clips',
                 'frame_mask')


def check_frozen_sample(results: Dict, owner: str) -> np.ndarray:
    """Validate the frozen fields of one sample and return its frame mask.

    Args:
        results (dict): The result dict (or a raw frozen annotation).
        owner (str): Transform name used in error messages.

    Returns:
        np.ndarray: bool (T, ), True = frame observed, with
        ``T = total_frames = num_clips * clip_len``.
    """
    name = str(results.get('frame_dir', '<unknown>'))

    def fail(fault):
        raise ValueError(f'{owner}: sample {name!r}: {fault}')

    missing = [key for key in FROZEN_FIELDS if key not in results]
    if missing:
        fail(f'missing {missing}; is the annotation file a frozen '
             'evaluation set written by tools/data/freeze_eval_set.py?')
    total = int(results['total_frames'])
    clip_len, num_clips = int(results['clip_len']), int(results['num_clips'])
    if clip_len < 1 or num_clips < 1 or clip_len * num_clips != total:
        fail(f'total_frames={total} != num_clips * clip_len = '
             f'{num_clips} * {clip_len}')
    mask = np.asarray(results['frame_mask'])
    if mask.shape != (total, ):
        fail(f'frame_mask shape {mask.shape} != (total_frames,) = '
             f'({total},)')
    if mask.dtype != np.bool_:
        fail(f'frame_mask must be bool, got {mask.dtype}')
    return mask


@TRANSFORMS.register_module()
class LoadFrozenClips(BaseTransform):
    """Take the clips of a frozen evaluation set as they are.

    Replaces ``UniformSampleFrames`` in a test pipeline fed by a file of
    ``tools/data/freeze_eval_set.py``, whose samples already hold the sampled
    clips back to back (``keypoint`` (M, num_clips * clip_len, V, 2)). It
    selects every stored frame in order, so ``PoseDecode`` reproduces them;
    ``ApplyFrozenMask`` re-applies the stored drops afterwards.

    Required Keys:

        - keypoint (M, T, V, 2), T = total_frames = num_clips * clip_len
        - total_frames, clip_len, num_clips
        - frame_mask (T, ) bool (checked here, applied by ApplyFrozenMask)
        - frame_dir (optional, names the sample in errors)

    Added Keys:

        - frame_inds (T, ): ``arange(T)``, int32 like UniformSampleFrames
        - clip_len, num_clips (int), frame_interval (None)
    """

    def transform(self, results: Dict) -> Dict:
        """The transform function of :class:`LoadFrozenClips`.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict.
        """
        check_frozen_sample(results, 'LoadFrozenClips')
        total = int(results['total_frames'])
        frames = np.asarray(results['keypoint']).shape[1]
        if frames != total:
            raise ValueError(
                'LoadFrozenClips: sample '
                f"{str(results.get('frame_dir', '<unknown>'))!r}: keypoint "
                f'has {frames} frames, total_frames={total}')
        results['frame_inds'] = np.arange(total, dtype=np.int32)
        results['clip_len'] = int(results['clip_len'])
        results['num_clips'] = int(results['num_clips'])
        results['frame_interval'] = None
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}()'
