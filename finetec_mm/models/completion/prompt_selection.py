# Copyright (c) FineTec authors. All rights reserved.
"""Deterministic prompt choice: the nearest bank clip on observed frames."""
import torch
from torch import Tensor


def nearest_clips(query: Tensor, query_mask: Tensor, pool: Tensor,
                  chunk: int = 4096) -> Tensor:
    """Index of the pool clip closest to each query on its observed frames.

    The distance of query ``b`` to pool clip ``n`` is
    ``sum_t m[b,t] * ||q[b,t] - c[n,t]||^2 / max(1, sum_t m[b,t])`` (mean
    squared error over the observed frames; all frames weigh the same).
    Ties go to the lowest index; no randomness.

    Args:
        query (Tensor): (B, T, V, C).
        query_mask (Tensor): bool (B, T), True = observed.
        pool (Tensor): (N, T, V, C).
        chunk (int): Pool clips compared at once. Defaults to 4096.

    Returns:
        Tensor: int64 (B, ) indices into ``pool``.
    """
    B, T = query_mask.shape
    m = query_mask.to(torch.float64)
    q = query.reshape(B, T, -1).to(torch.float64) * m[:, :, None]
    best_err = torch.full((B, ), float('inf'), dtype=torch.float64,
                          device=query.device)
    best_idx = torch.zeros(B, dtype=torch.long, device=query.device)
    for start in range(0, pool.shape[0], chunk):
        c = pool[start:start + chunk].reshape(-1, T, q.shape[2]).to(
            torch.float64)
        # ||q - c||^2 on observed frames = |q|^2 - 2 q.c + m |c|^2
        err = (q.square().sum((1, 2))[:, None] -
               2 * torch.einsum('btd,ntd->bn', q, c) +
               m @ c.square().sum(2).T)
        err_min, arg = err.min(dim=1)
        better = err_min < best_err
        best_err = torch.where(better, err_min, best_err)
        best_idx = torch.where(better, arg + start, best_idx)
    return best_idx
