# Copyright (c) FineTec authors. All rights reserved.
"""Frame-drop masks of the FineTec corruption protocol (pure functions).

Shared by the ``SkeletonCorrupt`` transform and the completion model's
pre-training (same drop counts, same masks)."""
import hashlib
import math
from typing import Dict, Optional, Sequence, Tuple, Union

import numpy as np

#: Corruption level name -> fraction of frames dropped per clip.
CORRUPTION_LEVELS = dict(minor=0.25, moderate=0.5, severe=0.75)

_STAGES = ('clip', 'raw')
_PATTERNS = ('random', 'burst')
_MODES = ('inplace', 'compact')
#: How the clips of one sample are masked (see :class:`SkeletonCorrupt`).
CLIP_MASKS = ('shared', 'independent')


def num_dropped(length: int, ratio: float, min_keep: int = 1) -> int:
    """Number of frames dropped from a segment of ``length`` frames.

    ``floor(ratio * length + 0.5)`` (round half up, *not* Python's banker's
    ``round``), capped so that at least ``min_keep`` frames survive. For
    ``length=16``: minor/moderate/severe drop 4/8/12 frames.
    """
    n = int(math.floor(ratio * length + 0.5))
    return max(0, min(n, length - min_keep))


def sample_rng(sample_id: str, clip_idx: Union[int, str],
               seed: int) -> np.random.Generator:
    """A generator that is a pure function of (sample, clip, seed).

    The key ``f'{sample_id}|{clip_idx}|{seed}'`` is hashed with SHA-256 (never
    Python's salted ``hash``), so every process and every run draws the same
    numbers. The raw stage uses ``clip_idx='raw'``.
    """
    key = f'{sample_id}|{clip_idx}|{seed}'.encode('utf-8')
    digest = hashlib.sha256(key).digest()
    return np.random.default_rng(int.from_bytes(digest[:16], 'little'))


def _randint(rng, low: int, high: int) -> int:
    """Uniform integer in ``[low, high]`` from a Generator or ``np.random``."""
    return low + int(rng.choice(high - low + 1))


def _composition(rng, total: int, parts: int) -> np.ndarray:
    """Uniformly random split of ``total`` into ``parts`` integers >= 0."""
    if parts == 1:
        return np.array([total])
    bars = np.sort(rng.choice(total + parts - 1, parts - 1, replace=False))
    return np.diff(np.concatenate([[-1], bars, [total + parts - 1]])) - 1


def drop_mask(length: int,
              ratio: float,
              pattern: str = 'random',
              min_keep: int = 1,
              burst_len: Tuple[int, int] = (4, 16),
              rng=None) -> np.ndarray:
    """Keep-mask of one segment (a clip, or a whole raw sequence).

    Exactly ``num_dropped(length, ratio, min_keep)`` entries are False.

    * ``'random'``: the dropped frames are a uniform random subset.
    * ``'burst'``: the dropped frames form ``k`` contiguous gaps. A typical
      burst length ``b`` is drawn uniformly from ``burst_len`` (inclusive) and
      ``k = ceil(n_drop / b)``, clipped to ``[1, min(n_drop, n_keep + 1)]``.
      The burst lengths are a uniform random split of ``n_drop`` into ``k``
      positive parts (so single bursts may be longer than ``b``), and the
      kept frames are split uniformly into the ``k + 1`` spaces around them,
      with at least one kept frame between two bursts (they stay separate).

    Args:
        length (int): Segment length ``L``.
        ratio (float): Drop ratio in ``[0, 1)``.
        pattern (str): ``'random'`` or ``'burst'``.
        min_keep (int): Frames always kept. Defaults to 1.
        burst_len (tuple[int, int]): Range of the typical burst length.
        rng: ``np.random.Generator``; None uses the global ``np.random``.

    Returns:
        np.ndarray: bool (L, ), True = frame kept.
    """
    rng = np.random if rng is None else rng
    n_drop = num_dropped(length, ratio, min_keep)
    keep = np.ones(length, dtype=bool)
    if n_drop == 0:
        return keep
    if pattern == 'random':
        keep[rng.choice(length, n_drop, replace=False)] = False
        return keep
    if pattern != 'burst':
        raise ValueError(f'unknown drop pattern {pattern!r}')
    n_keep = length - n_drop
    typical = _randint(rng, burst_len[0], burst_len[1])
    k = min(max(-(-n_drop // typical), 1), n_drop, n_keep + 1)
    drops = _composition(rng, n_drop - k, k) + 1
    keeps = _composition(rng, n_keep - (k - 1), k + 1)
    keeps[1:-1] += 1
    counts = np.empty(2 * k + 1, dtype=np.int64)
    counts[0::2], counts[1::2] = keeps, drops
    values = np.arange(2 * k + 1) % 2 == 0
    return np.repeat(values, counts)


def occlusion_mask(length: int,
                   num_joints: int,
                   prob: float,
                   occlusion_len: Tuple[int, int] = (2, 8),
                   rng=None) -> np.ndarray:
    """Joint occlusion spans of one segment.

    Each joint is occluded with probability ``prob`` for one contiguous span
    whose length is uniform in ``occlusion_len`` (capped at ``length``) and
    whose start is uniform among the positions that fit.

    Returns:
        np.ndarray: bool (L, V), True = joint occluded.
    """
    rng = np.random if rng is None else rng
    lo, hi = occlusion_len
    hit = rng.random(num_joints) < prob
    lens = lo + np.floor(rng.random(num_joints) * (hi - lo + 1)).astype(int)
    lens = np.clip(lens, 1, length)
    starts = np.floor(rng.random(num_joints) *
                      (length - lens + 1)).astype(int)
    t = np.arange(length)[:, None]
    return hit & (t >= starts) & (t < starts + lens)


def corruption_masks(seg_len: int,
                     num_segs: int,
                     ratio: float,
                     pattern: str = 'random',
                     min_keep: int = 1,
                     burst_len: Tuple[int, int] = (4, 16),
                     num_joints: int = 0,
                     joint_occlusion: float = 0.,
                     occlusion_len: Tuple[int, int] = (2, 8),
                     sample_id: Optional[str] = None,
                     seed: int = 0,
                     raw: bool = False,
                     clip_masks: str = 'shared'
                     ) -> Tuple[np.ndarray, np.ndarray]:
    """Keep and occlusion masks of ``num_segs`` consecutive segments.

    ``clip_masks='shared'`` draws one segment's masks and repeats them for
    every segment (every clip of a sample drops the same positions);
    ``'independent'`` draws each segment's own. With ``sample_id`` set (test
    mode) the draws come from ``sample_rng(sample_id, key, seed)`` with
    ``key = 'shared'`` (shared), the segment index ``k`` (independent) or
    ``'raw'`` (``raw=True``); first the drop mask, then the occlusions, so
    the drop mask does not depend on ``joint_occlusion``. Otherwise the
    global ``np.random`` is used (seeded per worker by MMEngine).

    Returns:
        tuple[np.ndarray, np.ndarray]: keep (S*L, ) bool and occluded
        (S*L, V) bool (all False unless ``joint_occlusion > 0``).
    """
    if clip_masks not in CLIP_MASKS:
        raise ValueError(f'unknown clip_masks {clip_masks!r}, expected one '
                         f'of {CLIP_MASKS}')
    shared = clip_masks == 'shared' and not raw
    keeps, occs = [], []
    for k in range(1 if shared else num_segs):
        rng = None
        if sample_id is not None:
            key = 'raw' if raw else ('shared' if shared else k)
            rng = sample_rng(sample_id, key, seed)
        keeps.append(
            drop_mask(seg_len, ratio, pattern, min_keep, burst_len, rng))
        if joint_occlusion > 0:
            occs.append(
                occlusion_mask(seg_len, num_joints, joint_occlusion,
                               occlusion_len, rng))
    repeat = num_segs if shared else 1
    keep = np.tile(np.concatenate(keeps), repeat)
    if occs:
        occ = np.tile(np.concatenate(occs), (repeat, 1))
    else:
        occ = np.zeros((keep.shape[0], num_joints), dtype=bool)
    return keep, occ


def short_sequence_keep(frame_inds: np.ndarray,
                        total_frames: int,
                        ratio: float,
                        pattern: str = 'random',
                        min_keep: int = 1,
                        burst_len: Tuple[int, int] = (4, 16),
                        rng=None) -> np.ndarray:
    """Keep-mask of sampled clips, decided on the *raw* frames they show.

    The rule for sequences shorter than two clips (``total_frames <
    2 * clip_len``), where ``UniformSampleFrames`` repeats frames (shorter
    than a clip) or lets different clips put one raw frame at different
    positions: exactly ``num_dropped(total_frames, ratio, min_keep)`` of
    the raw frames are dropped (:func:`drop_mask` on the raw timeline) and
    a clip position is kept iff the raw frame it shows is kept. Every clip
    then shows only kept raw frames, so the share of the timeline a sample
    reveals is exactly ``1 - drop/total_frames`` whatever the number of
    clips; the number of kept positions per clip varies around
    ``(1 - ratio) * clip_len``.

    Args:
        frame_inds (np.ndarray): int (N, ) raw frame index of each clip
            position (``UniformSampleFrames``' ``frame_inds`` minus
            ``start_index``).
        total_frames (int): Raw sequence length.

    Returns:
        np.ndarray: bool (N, ), True = position kept.
    """
    raw_keep = drop_mask(total_frames, ratio, pattern, min_keep, burst_len,
                         rng)
    return raw_keep[np.mod(np.asarray(frame_inds, np.int64), total_frames)]
