# Copyright (c) FineTec authors. All rights reserved.
"""Frame-dropping corruption of skeleton sequences (FineTec protocol)."""
import hashlib
import math
from typing import Dict, Optional, Sequence, Tuple, Union

import numpy as np
from mmcv.transforms import BaseTransform

from mmaction.registry import TRANSFORMS
from .skeleton_checks import check_clips, check_skeleton

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


@TRANSFORMS.register_module()
class SkeletonCorrupt(BaseTransform):
    """Drop frames of a skeleton sequence to simulate missing detections.

    FineTec protocol (``stage='clip'``, the default): placed after
    ``UniformSampleFrames`` + ``PoseDecode``, it drops exactly
    ``floor(ratio * clip_len + 0.5)`` frames of *each* clip (clip ``k`` holds
    frames ``[k * clip_len, (k + 1) * clip_len)``), keeping at least
    ``min_keep`` frames per clip; a severe 16-frame clip keeps 4 frames and
    persons of a dropped frame are dropped together.

    Clips of one sample (``clip_masks``): with ``'shared'`` (the default)
    every clip of a sample drops the *same* positions. ``UniformSampleFrames``
    takes frame ``j`` of every test clip from segment ``j`` of the sequence,
    so the 10 clips of a severe test sample together show exactly the 4 kept
    segments (25 % of the timeline), as one clip does. ``'independent'``
    draws a pattern per clip: each clip still keeps 4 of 16 frames, but 10
    clips together show about 41 % of the timeline and all 16 segments — a
    weaker protocol, kept for comparison with earlier numbers
    (docs/corruption_protocol.md). Sequences shorter than two clips
    (``total_frames < 2 * clip_len``; frames repeat, or one raw frame can sit
    at different positions in different clips) follow the raw-frame rule of
    :func:`short_sequence_keep` when ``clip_masks='shared'`` and the
    sampler's ``frame_inds`` are present: the drops are chosen among the raw
    frames, so the share of the timeline revealed stays exact while the
    count per clip varies.

    ``stage='raw'`` corrupts the whole raw sequence before sampling
    (``round(ratio * total_frames)`` frames, same rounding). Measured on real
    motion (Human3.6M / DeepMimic mocap), i.i.d. random drops of 75 % of raw
    25-60 fps frames are almost undone by linear interpolation over the raw
    sequence (error about 10x lower than interpolating inside a 16-frame
    clip: 0.0055-0.014 vs 0.058-0.079 normalised), so raw + ``'random'`` is
    not a meaningful benchmark; ``'burst'`` (contiguous gaps, like a detector
    losing a fast athlete for a stretch of frames, see :func:`drop_mask`) is
    the realistic raw option. Both patterns work at both stages.

    ``mode='inplace'``: dropped frames keep their time position with all
    keypoint channels and scores zeroed. ``mode='compact'``: within each
    clip (or the raw sequence) the kept frames move to the front in temporal
    order, followed by a zero tail.

    Randomness: in training the global ``np.random`` (seeded per worker by
    MMEngine). With ``test_mode=True`` the drops are a pure function of
    (``frame_dir``, ``seed``) (and of the clip index with
    ``clip_masks='independent'``) via :func:`sample_rng`, identical across
    runs, methods and processes.

    Optional joint occlusion (not part of the FineTec paper):
    ``joint_occlusion=p`` hides each joint with probability ``p`` for one
    span of ``occlusion_len`` frames per clip (zero coordinates and score of
    that joint, shared by all persons). It does not change ``frame_mask``.

    Required Keys:

        - keypoint (M, T, V, C): T = num_clips * clip_len at the clip stage,
          total_frames at the raw stage
        - keypoint_score (M, T, V) (optional)
        - clip_len, num_clips (clip stage; num_clips defaults to 1)
        - frame_dir (required in test mode, names the sample in errors)

    Modified Keys:

        - keypoint, keypoint_score (optional)

    Added Keys (prefixed ``raw_`` at the raw stage, since they follow the
    raw timeline rather than the clips: ``raw_frame_mask`` etc.):

        - frame_mask (T, ): bool, True = frame observed (compact mode: the
          leading kept slots of each clip)
        - joint_mask (T, V): bool, True = joint observed (frame kept and
          joint not occluded); only if ``joint_occlusion > 0``
        - keypoint_gt (M, T, V, C), keypoint_score_gt (M, T, V): uncorrupted
          copies on the original timeline; only if ``keep_gt``

    Args:
        level (str, optional): ``'minor'``, ``'moderate'`` or ``'severe'``
            (ratio 0.25 / 0.5 / 0.75). Exactly one of ``level`` / ``ratio``.
        ratio (float, optional): Drop ratio in ``[0, 1)``; 0 = clean.
        stage (str): ``'clip'`` or ``'raw'``. Defaults to ``'clip'``.
        pattern (str): ``'random'`` or ``'burst'``. Defaults to ``'random'``.
        mode (str): ``'inplace'`` or ``'compact'``. Defaults to ``'inplace'``.
        test_mode (bool): Deterministic per-sample drops. Defaults to False.
        seed (int): Seed of the test-mode drops. Defaults to 0.
        min_keep (int): Frames always kept per clip. Defaults to 1.
        burst_len (tuple[int, int]): Typical burst length range for
            ``pattern='burst'``. Defaults to (4, 16).
        joint_occlusion (float): Per-joint occlusion probability per clip.
            Defaults to 0.
        occlusion_len (tuple[int, int]): Occlusion span length range.
            Defaults to (2, 8).
        keep_gt (bool): Keep uncorrupted copies. Defaults to False.
        clip_masks (str): ``'shared'`` (every clip of a sample drops the
            same positions) or ``'independent'`` (one pattern per clip, the
            weaker protocol). Defaults to ``'shared'``.
    """

    def __init__(self,
                 level: Optional[str] = None,
                 ratio: Optional[float] = None,
                 stage: str = 'clip',
                 pattern: str = 'random',
                 mode: str = 'inplace',
                 test_mode: bool = False,
                 seed: int = 0,
                 min_keep: int = 1,
                 burst_len: Sequence[int] = (4, 16),
                 joint_occlusion: float = 0.,
                 occlusion_len: Sequence[int] = (2, 8),
                 keep_gt: bool = False,
                 clip_masks: str = 'shared') -> None:
        if (level is None) == (ratio is None):
            raise ValueError('SkeletonCorrupt: give exactly one of `level` '
                             f'and `ratio` (got level={level!r}, '
                             f'ratio={ratio!r})')
        if level is not None:
            if level not in CORRUPTION_LEVELS:
                raise ValueError(f'SkeletonCorrupt: unknown level {level!r}, '
                                 f'expected one of {list(CORRUPTION_LEVELS)}')
            ratio = CORRUPTION_LEVELS[level]
        if not 0 <= ratio < 1:
            raise ValueError(
                f'SkeletonCorrupt: ratio must be in [0, 1), got {ratio!r}')
        for name, value, choices in (('stage', stage, _STAGES),
                                     ('pattern', pattern, _PATTERNS),
                                     ('mode', mode, _MODES),
                                     ('clip_masks', clip_masks, CLIP_MASKS)):
            if value not in choices:
                raise ValueError(f'SkeletonCorrupt: unknown {name} '
                                 f'{value!r}, expected one of {choices}')
        if min_keep < 0:
            raise ValueError(
                f'SkeletonCorrupt: min_keep must be >= 0, got {min_keep}')
        for name, rng_ in (('burst_len', burst_len),
                           ('occlusion_len', occlusion_len)):
            if len(rng_) != 2 or not 1 <= rng_[0] <= rng_[1]:
                raise ValueError(f'SkeletonCorrupt: {name} must be '
                                 f'(low, high) with 1 <= low <= high, '
                                 f'got {rng_!r}')
        if not 0 <= joint_occlusion <= 1:
            raise ValueError('SkeletonCorrupt: joint_occlusion must be in '
                             f'[0, 1], got {joint_occlusion!r}')
        self.level = level
        self.ratio = float(ratio)
        self.stage = stage
        self.pattern = pattern
        self.mode = mode
        self.test_mode = test_mode
        self.seed = seed
        self.min_keep = min_keep
        self.burst_len = tuple(burst_len)
        self.joint_occlusion = float(joint_occlusion)
        self.occlusion_len = tuple(occlusion_len)
        self.keep_gt = keep_gt
        self.clip_masks = clip_masks

    def _fail(self, name: str, fault: str):
        raise ValueError(f'SkeletonCorrupt: sample {name!r}: {fault}')

    def _segments(self, results: Dict, name: str, T: int) -> Tuple[int, int]:
        """Validate the input and return (segment length, #segments)."""
        if self.stage == 'raw':
            return T, 1
        if results.get('clip_len') is None:
            self._fail(name, 'clip stage needs `clip_len` (place '
                       'SkeletonCorrupt after UniformSampleFrames/PoseDecode '
                       "or use stage='raw')")
        return check_clips(results, T, 'SkeletonCorrupt', name)

    def _short_sequence_inds(self, results: Dict, seg_len: int,
                             T: int) -> Optional[np.ndarray]:
        """Raw frame index per clip position if the raw-frame rule for
        sequences shorter than two clips applies, else None."""
        total = results.get('total_frames')
        inds = results.get('frame_inds')
        if (self.stage != 'clip' or self.clip_masks != 'shared'
                or total is None or inds is None
                or int(total) >= 2 * seg_len or len(inds) != T):
            return None
        return np.asarray(inds, np.int64) - int(results.get('start_index', 0))

    def transform(self, results: Dict) -> Dict:
        """The transform function of :class:`SkeletonCorrupt`.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict.
        """
        name, kp, score = check_skeleton(results, 'SkeletonCorrupt')
        M, T, V, C = kp.shape
        seg_len, num_segs = self._segments(results, name, T)
        if self.test_mode and 'frame_dir' not in results:
            self._fail(name, 'test mode needs `frame_dir` (the sample '
                       'identity) to seed the drops')

        sample_id = name if self.test_mode else None
        keep, occ = corruption_masks(
            seg_len, num_segs, self.ratio, self.pattern, self.min_keep,
            self.burst_len, V, self.joint_occlusion, self.occlusion_len,
            sample_id=sample_id, seed=self.seed, raw=self.stage == 'raw',
            clip_masks=self.clip_masks)
        raw_inds = self._short_sequence_inds(results, seg_len, T)
        if raw_inds is not None:
            rng = None if sample_id is None else sample_rng(
                sample_id, 'short', self.seed)
            keep = short_sequence_keep(raw_inds, int(results['total_frames']),
                                       self.ratio, self.pattern,
                                       self.min_keep, self.burst_len, rng)
        visible = keep[:, None] & ~occ  # (T, V)

        prefix = 'raw_' if self.stage == 'raw' else ''
        if self.keep_gt:
            results[prefix + 'keypoint_gt'] = kp.copy()
            if score is not None:
                results[prefix + 'keypoint_score_gt'] = score.copy()

        kp = np.where(visible[None, :, :, None], kp, 0).astype(
            kp.dtype, copy=False)
        if score is not None:
            score = np.where(visible[None], score, 0).astype(
                score.dtype, copy=False)
        if self.mode == 'compact':
            seg_id = np.arange(T) // seg_len
            order = np.lexsort((np.arange(T), ~keep, seg_id))
            kp, keep, visible = kp[:, order], keep[order], visible[order]
            if score is not None:
                score = score[:, order]

        results['keypoint'] = kp
        if score is not None:
            results['keypoint_score'] = score
        results[prefix + 'frame_mask'] = keep
        if self.joint_occlusion > 0:
            results[prefix + 'joint_mask'] = visible
        return results

    def __repr__(self) -> str:
        repr_str = (f'{self.__class__.__name__}('
                    f'level={self.level}, '
                    f'ratio={self.ratio}, '
                    f'stage={self.stage}, '
                    f'pattern={self.pattern}, '
                    f'mode={self.mode}, '
                    f'test_mode={self.test_mode}, '
                    f'seed={self.seed}, '
                    f'min_keep={self.min_keep}, '
                    f'burst_len={self.burst_len}, '
                    f'joint_occlusion={self.joint_occlusion}, '
                    f'occlusion_len={self.occlusion_len}, '
                    f'keep_gt={self.keep_gt}, '
                    f'clip_masks={self.clip_masks!r})')
        return repr_str
