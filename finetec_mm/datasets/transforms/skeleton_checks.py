"""Input checks shared by the skeleton transforms.

Every fault raises ``ValueError('<Transform>: sample <frame_dir>: <fault>')``
so a bad sample is named wherever in the pipeline it is found.
"""
from typing import Dict, Optional, Tuple

import numpy as np


def fail(owner: str, name: str, fault: str):
    raise ValueError(f'{owner}: sample {name!r}: {fault}')


def check_skeleton(results: Dict, owner: str
                   ) -> Tuple[str, np.ndarray, Optional[np.ndarray]]:
    """Check ``keypoint`` (M, T, V, C) and ``keypoint_score`` (M, T, V).

    Returns:
        tuple: the sample name, the keypoints and the scores (or None).
    """
    name = str(results.get('frame_dir', '<unknown>'))
    if 'keypoint' not in results:
        fail(owner, name, 'no `keypoint`')
    kp = np.asarray(results['keypoint'])
    if kp.ndim != 4:
        fail(owner, name,
             f'keypoint must be 4-D (M, T, V, C), got shape {kp.shape}')
    if 0 in kp.shape[:3]:
        fail(owner, name, f'empty sequence, keypoint shape {kp.shape}')
    if not np.isfinite(kp).all():
        fail(owner, name, 'keypoint has NaN or inf values')
    score = results.get('keypoint_score')
    if score is not None:
        score = np.asarray(score)
        if score.shape != kp.shape[:3]:
            fail(owner, name, f'keypoint_score shape {score.shape} does not '
                 f'match keypoint[..., 0] shape {kp.shape[:3]}')
        if not np.isfinite(score).all():
            fail(owner, name, 'keypoint_score has NaN or inf values')
    return name, kp, score


def check_clips(results: Dict, num_frames: int, owner: str,
                name: str) -> Tuple[int, int]:
    """(clip_len, num_clips) of a decoded sample, checked against its
    ``num_frames``; a sample without ``clip_len`` is one clip."""
    if results.get('clip_len') is None:
        return num_frames, 1
    clip_len = int(results['clip_len'])
    num_clips = int(results.get('num_clips', 1) or 1)
    if clip_len < 1 or clip_len * num_clips != num_frames:
        fail(owner, name, f'keypoint has {num_frames} frames, expected '
             f'num_clips * clip_len = {num_clips} * {clip_len}')
    return clip_len, num_clips
