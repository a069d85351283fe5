# Copyright (c) FineTec authors. All rights reserved.
"""OpenPose output as ``--write_json`` writes it: a folder of per-frame
``<video>_<frame number>_keypoints.json`` files, each ``{"people": [{
"person_id": [-1], "pose_keypoints_2d": [x0, y0, c0, x1, ...]}, ...]}``.

``pose_keypoints_2d`` holds 25 (BODY_25) or 18 (COCO-18) joints; they are
mapped to COCO-17 (tables below; BODY_25's Neck, MidHip and foot joints
and COCO-18's Neck have no COCO-17 counterpart and are dropped). Frames are
ordered by the number in the file name (a gap in the numbers is a missing
frame); a file with no person is a missing frame. ``person_id`` (written
with ``--tracking``) is the track id when it is not -1. OpenPose states no
image size: give it (``--img-shape``).
"""
import glob
import os.path as osp
import re
from typing import List, Union

import numpy as np

from ..tracking import Person, select_person
from .common import (frame_slots, make_annotation, number_list,
                     read_json, where)

SUFFIX = '_keypoints.json'
#: COCO-17 joint k is OpenPose joint ``TO_COCO17[layout][k]``.
TO_COCO17 = {
    # nose, l/r eye, l/r ear, l/r shoulder, l/r elbow, l/r wrist, l/r hip,
    # l/r knee, l/r ankle
    'BODY_25': (0, 16, 15, 18, 17, 5, 2, 6, 3, 7, 4, 12, 9, 13, 10, 14, 11),
    'COCO-18': (0, 15, 14, 17, 16, 5, 2, 6, 3, 7, 4, 11, 8, 12, 9, 13, 10),
}
LAYOUTS = {25: 'BODY_25', 18: 'COCO-18'}


def keypoint_files(folder: str) -> List[str]:
    """The ``*_keypoints.json`` files of ``folder`` (one video)."""
    files = glob.glob(osp.join(glob.escape(folder), '*' + SUFFIX))
    if not files:
        raise ValueError(f'{where(folder)}: no OpenPose *{SUFFIX} file in '
                         'this folder')
    stems = {re.sub(r'\d+$', '', osp.basename(f)[:-len(SUFFIX)])
             for f in files}
    if len(stems) > 1:
        raise ValueError(f'{where(folder)}: keypoint files of several '
                         f'videos ({", ".join(sorted(stems))}); give one '
                         'folder per video')
    return files


def frame_number(path: str):
    """The trailing number of ``<video>_<number>_keypoints.json`` (or the
    file name if it has none)."""
    stem = osp.basename(path)[:-len(SUFFIX)]
    digits = re.search(r'(\d+)$', stem)
    return int(digits.group(1)) if digits else stem


def person_of(entry, layout_box: list, prefix: str) -> Person:
    """COCO-17 :class:`Person` of one ``people[]`` entry; ``layout_box``
    holds the layout seen so far (all files must share it)."""
    if not isinstance(entry, dict) or 'pose_keypoints_2d' not in entry:
        raise ValueError(f'{prefix}: no "pose_keypoints_2d"')
    values = number_list(entry['pose_keypoints_2d'], None, prefix,
                         'pose_keypoints_2d')
    layout = LAYOUTS.get(len(values) // 3) if len(values) % 3 == 0 else None
    if layout is None:
        raise ValueError(f'{prefix}: pose_keypoints_2d has {len(values)} '
                         'numbers, expected 75 (BODY_25) or 54 (COCO-18)')
    if not layout_box:
        layout_box.append(layout)
    elif layout_box[0] != layout:
        raise ValueError(f'{prefix}: {layout} keypoints after '
                         f'{layout_box[0]} ones; one layout per folder')
    if not np.isfinite(values).all():
        raise ValueError(f'{prefix}: pose_keypoints_2d holds NaN/inf')
    joints = values.reshape(-1, 3)[list(TO_COCO17[layout])]
    pid = entry.get('person_id', -1)
    pid = pid[0] if isinstance(pid, list) and len(pid) == 1 else pid
    if not isinstance(pid, int) or isinstance(pid, bool):
        raise ValueError(f'{prefix}: person_id {pid!r} is not an integer')
    return Person(joints[:, :2], joints[:, 2], None,
                  None if pid < 0 else pid)


def openpose_people(folder: str, num_joints: int) -> List[List[Person]]:
    """The persons of every frame (frames by file number)."""
    if num_joints != 17:
        raise ValueError(f'{where(folder)}: OpenPose keypoints are mapped to '
                         f'COCO-17, but the model expects {num_joints} '
                         'joints')
    files = keypoint_files(folder)
    numbers = [frame_number(f) for f in files]
    if not all(isinstance(n, int) for n in numbers):
        numbers = [osp.basename(f) for f in files]
    slots, T = frame_slots(numbers, 'frame number', where(folder))
    if len(set(slots)) != len(slots):
        dup = next(f for f, n in zip(files, numbers) if numbers.count(n) > 1)
        raise ValueError(f'{where(folder)}: two files for the frame of '
                         f'{osp.basename(dup)!r}')
    frames: List[List[Person]] = [[] for _ in range(T)]
    layout: list = []
    for slot, path in sorted(zip(slots, files)):
        data = read_json(path)
        people = data.get('people') if isinstance(data, dict) else None
        if not isinstance(people, list):
            raise ValueError(f'{where(path)}: expected an object with a '
                             '"people" list (OpenPose --write_json output)')
        frames[slot] = [person_of(p, layout, f'{where(path)}: people[{i}]')
                        for i, p in enumerate(people)]
    return frames


def read_openpose(folder: str, num_joints: int,
                  person: Union[str, int] = 'auto') -> List[dict]:
    """One annotation (sample id: the folder name) with the chosen
    person's track in ``anno['track']``."""
    frames = openpose_people(folder, num_joints)
    xy, score, track = select_person(frames, num_joints, person)
    name = osp.basename(osp.normpath(folder))
    anno = make_annotation(name, xy[None], score[None])
    anno['track'] = track
    return [anno]
