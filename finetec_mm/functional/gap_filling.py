# Copyright (c) FineTec authors. All rights reserved.
"""Filling of dropped skeleton frames: linear interpolation and copy baselines
(pure functions shared by the ``GapFill`` transform, the completion model
and the restoration tools)."""
from typing import Dict, Optional, Tuple

import numpy as np
from torch import Tensor

from .decomposition import interpolate_missing

GAP_FILL_METHODS = ('linear', 'copy_lr', 'copy_rl')


def observed_frames(keypoint: np.ndarray,
                    keypoint_score: Optional[np.ndarray] = None
                    ) -> np.ndarray:
    """Frames where at least one joint of one person is observed.

    A frame is missing when all scores of all persons are 0. Scores come
    from ``keypoint_score`` (M, T, V), else from ``keypoint[..., 2]`` if
    C == 3; without any score, a frame is missing when all its coordinates
    are 0.

    Args:
        keypoint (np.ndarray): (M, T, V, C).
        keypoint_score (np.ndarray, optional): (M, T, V).

    Returns:
        np.ndarray: bool (T, ), True = observed.
    """
    if keypoint_score is not None:
        return np.any(keypoint_score != 0, axis=(0, 2))
    if keypoint.shape[-1] == 3:
        return np.any(keypoint[..., 2] != 0, axis=(0, 2))
    return np.any(keypoint != 0, axis=(0, 2, 3))


def gap_sources(mask: np.ndarray,
                method: str = 'linear'
                ) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Where each missing frame of each clip takes its value from.

    Args:
        mask (np.ndarray): bool (K, L), True = observed, one row per clip.
        method (str): ``'linear'``, ``'copy_lr'`` or ``'copy_rl'``.

    Returns:
        tuple: ``fill`` bool (K, L), the missing frames that get a value
        (False everywhere in a clip without observed frame); ``src0``,
        ``src1`` int (K, L), in-clip source indices; ``weight`` float (K, L):
        the value is ``x[src0] + weight * (x[src1] - x[src0])``.
    """
    if method not in GAP_FILL_METHODS:
        raise ValueError(f'GapFill: unknown method {method!r}, expected one '
                         f'of {GAP_FILL_METHODS}')
    K, L = mask.shape
    pos = np.broadcast_to(np.arange(L), (K, L))
    left = np.maximum.accumulate(np.where(mask, pos, -1), axis=1)
    right = np.minimum.accumulate(
        np.where(mask, pos, L)[:, ::-1], axis=1)[:, ::-1]
    has_left, has_right = left >= 0, right < L
    fill = ~mask & (has_left | has_right)
    # Borders: nearest observed frame on the other side.
    left = np.where(has_left, left, right)
    right = np.where(has_right, right, left)
    if method == 'copy_lr':
        return fill, left, left, np.zeros((K, L))
    if method == 'copy_rl':
        return fill, right, right, np.zeros((K, L))
    span = right - left
    weight = np.where(span > 0, (pos - left) / np.maximum(span, 1), 0.)
    return fill, left, right, weight


def fill_gaps(data: np.ndarray,
              mask: np.ndarray,
              method: str = 'linear',
              clip_len: Optional[int] = None
              ) -> Tuple[np.ndarray, np.ndarray]:
    """Fill the missing frames of each clip independently.

    Observed frames are returned bit-identical; a clip without observed
    frame is returned unchanged.

    Args:
        data (np.ndarray): (M, T, ...), e.g. keypoint (M, T, V, C) or
            keypoint_score (M, T, V).
        mask (np.ndarray): bool (T, ), True = observed.
        method (str): ``'linear'`` (linear in time between the nearest
            observed frames, nearest copy before the first / after the last
            observed frame), ``'copy_lr'`` (last observed frame on the left,
            at the clip start the first one on the right) or ``'copy_rl'``
            (the mirror image).
        clip_len (int, optional): Clip length L; T must be a multiple of it.
            None = the whole sequence is one clip.

    Returns:
        tuple[np.ndarray, np.ndarray]: the filled copy of ``data`` (same
        shape and dtype) and ``filled`` bool (T, ), the frames filled.
    """
    data = np.asarray(data)
    mask = np.asarray(mask, dtype=bool)
    T = data.shape[1]
    L = T if clip_len is None else int(clip_len)
    if mask.shape != (T, ) or L < 1 or T % L:
        raise ValueError(f'fill_gaps: mask shape {mask.shape} / clip_len '
                         f'{clip_len} do not fit {T} frames')
    K = T // L
    fill, src0, src1, weight = gap_sources(mask.reshape(K, L), method)
    out = data.reshape(data.shape[0], K, L, *data.shape[2:]).copy()
    ks, ts = np.nonzero(fill)
    a = out[:, ks, src0[ks, ts]]
    if method == 'linear':
        b = out[:, ks, src1[ks, ts]]
        w = weight[ks, ts].reshape((1, -1) + (1, ) * (data.ndim - 2))
        interp = a + w * (b.astype(np.float64) - a)
        a = np.where(w > 0, interp, a).astype(data.dtype, copy=False)
    out[:, ks, ts] = a
    return out.reshape(data.shape), fill.reshape(T)


def linear_fill(x: Tensor, mask: Tensor) -> Tensor:
    """Fill unobserved frames by linear interpolation in time.

    Same rule as ``fill_gaps(method='linear')``, computed by
    :func:`~finetec_mm.functional.decomposition.interpolate_missing` with
    the D features as joints: linear between the nearest
    observed frames, nearest copy before the first / after the last one;
    observed frames unchanged; a row without observed frame stays as is.

    Args:
        x (Tensor): (B, T, D).
        mask (Tensor): bool (B, T), True = observed.

    Returns:
        Tensor: (B, T, D).
    """
    return interpolate_missing(x[..., None], mask)[..., 0]
