# Copyright (c) FineTec authors. All rights reserved.
"""NumPy inputs.

* ``.npy``: (T, V, 3), (N, T, V, 3) or (N, M, T, V, 3) of (x, y, score) in
  pixels (N samples, M persons); sample ids ``#0``, ``#1``, ...
* ``.npz``: ``keypoint`` (T, V, C), (M, T, V, C) or (N, M, T, V, C) with
  C = 2 (then ``keypoint_score`` with the leading shape is required) or
  C = 3 (x, y, score); optional ``keypoint_score``, ``img_shape`` (2, ) or
  (N, 2) and ``frame_dir`` (N sample ids).
"""
from typing import List, Optional

import numpy as np

from .common import make_annotation, where


def split_channels(kp: np.ndarray, score, prefix: str):
    """(x, y) and scores of a (..., C) keypoint array."""
    if kp.shape[-1] == 3 and score is None:
        return kp[..., :2], kp[..., 2]
    if kp.shape[-1] not in (2, 3):
        raise ValueError(f'{prefix}: keypoints have {kp.shape[-1]} values '
                         f'per joint (shape {kp.shape}), expected 2 (x, y) '
                         'or 3 (x, y, score)')
    if score is None:
        raise ValueError(f'{prefix}: keypoints have only (x, y) and no '
                         'keypoint_score is given; scores are needed (a '
                         'missing frame is one whose scores are all 0)')
    return kp[..., :2], np.asarray(score)


def batched(arr: np.ndarray, prefix: str, what: str,
            num_joints: int) -> np.ndarray:
    """(N, M, T, V, C) view of a (T, V, C) / (M|N, T, V, C) / (N, M, T, V,
    C) array; ``what`` says how a 4-D array is read ('N' or 'M')."""
    shapes = {3: '(T, V, C)', 4: f'({what}, T, V, C)', 5: '(N, M, T, V, C)'}
    if arr.ndim not in shapes:
        raise ValueError(
            f'{prefix}: array of shape {arr.shape}, expected '
            f"{' or '.join(shapes.values())} with V = {num_joints} joints")
    if arr.dtype.kind not in 'fiu':
        raise ValueError(f'{prefix}: array dtype {arr.dtype} is not numeric')
    if arr.ndim == 3:
        return arr[None, None]
    if arr.ndim == 4:
        return arr[:, None] if what == 'N' else arr[None]
    return arr


def _load(path: str, kind: str):
    try:
        return np.load(path, allow_pickle=False)
    except Exception as err:
        raise ValueError(f'{where(path)}: cannot be read as a NumPy {kind} '
                         f'file ({type(err).__name__}: {err})') from None


def read_npy(path: str, num_joints: int) -> List[dict]:
    """Annotations of a ``.npy`` (x, y, score) array."""
    arr = batched(_load(path, '.npy'), where(path), 'N', num_joints)
    if arr.shape[-1] != 3:
        raise ValueError(f'{where(path)}: last axis has {arr.shape[-1]} '
                         'values, expected 3 (x, y, score); shape '
                         f'{arr.shape}')
    return [make_annotation(f'#{n}', a[..., :2], a[..., 2])
            for n, a in enumerate(arr)]


def _img_shapes(shapes, path: str, N: int) -> Optional[np.ndarray]:
    if shapes is None:
        return None
    shapes = np.asarray(shapes)
    if shapes.size % 2 or shapes.size == 0:
        raise ValueError(f'{where(path)}: img_shape of shape {shapes.shape} '
                         'is not (2, ) or (N, 2)')
    shapes = shapes.reshape(-1, 2)
    if len(shapes) not in (1, N):
        raise ValueError(f'{where(path)}: img_shape has {len(shapes)} rows '
                         f'for {N} samples')
    return shapes


def read_npz(path: str, num_joints: int) -> List[dict]:
    """Annotations of a ``.npz`` with ``keypoint`` (+ ``keypoint_score``,
    ``img_shape``, ``frame_dir``)."""
    npz = _load(path, '.npz')
    try:
        data = {k: npz[k] for k in npz.files}
    except Exception as err:
        raise ValueError(f'{where(path)}: cannot be read as a NumPy .npz '
                         f'file ({type(err).__name__}: {err})') from None
    if 'keypoint' not in data:
        raise ValueError(f'{where(path)}: no "keypoint" array (has '
                         f'{sorted(data)})')
    kp = batched(data['keypoint'], where(path), 'M', num_joints)
    N = kp.shape[0]
    score = data.get('keypoint_score')
    if score is not None:
        score = np.asarray(score)
        if score.size != int(np.prod(kp.shape[:-1])):
            raise ValueError(f'{where(path)}: keypoint_score shape '
                             f'{score.shape} does not match keypoint shape '
                             f'{data["keypoint"].shape} without its last '
                             'axis')
        score = score.reshape(kp.shape[:-1])
    shapes = _img_shapes(data.get('img_shape'), path, N)
    names = data.get('frame_dir')
    names = ([f'#{n}' for n in range(N)] if names is None else
             [str(s) for s in np.asarray(names).reshape(-1)])
    if len(names) != N:
        raise ValueError(f'{where(path)}: {len(names)} frame_dir entries '
                         f'for {N} samples')
    out = []
    for n in range(N):
        xy, sc = split_channels(kp[n], None if score is None else score[n],
                                where(path, names[n]))
        shape = None if shapes is None else shapes[min(n, len(shapes) - 1)]
        out.append(make_annotation(names[n], xy, sc, shape))
    return out
