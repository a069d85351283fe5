# Copyright (c) FineTec authors. All rights reserved.
"""Sequences given in memory → checked annotations.

A sample is one of:

* a NumPy array (T, V, 3) or (M, T, V, 3) of (x, y, score) in pixels;
* per-frame pose results: a list with one entry per frame, each a list of
  MMPose instances (``keypoints`` (V, 2), ``keypoint_scores`` (V),
  optional ``bbox``), a dict with ``instances``, MMAction2's
  ``pose_inference`` dict of arrays (``keypoints`` (N, V, 2),
  ``keypoint_scores`` (N, V), ``bboxes`` (N, 4)) or None (nobody); one
  person is followed through them (``person``, see
  :mod:`finetec_mm.apis.tracking`);
* an annotation dict as in a PoseDataset pickle (``keypoint`` (M, T, V, 2)
  with ``keypoint_score`` (M, T, V), or (M, T, V, 3)).
"""
from typing import List, Optional, Sequence, Union

import numpy as np

from .readers.checks import check_samples, finalize
from .readers.common import make_annotation, where
from .readers.mmpose import people_per_frame
from .readers.posedataset import from_dict
from .tracking import select_person


def to_annotation(sample, index: int, num_joints: int,
                  person: Union[str, int] = 'auto',
                  name: Optional[str] = None) -> dict:
    """The annotation of one in-memory sample (module docstring); its id is
    ``name``, an annotation's ``frame_dir`` or ``#<index>``."""
    if isinstance(sample, dict) and 'keypoint' in sample:
        anno = from_dict(sample, index)
        if sample.get('track') is not None:  # read by load_input
            anno['track'] = sample['track']
    elif isinstance(sample, np.ndarray):
        default = name if name is not None else f'#{index}'
        if sample.ndim not in (3, 4) or sample.shape[-1] != 3:
            raise ValueError(f'{where(None, default)}: array of shape '
                             f'{sample.shape}, expected (T, V, 3) or (M, T, '
                             'V, 3) of (x, y, score)')
        if sample.dtype.kind not in 'fiu':
            raise ValueError(f'{where(None, default)}: array dtype '
                             f'{sample.dtype} is not numeric')
        arr = sample if sample.ndim == 4 else sample[None]
        anno = make_annotation(default, arr[..., :2], arr[..., 2])
    elif isinstance(sample, (list, tuple)) or (
            isinstance(sample, dict) and 'instance_info' in sample):
        default = name if name is not None else f'#{index}'
        frames = people_per_frame(list(sample) if isinstance(
            sample, tuple) else sample, num_joints, None, default)
        xy, score, track = select_person(frames, num_joints, person)
        anno = make_annotation(default, xy[None], score[None])
        anno['track'] = track
    else:
        raise ValueError(f'{where(None, name or f"#{index}")}: a '
                         f'{type(sample).__name__} is not a sample (expected '
                         'an array, per-frame pose results or an annotation '
                         'dict)')
    if name is not None:
        anno['frame_dir'] = str(name)
    return anno


def prepare_samples(sequences: Sequence, num_joints: int,
                    ids: Optional[Sequence[str]] = None,
                    person: Union[str, int] = 'auto',
                    num_classes: Optional[int] = None) -> List[dict]:
    """Checked annotations of in-memory samples, missing frames zeroed."""
    if isinstance(sequences, (np.ndarray, dict)):
        raise ValueError('expected a list of samples; wrap a single sample '
                         'in a list')
    sequences = list(sequences)
    if ids is not None and len(ids) != len(sequences):
        raise ValueError(f'{len(ids)} ids for {len(sequences)} samples')
    annos = [to_annotation(s, i, num_joints, person,
                           None if ids is None else ids[i])
             for i, s in enumerate(sequences)]
    check_samples(annos, None, num_joints, num_classes)
    return finalize(annos)
