# Copyright (c) FineTec authors. All rights reserved.
"""Prompt-masking strategies of the in-context completion (FineTec §1.2).

Every function returns an *observed* mask (B, T) bool (True = frame kept)
with exactly ``n_drop[b]`` False entries in row ``b``. ``n_drop`` follows
:func:`~finetec_mm.functional.corruption.num_dropped` (round half
up, at least ``min_keep`` frames kept), the same count ``SkeletonCorrupt``
drops, so a prompt masked at ratio ``r`` misses as many frames as a query
corrupted at ``r``.

Strategies:

* ``'random'``: a uniform random subset of frames (the ``SkeletonCorrupt``
  pattern), drawn from a ``torch.Generator``.
* ``'pattern'``: the query's own observed mask, copied.
* ``'prefix'``: the first ``n`` frames missing.
* ``'suffix'``: the last ``n`` frames missing.
* ``'middle'``: ``n`` contiguous frames missing, centred: they start at
  ``(T - n) // 2``.

The block strategies are deterministic; only ``'random'`` (and
:func:`random_strategy_masks`, which also draws the strategy per sample)
use the generator.
"""
from typing import Optional, Sequence, Union

import torch
from torch import Tensor

from finetec_mm.functional.corruption import num_dropped

#: Strategy names, in the order used by :func:`random_strategy_masks`.
STRATEGIES = ('random', 'pattern', 'prefix', 'suffix', 'middle')

RatioLike = Union[float, Sequence[float], Tensor]


def drop_counts(batch: int, length: int, ratio: RatioLike,
                min_keep: int = 1, device=None) -> Tensor:
    """Frames to drop per row: ``num_dropped(length, ratio, min_keep)``.

    Args:
        batch (int): B.
        length (int): T.
        ratio (float | sequence | Tensor): one ratio, or one per row (B, ).
        min_keep (int): Frames always kept. Defaults to 1.

    Returns:
        Tensor: int64 (B, ).
    """
    if isinstance(ratio, Tensor):
        ratio = ratio.tolist()
    if isinstance(ratio, (int, float)):
        ratio = [ratio] * batch
    if len(ratio) != batch:
        raise ValueError(f'drop_counts: {len(ratio)} ratios for {batch} rows')
    return torch.tensor([num_dropped(length, float(r), min_keep)
                         for r in ratio], dtype=torch.long, device=device)


def random_frames_mask(n_drop: Tensor, length: int,
                       generator: Optional[torch.Generator] = None) -> Tensor:
    """Uniformly random dropped frames, ``n_drop[b]`` of them in row b.

    Args:
        n_drop (Tensor): int (B, ).
        length (int): T.
        generator (torch.Generator, optional): Source of randomness (on the
            device of ``n_drop``); None uses torch's global RNG.

    Returns:
        Tensor: bool (B, T), True = observed.
    """
    noise = torch.rand(n_drop.shape[0], length, generator=generator,
                       device=n_drop.device)
    # rank[b, t] = position of frame t in a random permutation of row b
    rank = noise.argsort(dim=1).argsort(dim=1)
    return rank >= n_drop[:, None]


def pattern_mask(query_mask: Tensor) -> Tensor:
    """The query's observed mask (B, T), copied (pattern-based prompt)."""
    return query_mask.clone().bool()


def _frame_index(n_drop: Tensor, length: int) -> Tensor:
    return torch.arange(length, device=n_drop.device)[None, :]


def prefix_block_mask(n_drop: Tensor, length: int) -> Tensor:
    """Frames ``[0, n)`` missing. Returns bool (B, T), True = observed."""
    return _frame_index(n_drop, length) >= n_drop[:, None]


def suffix_block_mask(n_drop: Tensor, length: int) -> Tensor:
    """Frames ``[T - n, T)`` missing. Returns bool (B, T)."""
    return _frame_index(n_drop, length) < (length - n_drop)[:, None]


def middle_block_mask(n_drop: Tensor, length: int) -> Tensor:
    """Frames ``[s, s + n)`` missing with ``s = (T - n) // 2``.

    Returns bool (B, T), True = observed.
    """
    t = _frame_index(n_drop, length)
    start = torch.div(length - n_drop, 2, rounding_mode='floor')[:, None]
    return (t < start) | (t >= start + n_drop[:, None])


def strategy_mask(strategy: str, n_drop: Tensor, length: int,
                  query_mask: Optional[Tensor] = None,
                  generator: Optional[torch.Generator] = None) -> Tensor:
    """Observed mask (B, T) of one named strategy (see module doc)."""
    if strategy == 'random':
        return random_frames_mask(n_drop, length, generator)
    if strategy == 'pattern':
        if query_mask is None:
            raise ValueError("strategy 'pattern' needs the query mask")
        return pattern_mask(query_mask)
    if strategy == 'prefix':
        return prefix_block_mask(n_drop, length)
    if strategy == 'suffix':
        return suffix_block_mask(n_drop, length)
    if strategy == 'middle':
        return middle_block_mask(n_drop, length)
    raise ValueError(f'unknown prompt masking strategy {strategy!r}, '
                     f'expected one of {STRATEGIES}')


def random_strategy_masks(query_mask: Tensor,
                          strategies: Sequence[str] = STRATEGIES,
                          generator: Optional[torch.Generator] = None
                          ) -> Tensor:
    """Mask each prompt with a strategy drawn uniformly per sample.

    The prompt of row ``b`` misses as many frames as the query of row ``b``
    (``T - query_mask[b].sum()``).

    Args:
        query_mask (Tensor): bool (B, T), True = observed.
        strategies (sequence[str]): Strategies to draw from.
        generator (torch.Generator, optional): Source of randomness.

    Returns:
        Tensor: bool (B, T), True = observed.
    """
    B, T = query_mask.shape
    n_drop = T - query_mask.long().sum(dim=1)
    choice = torch.randint(len(strategies), (B, ), generator=generator,
                           device=query_mask.device)
    masks = torch.stack([
        strategy_mask(s, n_drop, T, query_mask, generator)
        for s in strategies
    ])  # (S, B, T)
    return masks[choice, torch.arange(B, device=query_mask.device)]
