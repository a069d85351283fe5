"""Prompt-masking strategies: counts, positions, determinism."""
import pytest
import torch

from finetec_mm.functional.corruption import num_dropped
from finetec_mm.models.completion.masking import (
    STRATEGIES, drop_counts, middle_block_mask, pattern_mask,
    prefix_block_mask, random_frames_mask, random_strategy_masks,
    strategy_mask, suffix_block_mask)


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


@pytest.mark.parametrize('T', [1, 5, 16, 100])
@pytest.mark.parametrize('ratio', [0., 0.25, 0.5, 0.75, 0.99])
def test_every_strategy_drops_exactly_num_dropped(T, ratio):
    n = drop_counts(4, T, ratio)
    assert n.tolist() == [num_dropped(T, ratio)] * 4
    query = random_frames_mask(n, T, gen())
    for s in STRATEGIES:
        m = strategy_mask(s, n, T, query, gen())
        assert m.shape == (4, T) and m.dtype == torch.bool
        assert ((~m).sum(1) == n).all(), s


def test_per_row_ratios():
    n = drop_counts(3, 16, [0.25, 0.5, 0.75])
    assert n.tolist() == [4, 8, 12]
    assert ((~random_frames_mask(n, 16, gen())).sum(1) == n).all()
    with pytest.raises(ValueError):
        drop_counts(2, 16, [0.5])


def test_block_positions_and_contiguity():
    n = torch.tensor([0, 3, 4, 12])
    t = torch.arange(16)
    pre, suf, mid = (prefix_block_mask(n, 16), suffix_block_mask(n, 16),
                     middle_block_mask(n, 16))
    for b, k in enumerate(n.tolist()):
        assert (~pre[b]).nonzero().flatten().tolist() == list(range(k))
        assert (~suf[b]).nonzero().flatten().tolist() == list(
            range(16 - k, 16))
        s = (16 - k) // 2
        assert (~mid[b]).nonzero().flatten().tolist() == list(range(s, s + k))
    # middle block of 4 in 16 frames: frames 6..9
    assert torch.equal(~mid[2], (t >= 6) & (t < 10))


def test_pattern_is_the_query_mask():
    q = random_frames_mask(torch.tensor([5, 9]), 16, gen(1))
    p = pattern_mask(q)
    assert torch.equal(p, q) and p.data_ptr() != q.data_ptr()


def test_random_masks_are_deterministic_given_the_generator():
    n = torch.full((8, ), 8)
    a = random_frames_mask(n, 16, gen(7))
    b = random_frames_mask(n, 16, gen(7))
    c = random_frames_mask(n, 16, gen(8))
    assert torch.equal(a, b) and not torch.equal(a, c)
    q = random_frames_mask(n, 16, gen(0))
    assert torch.equal(random_strategy_masks(q, generator=gen(3)),
                       random_strategy_masks(q, generator=gen(3)))


def test_random_strategy_masks_match_query_counts_and_cover_strategies():
    n = drop_counts(512, 16, 0.5)
    q = random_frames_mask(n, 16, gen(0))
    m = random_strategy_masks(q, generator=gen(2))
    assert ((~m).sum(1) == 8).all()
    pre = prefix_block_mask(n, 16)
    assert (m == pre).all(1).any() and (m == q).all(1).any()
    with pytest.raises(ValueError):
        strategy_mask('nope', n, 16)
