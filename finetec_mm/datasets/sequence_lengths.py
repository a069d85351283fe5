# Copyright (c) FineTec authors. All rights reserved.
"""Sequence lengths of a PoseDataset file against a config's clip length.

FineGym-skeleton V2 holds sequences of 2 to 725 frames; a sequence shorter
than the clip (16 frames in the Gym configs) is sampled with repeated frames
and corrupted by the raw-frame rule of ``docs/corruption_protocol.md``.
These helpers give ``tools/data/validate_dataset.py`` its length histogram
and its list of samples shorter than the clip.
"""
from typing import List, Optional, Tuple

import numpy as np

from .validation import Problem, sample_name

__all__ = [
    'DEFAULT_CLIP_LEN', 'sample_lengths', 'histogram_edges',
    'length_histogram', 'check_short', 'clip_len_of'
]

DEFAULT_CLIP_LEN = 16
#: Powers of two; the clip length is added as an edge too.
_EDGES = tuple(2**k for k in range(0, 14))


def sample_lengths(data, split: Optional[str] = None
                   ) -> List[Tuple[str, int]]:
    """``(frame_dir, T)`` of every annotation (of ``split``) whose
    ``keypoint`` is an (M, T, V, C) array; malformed ones are left out."""
    annos = data.get('annotations', []) if isinstance(data, dict) else data
    wanted = None
    if split is not None and isinstance(data, dict):
        wanted = {str(n) for n in data.get('split', {}).get(split, ())}
    out = []
    for i, anno in enumerate(annos if isinstance(annos, list) else []):
        name = sample_name(anno, i)
        kp = anno.get('keypoint') if isinstance(anno, dict) else None
        if (wanted is None or name in wanted) and isinstance(
                kp, np.ndarray) and kp.ndim == 4:
            out.append((name, int(kp.shape[1])))
    return out


def histogram_edges(max_len: int, clip_len: int) -> List[int]:
    """Bin edges in frames: 1, 2, 4, 8, ... and ``clip_len``, up to the
    first edge above ``max_len`` (bin ``[lo, hi)``)."""
    edges = sorted(set(_EDGES) | {int(clip_len)})
    out = [e for e in edges if e <= max_len]
    out.append(next((e for e in edges if e > max_len), max_len + 1))
    return out


def length_histogram(lengths, clip_len: int = DEFAULT_CLIP_LEN
                     ) -> List[Tuple[int, int, int]]:
    """``(lo, hi, count)`` per bin ``lo <= T < hi`` (bins of
    :func:`histogram_edges`); empty bins inside the range are kept."""
    lengths = np.asarray(list(lengths), dtype=np.int64)
    if lengths.size == 0:
        return []
    edges = histogram_edges(int(lengths.max()), clip_len)
    counts, _ = np.histogram(lengths, bins=edges)
    # np.histogram closes the last bin; our last edge is above the maximum
    return [(lo, hi, int(n))
            for lo, hi, n in zip(edges[:-1], edges[1:], counts)
            if hi > lengths.min()]


def check_short(data, clip_len: int = DEFAULT_CLIP_LEN,
                split: Optional[str] = None,
                file: Optional[str] = None) -> List[Problem]:
    """A warning per sample with fewer frames than ``clip_len``: legal, but
    its clips repeat frames and the corruption drops raw frames instead of
    clip positions (``docs/corruption_protocol.md``)."""
    return [Problem('warning', 'short_sequence',
                    f'{T} frames, shorter than the {clip_len}-frame clip '
                    '(frames repeat in the clip; corruption drops raw frames)',
                    sample=name, file=file)
            for name, T in sample_lengths(data, split) if T < clip_len]


def clip_len_of(cfg, loader: str = 'test') -> int:
    """``clip_len`` of the ``UniformSampleFrames`` step of a config's
    ``{loader}_dataloader`` pipeline (else the train loader's, else the
    config's top-level ``clip_len``).

    Raises:
        ValueError: naming the config when none is found.
    """
    for name in (loader, 'train'):
        loader_cfg = cfg.get(f'{name}_dataloader') or {}
        dataset = loader_cfg.get('dataset', {}) if loader_cfg else {}
        for step in dataset.get('pipeline', None) or ():
            if step.get('type') == 'UniformSampleFrames':
                return int(step['clip_len'])
    if cfg.get('clip_len'):
        return int(cfg.clip_len)
    raise ValueError(f'config {cfg.filename!r} has no UniformSampleFrames '
                     'step nor clip_len: give --clip-len')
