# Copyright (c) FineTec authors. All rights reserved.
"""MMPose predictions: saved JSON files and in-memory pose results.

Accepted layouts (V = the model's joints, 17 for COCO):

* a JSON list of frames, each ``{"frame_id": 0, "instances": [instance,
  ...]}`` (``frame_id`` optional; MMPoseInferencer's saved predictions);
* ``{"meta_info": {...}, "instance_info": [frame, ...]}`` (what MMPose's
  demo scripts write with ``--save-predictions``);
* a JSON list whose items are lists of instances (one per frame).

An instance is ``{"keypoints": [[x, y], ...] (V), "keypoint_scores": [s,
...] (V), "bbox": [x1, y1, x2, y2] or [[x1, y1, x2, y2]]}``; ``bbox`` and
``track_id`` are optional, and ``keypoints`` may carry the score as a third
value instead of ``keypoint_scores``. In memory (``finetec_mm.apis``) a
frame may also be MMAction2's ``pose_inference`` result: ``{"keypoints":
(N, V, 2), "keypoint_scores": (N, V), "bboxes": (N, 4)}`` arrays. A frame
with no instance is missing. With ``frame_id`` s, frames are placed by
number (see :func:`~finetec_mm.apis.readers.common.frame_slots`).
"""
import os.path as osp
from typing import List, Optional, Union

import numpy as np

from ..tracking import Person, select_person
from .common import frame_slots, make_annotation, where


def as_array(value, shape: tuple, prefix: str, what: str) -> np.ndarray:
    """float64 array of ``value`` with ``shape`` (None entries: any size);
    one-line errors for non-numbers, wrong shapes and NaN/inf."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f'{prefix}: {what} is not an array of numbers '
                         f'({str(value)[:80]})') from None
    if arr.ndim != len(shape) or any(
            n is not None and n != m for n, m in zip(shape, arr.shape)):
        want = ' x '.join('N' if n is None else str(n) for n in shape)
        raise ValueError(f'{prefix}: {what} has shape {arr.shape}, expected '
                         f'{want}')
    if not np.isfinite(arr).all():
        raise ValueError(f'{prefix}: {what} holds NaN/inf')
    return arr


def instance_person(inst, num_joints: int, prefix: str) -> Person:
    """A :class:`Person` of one MMPose instance dict."""
    if not isinstance(inst, dict) or 'keypoints' not in inst:
        raise ValueError(f'{prefix}: not an instance with "keypoints" '
                         f'({str(inst)[:80]})')
    count = len(inst['keypoints']) if isinstance(
        inst['keypoints'], (list, tuple, np.ndarray)) else None
    if count is not None and count != num_joints:
        raise ValueError(f'{prefix}: {count} keypoints, expected '
                         f'{num_joints} (COCO-17 order)')
    scores = inst.get('keypoint_scores')
    width = 3 if scores is None else 2
    kp = as_array(inst['keypoints'], (num_joints, width), prefix,
                  'keypoints' + ('' if scores is not None else
                                 ' (no keypoint_scores: [x, y, score])'))
    score = kp[:, 2] if scores is None else as_array(
        scores, (num_joints, ), prefix, 'keypoint_scores')
    box = inst.get('bbox')
    if box is not None:
        box = as_array(box, (4, ), prefix, 'bbox') if np.ndim(box) == 1 \
            else as_array(box, (1, 4), prefix, 'bbox')[0]
    track = inst.get('track_id')
    if track is not None and not isinstance(track, (int, np.integer)):
        raise ValueError(f'{prefix}: track_id {track!r} is not an integer')
    return Person(kp[:, :2], score, box,
                  None if track is None else int(track))


def _array_frame(frame: dict, num_joints: int, prefix: str) -> List[Person]:
    """Persons of a ``pose_inference`` frame of (N, V, 2) arrays."""
    kp = as_array(frame['keypoints'], (None, num_joints, 2), prefix,
                  'keypoints')
    score = as_array(frame.get('keypoint_scores'), (len(kp), num_joints),
                     prefix, 'keypoint_scores')
    boxes = frame.get('bboxes')
    boxes = [None] * len(kp) if boxes is None else as_array(
        boxes, (len(kp), 4), prefix, 'bboxes')
    return [Person(k, s, b) for k, s, b in zip(kp, score, boxes)]


def frame_people(frame, num_joints: int, prefix: str) -> List[Person]:
    """The persons of one frame: a dict with ``instances``, a list of
    instances, a ``pose_inference`` dict of arrays, or None (nobody)."""
    if frame is None:
        return []
    if isinstance(frame, dict) and 'instances' in frame:
        frame = frame['instances']
    elif isinstance(frame, dict) and 'keypoints' in frame and np.ndim(
            frame['keypoints']) == 3:
        return _array_frame(frame, num_joints, prefix)
    if not isinstance(frame, (list, tuple)):
        raise ValueError(f'{prefix}: expected a list of instances or an '
                         'object with "instances", got a '
                         f'{type(frame).__name__}')
    return [instance_person(inst, num_joints, f'{prefix}, instance {i}')
            for i, inst in enumerate(frame)]


def frames_of(data, path: Optional[str]) -> list:
    """The per-frame list of any accepted layout."""
    if isinstance(data, dict) and 'instance_info' in data:
        data = data['instance_info']
    if not isinstance(data, list):
        raise ValueError(f'{where(path)}: expected a list of frames or an '
                         'object with "instance_info"')
    return data


def people_per_frame(data, num_joints: int,
                     path: Optional[str] = None,
                     name: Optional[str] = None) -> List[List[Person]]:
    """Persons per frame, frames placed by ``frame_id`` where given."""
    frames = frames_of(data, path)
    prefix = where(path, name)
    people = [frame_people(f, num_joints, f'{prefix}: frame {t}')
              for t, f in enumerate(frames)]
    ids = [f.get('frame_id') if isinstance(f, dict) else None
           for f in frames]
    if all(i is None for i in ids):
        return people
    if any(i is None for i in ids):
        t = ids.index(None)
        raise ValueError(f'{prefix}: frame {t} has no frame_id while others '
                         'have one')
    slots, T = frame_slots(ids, 'frame_id', prefix)
    if len(set(slots)) != len(slots):
        dup = next(i for i in ids if ids.count(i) > 1)
        raise ValueError(f'{prefix}: frame_id {dup!r} occurs twice')
    out: List[List[Person]] = [[] for _ in range(T)]
    for slot, persons in zip(slots, people):
        out[slot] = persons
    return out


def read_mmpose(path: str, data, num_joints: int,
                person: Union[str, int] = 'auto') -> List[dict]:
    """One annotation (sample id: the file name without extension) with
    the chosen person's track in ``anno['track']``."""
    name = osp.splitext(osp.basename(path))[0]
    frames = people_per_frame(data, num_joints, path)
    xy, score, track = select_person(frames, num_joints, person)
    anno = make_annotation(name, xy[None], score[None])
    anno['track'] = track
    return [anno]
