# Copyright (c) FineTec authors. All rights reserved.
"""PoseDataset pickles (``dict(annotations=[...], split=...)`` or a bare
list of annotations) and annotation dicts given in memory.

An annotation has ``keypoint`` (M, T, V, 2) in pixels (or (M, T, V, 3) with
the score last), ``keypoint_score`` (M, T, V), ``img_shape`` (h, w),
``total_frames`` and optionally ``frame_dir`` (the sample id) and
``label``.
"""
from typing import List, Optional

import numpy as np

from finetec_mm.datasets.annotation_io import load_annotation_file
from finetec_mm.datasets.validation import sample_name
from .arrays import split_channels
from .common import make_annotation, where


def from_dict(anno, index: int, path: Optional[str] = None) -> dict:
    """A float32 copy of one annotation dict (checks come later, in
    ``check_samples``)."""
    name = sample_name(anno, index)
    if not isinstance(anno, dict):
        raise ValueError(f'{where(path, name)}: annotation is a '
                         f'{type(anno).__name__}, not a dict')
    if 'keypoint' not in anno:
        raise ValueError(f"{where(path, name)}: missing key 'keypoint'")
    kp = np.asarray(anno['keypoint'])
    score = anno.get('keypoint_score')
    if kp.ndim == 4 and kp.dtype.kind == 'f':
        xy, score = split_channels(kp, score, where(path, name))
    else:
        xy = kp  # reported by check_samples
        score = np.ones(kp.shape[:-1]) if score is None else score
    new = make_annotation(name, xy, score, anno.get('img_shape'),
                          anno.get('label'))
    if 'total_frames' in anno:
        new['total_frames'] = anno['total_frames']
    return new


def read_pickle(path: str, split: Optional[str] = None) -> List[dict]:
    """Annotations of a PoseDataset pickle (optionally one split)."""
    data = load_annotation_file(path)
    if isinstance(data, list):
        annos = data
        if split is not None:
            raise ValueError(f'{where(path)}: split {split!r} given but the '
                             'file is a list of annotations, not a dict with '
                             '"split"')
    elif isinstance(data.get('annotations'), (list, tuple)):
        annos = list(data['annotations'])
        if split is not None:
            splits = data.get('split')
            if not isinstance(splits, dict) or split not in splits:
                have = sorted(splits) if isinstance(splits, dict) else []
                raise ValueError(f'{where(path)}: split {split!r} not found '
                                 f'(available: {have})')
            wanted = {str(n) for n in splits[split]}
            return [from_dict(a, i, path) for i, a in enumerate(annos)
                    if sample_name(a, i) in wanted]
    else:
        raise ValueError(f'{where(path)}: expected a dict with an '
                         '"annotations" list or a list of annotations')
    return [from_dict(anno, i, path) for i, anno in enumerate(annos)]
