# Copyright (c) FineTec authors. All rights reserved.
"""Our JSON layout: ``{"img_shape": [h, w], "frames": [frame, ...], "id":
"clip_1", "label": 3}`` or a list of such objects (``img_shape``, ``id`` and
``label`` optional). A frame is ``null`` (missing) or V joints ``[[x, y,
score], ...]`` in pixels (COCO-17 order for V = 17); a flat list of 3·V
numbers is accepted too. One object is one sample (one person)."""
from typing import List

import numpy as np

from .common import is_number, make_annotation, where


def json_frame(frame, t: int, num_joints: int, prefix: str) -> np.ndarray:
    """(V, 3) array of one frame (zeros for ``null``)."""
    if frame is None:
        return np.zeros((num_joints, 3))
    if not isinstance(frame, list):
        raise ValueError(f'{prefix}: frame {t} is a {type(frame).__name__}, '
                         'expected null or a list of [x, y, score] joints')
    if frame and all(is_number(v) for v in frame):  # flat 3*V list
        if len(frame) != 3 * num_joints:
            raise ValueError(f'{prefix}: frame {t} is a flat list of '
                             f'{len(frame)} numbers, expected '
                             f'3 x {num_joints} = {3 * num_joints}')
        return np.asarray(frame, dtype=np.float64).reshape(num_joints, 3)
    if len(frame) != num_joints:
        raise ValueError(f'{prefix}: frame {t} has {len(frame)} joints, '
                         f'expected {num_joints} (COCO-17 order)')
    for v, joint in enumerate(frame):
        if not isinstance(joint, list) or len(joint) != 3:
            got = (f'{len(joint)} values' if isinstance(joint, list) else
                   f'a {type(joint).__name__}')
            raise ValueError(f'{prefix}: frame {t}, joint {v}: {got} '
                             f'({joint!r}), expected [x, y, score]')
        if not all(is_number(x) for x in joint):
            raise ValueError(f'{prefix}: frame {t}, joint {v}: {joint!r} is '
                             'not three numbers')
    return np.asarray(frame, dtype=np.float64)


def read_ours(path: str, data, num_joints: int) -> List[dict]:
    """Annotations of our JSON layout (module docstring), one per object;
    the sample id is ``id`` or ``#<position in the list>``."""
    objects = data if isinstance(data, list) else [data]
    out = []
    for i, obj in enumerate(objects):
        name = f'#{i}'
        if isinstance(obj, dict) and obj.get('id') is not None:
            name = str(obj['id'])
        prefix = where(path, name)
        if not isinstance(obj, dict):
            raise ValueError(f'{prefix}: expected an object with "frames", '
                             f'got a {type(obj).__name__}')
        frames = obj.get('frames')
        if not isinstance(frames, list):
            raise ValueError(f'{prefix}: "frames" must be a list of frames '
                             f'(got {type(frames).__name__})')
        shape = obj.get('img_shape')
        if shape is not None and not (
                isinstance(shape, list) and len(shape) == 2
                and all(is_number(s) and s > 0 for s in shape)):
            raise ValueError(f'{prefix}: "img_shape" {shape!r} is not '
                             '[height, width]')
        arr = np.stack([json_frame(fr, t, num_joints, prefix)
                        for t, fr in enumerate(frames)]) if frames else \
            np.zeros((0, num_joints, 3))
        out.append(make_annotation(name, arr[None, ..., :2],
                                   arr[None, ..., 2], shape, obj.get('label')))
    return out
