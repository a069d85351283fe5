# Copyright (c) FineTec authors. All rights reserved.
"""Deterministic prompt choice: the nearest bank clip on observed frames."""
import hashlib
import weakref
from typing import Optional, Sequence

import torch
from torch import Tensor

from .clip_norm import MIN_SCALE, clip_frame, normalize_clip


def _raw_errors(q: Tensor, m: Tensor, c: Tensor) -> Tensor:
    """Sum over observed frames of ``||q_t - c_t||^2`` (B, N); q, c flat
    (·, T, D) with q already multiplied by the mask."""
    return (q.square().sum((1, 2))[:, None] -
            2 * torch.einsum('btd,ntd->bn', q, c) +
            m @ c.square().sum(2).T)


def pool_terms(c: Tensor, root_joints: Sequence[int]) -> dict:
    """The query-independent terms of :func:`_normalized_errors` for pool
    clips ``c`` (N, T, V, C) float64: ``root`` and ``sum_v`` (T, N * C),
    ``flat`` (T * V * C, N), ``spread`` and ``sq`` (N, T)."""
    N, T = c.shape[:2]
    root = c[:, :, list(root_joints)].mean(2)  # (N, T, C)

    def by_frame(x):  # (N, T, C) -> (T, N * C), contiguous for ``m @``
        return x.permute(1, 0, 2).reshape(T, -1).contiguous()

    # laid out once as matrices, so that each query costs matrix products
    # and no copy of the pool (einsum would permute it on every call)
    return dict(root=by_frame(root),
                spread=(c - root[:, :, None]).square().sum((2, 3)),  # (N, T)
                flat=c.reshape(N, -1).T.contiguous(),  # (T * V * C, N)
                sq=c.square().sum((2, 3)), sum_v=by_frame(c.sum(2)))


def _normalized_errors(qn: Tensor, m: Tensor, c: Tensor,
                       root_joints: Sequence[int],
                       terms: Optional[dict] = None) -> Tensor:
    """Sum over observed frames of ``||qn_t - (c_t - mu_bn) / s_bn||^2``
    (B, N), where ``mu_bn, s_bn`` normalise pool clip n on the observed
    frames of query b (:func:`clip_frame`), expanded into matrix products
    so that no (B, N, T, V, C) tensor is formed.

    qn: normalised query times the mask (B, T, V, C); c: pool (N, T, V, C);
    terms: :func:`pool_terms` of ``c`` if computed before.
    """
    B, N, V, C = m.shape[0], c.shape[0], c.shape[2], c.shape[3]
    k = m.sum(1)  # (B, )
    kv = (k * V).clamp(min=1)
    t = pool_terms(c, root_joints) if terms is None else terms
    mu = (m @ t['root']).view(B, N, C) / k.clamp(min=1)[:, None, None]
    s = ((m @ t['spread'].T) / kv[:, None]).sqrt().clamp(min=MIN_SCALE)
    cross = qn.reshape(B, -1) @ t['flat']
    cross = cross - (mu * qn.sum((1, 2))[:, None]).sum(2)
    c_sq = m @ t['sq'].T
    c_mu = (mu * (m @ t['sum_v']).view(B, N, C)).sum(2)
    centred_sq = c_sq - 2 * c_mu + kv[:, None] * mu.square().sum(2)
    return (qn.square().sum((1, 2, 3))[:, None] - 2 * cross / s +
            centred_sq / s.square())


#: The float64 pool and its :func:`pool_terms` of the last call: a
#: completion model at inference compares every query with the same prompt
#: pool (a stream recognizer once per frame). Valid while the pool is the
#: same tensor object, unmodified (``_version``), and fits one chunk.
_TERMS_CACHE: dict = {}


def _pool_and_terms(pool: Tensor, start: int, chunk: int,
                    root_joints: Sequence[int]):
    """(float64 chunk, its :func:`pool_terms`), from the memo when the pool
    is unchanged since the last call (the same numbers as computing them).
    """
    def compute():
        c = pool[start:start + chunk].to(torch.float64)
        return c, pool_terms(c, root_joints)

    # a traced graph (torch.compile) cannot branch on object identity or
    # tensor versions: compute there, memoise in eager mode only
    if (pool.requires_grad or pool.shape[0] > chunk
            or torch.compiler.is_compiling()):
        return compute()
    meta = (pool._version, tuple(pool.shape), pool.dtype, str(pool.device),
            tuple(int(j) for j in root_joints))
    ref = _TERMS_CACHE.get('ref')
    if ref is None or ref() is not pool or _TERMS_CACHE['meta'] != meta:
        _TERMS_CACHE.clear()
        _TERMS_CACHE.update(ref=weakref.ref(pool), meta=meta,
                            value=compute())
    return _TERMS_CACHE['value']


def nearest_clips(query: Tensor,
                  query_mask: Tensor,
                  pool: Tensor,
                  root_joints: Optional[Sequence[int]] = None,
                  query_source: Optional[Tensor] = None,
                  pool_source: Optional[Tensor] = None,
                  chunk: int = 4096) -> Tensor:
    """Index of the pool clip closest to each query on its observed frames.

    The distance of query ``b`` to pool clip ``n`` is the mean squared
    error over the observed frames of ``b`` (all frames weigh the same):

    * ``root_joints=None``: on the raw coordinates,
      ``sum_t m[b,t] ||q[b,t] - c[n,t]||^2``;
    * with ``root_joints``: on clip-normalised coordinates, both clips
      centred and scaled on the observed frames of ``b``
      (:func:`~finetec_mm.functional.clip_norm.clip_frame`), so the choice
      ignores where and how large the person is (invariant to translating
      or scaling the query).

    Pool clips from the query's own sequence (``pool_source ==
    query_source``) are never chosen. Ties go to the lowest index; no
    randomness.

    Args:
        query (Tensor): (B, T, V, C).
        query_mask (Tensor): bool (B, T), True = observed.
        pool (Tensor): (N, T, V, C).
        root_joints (sequence[int], optional): Root joints, see above.
        query_source (Tensor, optional): int64 (B, ) sequence ids.
        pool_source (Tensor, optional): int64 (N, ) sequence ids.
        chunk (int): Pool clips compared at once. Defaults to 4096.

    Returns:
        Tensor: int64 (B, ) indices into ``pool``.
    """
    B, T = query_mask.shape
    m = query_mask.to(torch.float64)
    q = query.to(torch.float64)
    if root_joints is not None:
        q = normalize_clip(q, *clip_frame(q, query_mask.bool(), root_joints))
    q = q * m[:, :, None, None]
    best_err = torch.full((B, ), float('inf'), dtype=torch.float64,
                          device=query.device)
    best_idx = torch.zeros(B, dtype=torch.long, device=query.device)
    for start in range(0, pool.shape[0], chunk):
        if root_joints is None:
            c = pool[start:start + chunk].to(torch.float64)
            err = _raw_errors(q.flatten(2), m, c.flatten(2))
        else:
            c, terms = _pool_and_terms(pool, start, chunk, root_joints)
            err = _normalized_errors(q, m, c, root_joints, terms)
        if query_source is not None and pool_source is not None:
            same = (query_source[:, None] ==
                    pool_source[None, start:start + chunk])
            err = err.masked_fill(same, float('inf'))
        err_min, arg = err.min(dim=1)
        better = err_min < best_err
        best_err = torch.where(better, err_min, best_err)
        best_idx = torch.where(better, arg + start, best_idx)
    return best_idx


def sequence_key(name: str) -> int:
    """Stable int64 id of a source sequence name (for ``*_source``)."""
    digest = hashlib.blake2b(str(name).encode(), digest_size=8).digest()
    return int.from_bytes(digest, 'little', signed=True)
