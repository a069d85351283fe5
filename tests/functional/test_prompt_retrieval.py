"""Prompt retrieval: exact distances, invariances, own-sequence exclusion."""
import torch

from finetec_mm.functional.clip_norm import clip_frame, normalize_clip
from finetec_mm.functional.prompt_retrieval import nearest_clips

ROOTS = (11, 12)


def _data(seed=0, B=6, N=50, T=16):
    g = torch.Generator().manual_seed(seed)
    q = torch.randn(B, T, 17, 2, generator=g)
    pool = torch.randn(N, T, 17, 2, generator=g) * 2 + 1
    m = torch.rand(B, T, generator=g) < 0.3
    m[:, 5] = True
    return q, m, pool


def _brute_force(q, m, pool):
    """Normalise every (query, pool clip) pair explicitly."""
    err = torch.zeros(q.shape[0], pool.shape[0], dtype=torch.float64)
    for b in range(q.shape[0]):
        mb = m[b:b + 1]
        qb = q[b:b + 1].double()
        qn = normalize_clip(qb, *clip_frame(qb, mb, ROOTS))
        for n in range(pool.shape[0]):
            cb = pool[n:n + 1].double()
            cn = normalize_clip(cb, *clip_frame(cb, mb, ROOTS))
            err[b, n] = ((qn - cn).square().sum((2, 3)) * mb).sum()
    return err.argmin(1)


def test_normalized_matches_brute_force():
    q, m, pool = _data()
    assert torch.equal(nearest_clips(q, m, pool, ROOTS, chunk=7),
                       _brute_force(q, m, pool))


def test_normalized_retrieval_ignores_framing():
    q, m, pool = _data(1)
    idx = nearest_clips(q, m, pool, ROOTS)
    assert torch.equal(nearest_clips(4 * q - 3, m, pool, ROOTS), idx)
    # a pool clip that is a scaled, shifted copy of the query is found
    pool[17] = 0.25 * q[2] + 9
    assert nearest_clips(q, m, pool, ROOTS)[2].item() == 17
    # the raw rule does not find it
    assert nearest_clips(q, m, pool)[2].item() != 17


def test_missing_frames_do_not_matter():
    q, m, pool = _data(2)
    noisy = q.clone()
    noisy[~m] = 100.
    assert torch.equal(nearest_clips(noisy, m, pool, ROOTS),
                       nearest_clips(q, m, pool, ROOTS))


def test_own_sequence_is_excluded():
    q, m, pool = _data(3)
    pool[10] = q[0]
    pool[11] = q[0] * 1.001
    src_pool = torch.arange(pool.shape[0])
    src_pool[11] = 10  # clips 10 and 11 come from sequence 10
    src_q = torch.full((q.shape[0], ), -1)
    assert nearest_clips(q, m, pool, ROOTS)[0].item() == 10
    src_q[0] = 10
    got = nearest_clips(q, m, pool, ROOTS, src_q, src_pool)[0].item()
    assert got not in (10, 11)
