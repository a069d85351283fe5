# Copyright (c) FineTec authors. All rights reserved.
"""COCO keypoint results: a JSON list of ``{"image_id": 3, "category_id": 1,
"keypoints": [x, y, v] x 17 (flat, 51 numbers), "score": 0.93}``, several
entries per image for several people.

Frames are the image ids in order (integer ids are frame numbers: an id
without any entry is a missing frame, see
:func:`~finetec_mm.apis.readers.common.frame_slots`); the persons of one
image keep the file's order. ``v`` is the joint's score (what pose
estimators write); a file of integer visibility flags (all ``v`` in {0, 1,
2} with some 2) is read as score 1 for v > 0. Optional: ``bbox`` [x, y, w,
h] (COCO's box order), ``track_id``; ``score`` is the person's score and
not used. ``category_id``, if given, must be 1 (person).
"""
import os.path as osp
from typing import List, Union

import numpy as np

from ..tracking import Person, select_person
from .common import frame_slots, make_annotation, number_list, where


def _flags(values: List[np.ndarray]) -> bool:
    """Whether the v of every entry are COCO visibility flags."""
    v = np.concatenate([x[2::3] for x in values]) if values else np.zeros(0)
    return bool(np.isin(v, (0, 1, 2)).all() and (v == 2).any())


def _entry(entry, num_joints: int, prefix: str) -> np.ndarray:
    """The 3·V keypoint numbers of one result, after its checks."""
    if not isinstance(entry, dict):
        raise ValueError(f'{prefix}: a {type(entry).__name__}, expected an '
                         'object with "image_id" and "keypoints"')
    for key in ('image_id', 'keypoints'):
        if key not in entry:
            raise ValueError(f'{prefix}: no {key!r} (has {sorted(entry)})')
    if entry.get('category_id', 1) != 1:
        raise ValueError(f'{prefix}: category_id {entry["category_id"]!r} '
                         'is not 1 (person)')
    values = number_list(entry['keypoints'], 3 * num_joints, prefix,
                         'keypoints')
    if not np.isfinite(values).all():
        raise ValueError(f'{prefix}: keypoints hold NaN/inf')
    return values


def _box(entry, prefix: str):
    """x1, y1, x2, y2 of an optional COCO [x, y, w, h] ``bbox``."""
    if entry.get('bbox') is None:
        return None
    x, y, w, h = number_list(entry['bbox'], 4, prefix, 'bbox')
    return np.array([x, y, x + w, y + h])


def coco_people(path: str, data, num_joints: int) -> List[List[Person]]:
    """The persons of every frame (frames by ``image_id``)."""
    if not isinstance(data, list) or not data:
        raise ValueError(f'{where(path)}: expected a non-empty list of COCO '
                         'keypoint results')
    prefixes = [f'{where(path)}: entry {i}' for i in range(len(data))]
    values = [_entry(e, num_joints, p) for e, p in zip(data, prefixes)]
    flags = _flags(values)
    slots, T = frame_slots([e['image_id'] for e in data], 'image_id',
                           where(path))
    frames: List[List[Person]] = [[] for _ in range(T)]
    for entry, joints, slot, prefix in zip(data, values, slots, prefixes):
        joints = joints.reshape(num_joints, 3)
        score = (joints[:, 2] > 0).astype(float) if flags else joints[:, 2]
        track = entry.get('track_id')
        if track is not None and (not isinstance(track, int)
                                  or isinstance(track, bool)):
            raise ValueError(f'{prefix}: track_id {track!r} is not an '
                             'integer')
        frames[slot].append(Person(joints[:, :2], score, _box(entry, prefix),
                                   track))
    return frames


def read_coco(path: str, data, num_joints: int,
              person: Union[str, int] = 'auto') -> List[dict]:
    """One annotation (sample id: the file name without extension) with
    the chosen person's track in ``anno['track']``."""
    frames = coco_people(path, data, num_joints)
    xy, score, track = select_person(frames, num_joints, person)
    name = osp.splitext(osp.basename(path))[0]
    anno = make_annotation(name, xy[None], score[None])
    anno['track'] = track
    return [anno]
