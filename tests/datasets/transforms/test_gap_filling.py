import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finetec_mm.datasets.transforms.corruption import SkeletonCorrupt
from finetec_mm.datasets.transforms.gap_filling import (GapFill, fill_gaps,
                                                        observed_frames)

SETTINGS = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow])


def reference_fill(x, mask, method, clip_len):
    """Plain loop reference: x (M, T, ...), mask (T, )."""
    out = x.astype(np.float64).copy()
    T = x.shape[1]
    for s in range(0, T, clip_len):
        obs = [t for t in range(s, s + clip_len) if mask[t]]
        if not obs:
            continue
        for t in range(s, s + clip_len):
            if mask[t]:
                continue
            left = [o for o in obs if o < t]
            right = [o for o in obs if o > t]
            if method == 'copy_lr':
                out[:, t] = x[:, left[-1] if left else right[0]]
            elif method == 'copy_rl':
                out[:, t] = x[:, right[0] if right else left[-1]]
            elif not left:
                out[:, t] = x[:, right[0]]
            elif not right:
                out[:, t] = x[:, left[-1]]
            else:
                a, b = left[-1], right[0]
                w = (t - a) / (b - a)
                out[:, t] = (1 - w) * x[:, a] + w * x[:, b]
    return out


@st.composite
def fill_cases(draw):
    clip_len = draw(st.sampled_from([1, 2, 3, 7, 16]))
    num_clips = draw(st.integers(1, 4))
    T = clip_len * num_clips
    mask = np.array(draw(st.lists(st.booleans(), min_size=T, max_size=T)))
    return dict(
        M=draw(st.integers(1, 3)),
        V=draw(st.integers(1, 5)),
        clip_len=clip_len,
        num_clips=num_clips,
        mask=mask,
        method=draw(st.sampled_from(['linear', 'copy_lr', 'copy_rl'])),
        seed=draw(st.integers(0, 2**16)))


@SETTINGS
@given(fill_cases())
def test_fill_gaps_matches_loop_reference(case):
    rng = np.random.default_rng(case['seed'])
    L, K, mask = case['clip_len'], case['num_clips'], case['mask']
    T = L * K
    x = rng.normal(size=(case['M'], T, case['V'], 2)).astype(np.float32)
    x0 = x.copy()
    out, filled = fill_gaps(x, mask, case['method'], clip_len=L)
    assert out.shape == x.shape and out.dtype == x.dtype
    ref = reference_fill(x, mask, case['method'], L)
    np.testing.assert_allclose(out, ref, rtol=1e-6, atol=1e-6)
    if case['method'] != 'linear':  # copies are exact
        assert np.array_equal(out, ref.astype(np.float32))
    # observed frames bit-identical; clips without observation untouched
    has_obs = np.repeat(mask.reshape(K, L).any(1), L)
    untouched = mask | ~has_obs
    assert np.array_equal(out[:, untouched].view(np.uint32),
                          x[:, untouched].view(np.uint32))
    assert np.array_equal(filled, ~mask & has_obs)
    assert np.array_equal(x, x0)  # input not modified


@SETTINGS
@given(fill_cases())
def test_linear_exact_on_linear_trajectory(case):
    rng = np.random.default_rng(case['seed'])
    L, K, mask = case['clip_len'], case['num_clips'], case['mask']
    T = L * K
    a = rng.normal(size=(case['M'], 1, case['V'], 2))
    b = rng.normal(size=(case['M'], 1, case['V'], 2))
    t = np.arange(T)[None, :, None, None]
    x = a + b * t
    x_in = np.where(mask[None, :, None, None], x, 0.)
    out, _ = fill_gaps(x_in, mask, 'linear', clip_len=L)
    for k in range(K):
        sl = slice(k * L, (k + 1) * L)
        obs = np.flatnonzero(mask[sl]) + k * L
        if len(obs) == 0:
            assert not out[:, sl].any()
            continue
        first, last = obs[0], obs[-1]
        expect = x[:, sl].copy()
        expect[:, :first - k * L] = x[:, first:first + 1]  # start: copy
        expect[:, last - k * L + 1:] = x[:, last:last + 1]  # end: copy
        np.testing.assert_allclose(out[:, sl], expect, atol=1e-9)


def test_linear_hand_example_with_scores():
    kp = np.zeros((1, 8, 1, 2), np.float32)
    score = np.zeros((1, 8, 1), np.float32)
    mask = np.array([0, 1, 0, 0, 1, 0, 0, 0], bool)
    kp[0, 1, 0] = [1, 10]
    kp[0, 4, 0] = [4, 40]
    score[0, 1, 0], score[0, 4, 0] = 0.3, 0.6
    res = GapFill('linear')(
        dict(keypoint=kp, keypoint_score=score, frame_mask=mask))
    np.testing.assert_allclose(res['keypoint'][0, :, 0, 0],
                               [1, 1, 2, 3, 4, 4, 4, 4])
    np.testing.assert_allclose(res['keypoint'][0, :, 0, 1],
                               [10, 10, 20, 30, 40, 40, 40, 40])
    np.testing.assert_allclose(res['keypoint_score'][0, :, 0],
                               [.3, .3, .4, .5, .6, .6, .6, .6], rtol=1e-6)
    assert np.array_equal(res['filled_mask'], ~mask)
    lr = GapFill('copy_lr')(
        dict(keypoint=kp, keypoint_score=score, frame_mask=mask))
    assert np.array_equal(lr['keypoint'][0, :, 0, 0],
                          [1, 1, 1, 1, 4, 4, 4, 4])
    rl = GapFill('copy_rl')(
        dict(keypoint=kp, keypoint_score=score, frame_mask=mask))
    assert np.array_equal(rl['keypoint'][0, :, 0, 0],
                          [1, 1, 4, 4, 4, 4, 4, 4])
    assert np.array_equal(rl['keypoint_score'][0, :, 0],
                          np.float32([.3, .3, .6, .6, .6, .6, .6, .6]))


@pytest.mark.parametrize('method', ['linear', 'copy_lr', 'copy_rl'])
def test_clips_are_independent(method):
    # clip 0 has no observation, clip 1 one observed frame in the middle
    kp = np.arange(1, 1 + 2 * 6 * 2, dtype=np.float32).reshape(1, 12, 1, 2)
    mask = np.zeros(12, bool)
    mask[9] = True
    res = GapFill(method)(
        dict(keypoint=kp.copy(), frame_mask=mask, clip_len=6, num_clips=2))
    assert np.array_equal(res['keypoint'][:, :6], kp[:, :6])  # unchanged
    assert (res['keypoint'][:, 6:] == kp[:, 9:10]).all()
    assert np.array_equal(res['filled_mask'], (np.arange(12) >= 6) & ~mask)
    # without clip info the whole sequence is one clip: clip 0 gets filled
    whole = GapFill(method)(dict(keypoint=kp.copy(), frame_mask=mask))
    assert (whole['keypoint'] == kp[:, 9:10]).all()


def test_all_missing_is_unchanged():
    kp = np.zeros((2, 16, 17, 2), np.float32)
    score = np.zeros((2, 16, 17), np.float32)
    res = GapFill()(dict(keypoint=kp, keypoint_score=score, clip_len=16))
    assert not res['keypoint'].any() and not res['keypoint_score'].any()
    assert not res['filled_mask'].any()


def test_missing_detected_from_zero_scores_multi_person():
    rng = np.random.default_rng(0)
    kp = rng.uniform(0.1, 1, (2, 6, 3, 2)).astype(np.float32)
    score = rng.uniform(0.1, 1, (2, 6, 3)).astype(np.float32)
    score[1, 1] = 0  # person 2 absent at frame 1: frame still observed
    score[:, 3] = 0  # nobody at frame 3: missing
    score[:, 5] = 0  # nobody at frame 5: missing (end)
    orig_kp = kp.copy()
    assert np.array_equal(observed_frames(kp, score),
                          [1, 1, 1, 0, 1, 0])
    res = GapFill('linear')(dict(keypoint=kp, keypoint_score=score))
    assert np.array_equal(res['filled_mask'], [0, 0, 0, 1, 0, 1])
    np.testing.assert_allclose(res['keypoint'][:, 3],
                               (orig_kp[:, 2] + orig_kp[:, 4]) / 2, rtol=1e-6)
    np.testing.assert_array_equal(res['keypoint'][:, 5], orig_kp[:, 4])
    np.testing.assert_array_equal(res['keypoint'][:, 1], orig_kp[:, 1])
    np.testing.assert_allclose(res['keypoint_score'][:, 3],
                               (score[:, 2] + score[:, 4]) / 2, rtol=1e-6)


def test_missing_detected_from_third_channel():
    rng = np.random.default_rng(1)
    kp = rng.uniform(0.1, 1, (1, 5, 2, 3)).astype(np.float32)
    kp[0, 0, :, 2] = 0
    kp[0, 2, :, 2] = 0
    assert np.array_equal(observed_frames(kp), [0, 1, 0, 1, 1])
    res = GapFill('copy_rl')(dict(keypoint=kp.copy()))
    assert np.array_equal(res['keypoint'][:, 0], kp[:, 1])
    assert np.array_equal(res['keypoint'][:, 2], kp[:, 3])
    assert np.array_equal(res['keypoint'][:, [1, 3, 4]], kp[:, [1, 3, 4]])


def test_frame_mask_mismatch_names_sample():
    with pytest.raises(ValueError, match="sample 'demo_val_1'.*frame_mask"):
        GapFill()(dict(keypoint=np.ones((1, 8, 2, 2), np.float32),
                       frame_mask=np.ones(7, bool), frame_dir='demo_val_1'))
    with pytest.raises(ValueError, match="sample 'demo_val_1'"):
        GapFill()(dict(keypoint=np.ones((1, 8, 2, 2), np.float32),
                       clip_len=3, num_clips=2, frame_dir='demo_val_1'))
    with pytest.raises(ValueError, match='method'):
        GapFill('spline')


@pytest.mark.parametrize('mode', ['inplace', 'compact'])
def test_after_corruption(mode):
    rng = np.random.default_rng(2)
    kp = rng.uniform(0.1, 1, (2, 160, 17, 2)).astype(np.float32)
    score = rng.uniform(0.1, 1, (2, 160, 17)).astype(np.float32)
    res = SkeletonCorrupt(level='severe', mode=mode, test_mode=True)(
        dict(keypoint=kp, keypoint_score=score, frame_dir='x', clip_len=16,
             num_clips=10))
    corrupted = res['keypoint'].copy()
    mask = res['frame_mask']
    res = GapFill()(res)
    assert np.array_equal(res['filled_mask'], ~mask)  # min_keep=1
    assert np.array_equal(res['keypoint'][:, mask], corrupted[:, mask])
    assert res['keypoint'].all() and res['keypoint_score'].all()
