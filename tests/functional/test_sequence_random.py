# Copyright (c) FineTec authors. All rights reserved.
import numpy as np
import pytest
import torch
from scipy import stats

from finetec_mm.functional import SequenceRandom, mix32, sample_key

LIKE = torch.zeros(1)


def mix32_reference(x):
    """lowbias32 on Python integers (exact modular arithmetic)."""
    x ^= x >> 16
    x = (x * 0x7FEB352D) & 0xFFFFFFFF
    x ^= x >> 15
    x = (x * 0x846CA68B) & 0xFFFFFFFF
    return x ^ (x >> 16)


def test_mix32_matches_exact_modular_arithmetic():
    xs = [0, 1, 2, 12345, 2**31 - 1, 2**31, 2**32 - 1] + list(
        np.random.default_rng(0).integers(0, 2**32, 500))
    out = mix32(torch.tensor(xs, dtype=torch.int64)).tolist()
    assert out == [mix32_reference(int(x)) for x in xs]


def test_mix32_is_a_bijection_on_a_block():
    out = mix32(torch.arange(2**16, dtype=torch.int64))
    assert out.unique().numel() == 2**16
    assert (out >= 0).all() and (out < 2**32).all()


def test_uniform_distribution_and_independence():
    u = SequenceRandom([7, 2**63 + 5]).uniform((100_000, ), LIKE)
    assert u.shape == (2, 100_000) and u.dtype == torch.float32
    assert (u >= 0).all() and (u < 1).all()
    for row in u.numpy():
        assert stats.kstest(row, 'uniform').pvalue > 1e-3
        # neighbouring positions uncorrelated
        assert abs(np.corrcoef(row[:-1], row[1:])[0, 1]) < 0.01
    assert abs(np.corrcoef(u[0].numpy(), u[1].numpy())[0, 1]) < 0.01


def test_normal_distribution():
    z = SequenceRandom([3]).normal((200_000, ), LIKE)[0].numpy()
    assert abs(z.mean()) < 0.01 and abs(z.std() - 1) < 0.01
    assert stats.kstest(z, 'norm').pvalue > 1e-3
    assert np.isfinite(z).all()


def test_streams_are_pure_functions_of_key_and_position():
    keys = [11, 22, 33]
    batch = SequenceRandom(keys)
    a, b = batch.uniform((4, 5), LIKE), batch.normal((3, ), LIKE)
    for i, k in enumerate(keys):
        alone = SequenceRandom([k])
        assert torch.equal(alone.uniform((4, 5), LIKE)[0], a[i])
        assert torch.equal(alone.normal((3, ), LIKE)[0], b[i])
    # consecutive calls read consecutive positions
    first = SequenceRandom(keys)
    head, tail = first.uniform((3, ), LIKE), first.uniform((2, ), LIKE)
    whole = SequenceRandom(keys).uniform((5, ), LIKE)
    assert torch.equal(torch.cat([head, tail], 1), whole)
    assert first.offset == 5
    # different keys, different numbers
    assert not torch.equal(a[0], a[1])


def test_reserve_only_changes_speed():
    plain, reserved = SequenceRandom([1, 2]), SequenceRandom([1, 2])
    reserved.reserve(50)
    for r in (plain, reserved):
        r.uniform((3, ), LIKE)
    assert torch.equal(plain.normal((10, ), LIKE),
                       reserved.normal((10, ), LIKE))
    # beyond the reserved block numbers are computed on demand
    assert torch.equal(plain.uniform((40, ), LIKE),
                       reserved.uniform((40, ), LIKE))


def test_dtype_follows_like_and_keys_are_checked():
    u = SequenceRandom([1]).uniform((2, ), torch.zeros(1, dtype=torch.float64))
    assert u.dtype == torch.float64
    with pytest.raises(ValueError, match='keys'):
        SequenceRandom([-1])
    with pytest.raises(ValueError, match='keys'):
        SequenceRandom([2**64])


def test_sample_streams_layout_and_training_streams_follow_numpy():
    r = SequenceRandom.for_samples(['a', 'b'], num_clips=2, num_person=2,
                                   seed=4)
    assert len(r) == 8
    u = r.uniform((6, ), LIKE)
    # (sample, clip, person) order
    one = SequenceRandom([sample_key('b', 1, 4, 0)]).uniform((6, ), LIKE)
    assert torch.equal(u[6], one[0])
    assert sample_key('a', 0, 4) != sample_key('a', 0, 4, 1)
    np.random.seed(3)
    x = SequenceRandom.from_numpy(3).uniform((4, ), LIKE)
    np.random.seed(3)
    assert torch.equal(x, SequenceRandom.from_numpy(3).uniform((4, ), LIKE))
    np.random.seed(3)
    salted = SequenceRandom.from_numpy(3, salt=1).uniform((4, ), LIKE)
    assert not torch.isclose(x, salted).any()
