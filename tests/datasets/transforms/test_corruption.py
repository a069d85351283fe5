import math
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finetec_mm.datasets.transforms.corruption import (CORRUPTION_LEVELS,
                                                       SkeletonCorrupt,
                                                       drop_mask, num_dropped)

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow])


def expected_drops(length, ratio, min_keep):
    """Independent reference: round half up, capped by min_keep."""
    n = int(ratio * length + 0.5)  # int() truncates == floor for >= 0
    return max(0, min(n, length - min_keep))


def make_sample(M, T, V, C=2, score=True, frame_dir='s0', seed=0, **extra):
    """Random sample without any zero value (so zeros mark drops)."""
    rng = np.random.default_rng(seed)
    kp = rng.uniform(0.05, 1, (M, T, V, C)) * rng.choice([-1, 1],
                                                        (M, T, V, C))
    res = dict(keypoint=kp.astype(np.float32), frame_dir=frame_dir, **extra)
    if score:
        res['keypoint_score'] = rng.uniform(0.05, 1,
                                            (M, T, V)).astype(np.float32)
    return res


def copy_sample(res):
    return {k: (v.copy() if isinstance(v, np.ndarray) else v)
            for k, v in res.items()}


def runs(mask):
    """Number of maximal runs of False in a bool vector."""
    d = (~mask).astype(np.int8)
    return int(d[0] + np.sum(np.diff(d) == 1))


@st.composite
def clip_cases(draw):
    return dict(
        M=draw(st.integers(1, 3)),
        V=draw(st.integers(1, 6)),
        C=draw(st.sampled_from([2, 3])),
        clip_len=draw(st.sampled_from([1, 2, 3, 5, 16, 20])),
        num_clips=draw(st.integers(1, 4)),
        ratio=draw(
            st.sampled_from([0., 0.1, 0.25, 0.5, 0.75, 0.9]) | st.floats(
                0, 0.999)),
        pattern=draw(st.sampled_from(['random', 'burst'])),
        min_keep=draw(st.integers(0, 2)),
        score=draw(st.booleans()),
        test_mode=draw(st.booleans()),
        seed=draw(st.integers(0, 2**16)),
    )


@SETTINGS
@given(clip_cases())
def test_clip_stage_inplace_properties(case):
    L, K = case['clip_len'], case['num_clips']
    T = L * K
    np.random.seed(case['seed'])
    orig = make_sample(case['M'], T, case['V'], case['C'], case['score'],
                       f"vid_{case['seed']}", case['seed'], clip_len=L,
                       num_clips=K)
    t = SkeletonCorrupt(
        ratio=case['ratio'],
        pattern=case['pattern'],
        min_keep=case['min_keep'],
        test_mode=case['test_mode'])
    res = t(copy_sample(orig))
    keep = res['frame_mask']
    assert keep.dtype == bool and keep.shape == (T, )
    n = expected_drops(L, case['ratio'], case['min_keep'])
    assert ((~keep).reshape(K, L).sum(1) == n).all()
    kp, kp0 = res['keypoint'], orig['keypoint']
    assert kp.shape == kp0.shape and kp.dtype == kp0.dtype
    # kept frames bit-identical, dropped frames exactly zero (all persons)
    assert np.array_equal(kp[:, keep].view(np.uint32),
                          kp0[:, keep].view(np.uint32))
    assert not kp[:, ~keep].any()
    assert kp[:, keep].all()  # nothing else was zeroed
    if case['score']:
        s, s0 = res['keypoint_score'], orig['keypoint_score']
        assert np.array_equal(s[:, keep], s0[:, keep])
        assert not s[:, ~keep].any()
    else:
        assert 'keypoint_score' not in res
    assert 'keypoint_gt' not in res and 'joint_mask' not in res
    # the input arrays are not modified
    assert kp0.all()
    if case['pattern'] == 'burst':
        for clip in keep.reshape(K, L):
            n_keep = L - n
            k = runs(clip)
            if n == 0:
                assert k == 0
            else:
                assert 1 <= k <= min(math.ceil(n / 4), n, n_keep + 1)


@SETTINGS
@given(clip_cases())
def test_clip_stage_test_mode_deterministic(case):
    L, K = case['clip_len'], case['num_clips']
    orig = make_sample(case['M'], L * K, case['V'], case['C'], case['score'],
                       f"vid_{case['seed']}", case['seed'], clip_len=L,
                       num_clips=K)
    t = SkeletonCorrupt(
        ratio=case['ratio'], pattern=case['pattern'], test_mode=True, seed=3)
    np.random.seed(1)
    state = np.random.get_state()[1].copy()
    r1 = t(copy_sample(orig))
    # test mode never touches the global RNG
    assert np.array_equal(np.random.get_state()[1], state)
    np.random.seed(2)
    r2 = SkeletonCorrupt(
        ratio=case['ratio'], pattern=case['pattern'], test_mode=True,
        seed=3)(copy_sample(orig))
    assert np.array_equal(r1['frame_mask'], r2['frame_mask'])
    assert np.array_equal(r1['keypoint'], r2['keypoint'])


@SETTINGS
@given(clip_cases())
def test_compact_mode_orders_kept_frames(case):
    L, K = case['clip_len'], case['num_clips']
    T = L * K
    orig = make_sample(case['M'], T, case['V'], case['C'], case['score'],
                       f"vid_{case['seed']}", case['seed'], clip_len=L,
                       num_clips=K)
    kw = dict(ratio=case['ratio'], pattern=case['pattern'], test_mode=True,
              min_keep=case['min_keep'])
    inpl = SkeletonCorrupt(mode='inplace', **kw)(copy_sample(orig))
    comp = SkeletonCorrupt(mode='compact', **kw)(copy_sample(orig))
    n = expected_drops(L, case['ratio'], case['min_keep'])
    expect_mask = np.tile(np.arange(L) < L - n, K)
    assert np.array_equal(comp['frame_mask'], expect_mask)
    keep = inpl['frame_mask']
    for k in range(K):
        src = k * L + np.flatnonzero(keep[k * L:(k + 1) * L])
        dst = slice(k * L, k * L + L - n)
        assert np.array_equal(comp['keypoint'][:, dst],
                              orig['keypoint'][:, src])
        assert not comp['keypoint'][:, k * L + L - n:(k + 1) * L].any()
        if case['score']:
            assert np.array_equal(comp['keypoint_score'][:, dst],
                                  orig['keypoint_score'][:, src])


@SETTINGS
@given(
    T=st.integers(1, 300),
    ratio=st.floats(0, 0.999),
    pattern=st.sampled_from(['random', 'burst']),
    mode=st.sampled_from(['inplace', 'compact']),
    test_mode=st.booleans(),
    burst_len=st.sampled_from([(1, 1), (4, 16), (10, 30)]))
def test_raw_stage_exact_count(T, ratio, pattern, mode, test_mode, burst_len):
    orig = make_sample(2, T, 3, frame_dir=f'raw_{T}', total_frames=T)
    t = SkeletonCorrupt(
        ratio=ratio, stage='raw', pattern=pattern, mode=mode,
        test_mode=test_mode, burst_len=burst_len, keep_gt=True)
    res = t(copy_sample(orig))
    assert 'frame_mask' not in res
    keep = res['raw_frame_mask']
    n = expected_drops(T, ratio, 1)
    assert keep.shape == (T, ) and (~keep).sum() == n
    assert np.array_equal(res['raw_keypoint_gt'], orig['keypoint'])
    assert np.array_equal(res['raw_keypoint_score_gt'],
                          orig['keypoint_score'])
    assert not res['keypoint'][:, ~keep].any()
    assert not res['keypoint_score'][:, ~keep].any()
    if mode == 'compact':
        assert np.array_equal(keep, np.arange(T) < T - n)
        assert res['keypoint'][:, keep].all()
    if pattern == 'burst' and mode == 'inplace' and n > 0:
        k = runs(keep)
        lo, hi = burst_len
        cap = min(n, T - n + 1)
        assert 1 <= k <= min(math.ceil(n / lo), cap)
        assert k >= min(math.ceil(n / hi), cap)


def test_raw_burst_is_few_long_gaps():
    # 75 % of 300 frames with bursts of 10..30 frames: 8..23 gaps.
    for i in range(20):
        res = SkeletonCorrupt(
            level='severe', stage='raw', pattern='burst', test_mode=True,
            burst_len=(10, 30))(make_sample(1, 300, 2, frame_dir=f'b{i}'))
        keep = res['raw_frame_mask']
        assert (~keep).sum() == 225
        assert 8 <= runs(keep) <= 23


def test_levels_and_rounding():
    assert CORRUPTION_LEVELS == dict(minor=0.25, moderate=0.5, severe=0.75)
    for level, n in (('minor', 4), ('moderate', 8), ('severe', 12)):
        res = SkeletonCorrupt(level=level)(
            make_sample(1, 16, 17, clip_len=16, num_clips=1))
        assert (~res['frame_mask']).sum() == n
        assert (res['keypoint_score'].sum((0, 2)) == 0).sum() == n
    # round half up, not banker's rounding
    assert num_dropped(1, 0.5, min_keep=0) == 1
    assert num_dropped(5, 0.5, min_keep=0) == 3
    assert num_dropped(16, 0.75, min_keep=13) == 3
    # a severe 1-frame clip keeps its frame (min_keep=1)
    res = SkeletonCorrupt(level='severe')(
        make_sample(2, 3, 4, clip_len=1, num_clips=3))
    assert res['frame_mask'].all()


def test_ratio_zero_is_identity():
    orig = make_sample(2, 32, 5, clip_len=16, num_clips=2)
    res = SkeletonCorrupt(ratio=0)(copy_sample(orig))
    assert res['frame_mask'].all()
    assert np.array_equal(res['keypoint'], orig['keypoint'])
    assert np.array_equal(res['keypoint_score'], orig['keypoint_score'])


def test_training_mode_uses_global_rng():
    orig = make_sample(1, 160, 3, clip_len=16, num_clips=10)
    t = SkeletonCorrupt(level='moderate')
    masks = []
    for s in (0, 0, 1):
        np.random.seed(s)
        masks.append(t(copy_sample(orig))['frame_mask'])
    assert np.array_equal(masks[0], masks[1])
    assert not np.array_equal(masks[0], masks[2])


def test_test_mode_masks_differ_across_samples_shared_across_clips():
    t = SkeletonCorrupt(level='severe', test_mode=True)
    clip_masks = []
    for i in range(30):
        res = t(make_sample(1, 160, 2, frame_dir=f'video_{i:03d}',
                            clip_len=16, num_clips=10))
        clip_masks.append(res['frame_mask'].reshape(10, 16))
    # different samples: first clips differ (C(16, 4) = 1820 choices)
    firsts = {m[0].tobytes() for m in clip_masks}
    assert len(firsts) >= 25
    # the clips of one sample drop the same positions (the default)
    for m in clip_masks:
        assert (m == m[0]).all() and (~m[0]).sum() == 12
    # the seed changes the test set
    other = t.__class__(level='severe', test_mode=True, seed=1)(
        make_sample(1, 160, 2, frame_dir='video_000', clip_len=16,
                    num_clips=10))
    assert not np.array_equal(other['frame_mask'], clip_masks[0].ravel())
    # the mask does not depend on how many clips are sampled
    one = t(make_sample(1, 16, 2, frame_dir='video_000', clip_len=16,
                        num_clips=1))
    assert np.array_equal(one['frame_mask'], clip_masks[0][0])


def test_independent_clip_masks_differ_across_clips():
    t = SkeletonCorrupt(level='severe', test_mode=True,
                        clip_masks='independent')
    for i in range(10):
        m = t(make_sample(1, 160, 2, frame_dir=f'video_{i:03d}', clip_len=16,
                          num_clips=10))['frame_mask'].reshape(10, 16)
        assert len({row.tobytes() for row in m}) >= 7
        assert ((~m).sum(1) == 12).all()
    with pytest.raises(ValueError, match='clip_masks'):
        SkeletonCorrupt(level='severe', clip_masks='per-clip')


def sampled_and_corrupted(total_frames, num_clips, name, level='severe',
                          **kwargs):
    """A sample through UniformSampleFrames (test mode), PoseDecode and
    SkeletonCorrupt, as the test pipelines run them."""
    from mmaction.datasets.transforms import PoseDecode, UniformSampleFrames
    res = make_sample(1, total_frames, 17, frame_dir=name,
                      total_frames=total_frames, start_index=0,
                      seed=total_frames)
    res = UniformSampleFrames(16, num_clips=num_clips, test_mode=True)(res)
    res = PoseDecode()(res)
    return SkeletonCorrupt(level=level, test_mode=True, **kwargs)(res)


def test_ten_test_clips_reveal_only_the_kept_segments():
    """The sequence-consistent protocol at severe with 10 test clips: every
    clip drops exactly 12 of 16 frames, the clips together observe exactly
    4 positions, and every observed raw frame lies in one of those 4 kept
    segments of the sequence (about 25 % of the timeline)."""
    shares, old_shares = [], []
    for i, total in enumerate(range(32, 232, 4)):
        name = f'seq_{i}'
        res = sampled_and_corrupted(total, 10, name)
        keep = res['frame_mask'].reshape(10, 16)
        assert ((~keep).sum(1) == 12).all()
        positions = np.flatnonzero(keep.any(0))
        assert len(positions) == 4
        bounds = np.array([j * total // 16 for j in range(17)])
        seen = np.unique(res['frame_inds'][res['frame_mask']])
        segment = np.searchsorted(bounds, seen, side='right') - 1
        assert set(segment) <= set(positions)
        kept_frames = sum(bounds[j + 1] - bounds[j] for j in positions)
        assert len(seen) <= kept_frames
        shares.append(kept_frames / total)
        old = sampled_and_corrupted(total, 10, name,
                                    clip_masks='independent')
        old_shares.append(
            len(np.unique(old['frame_inds'][old['frame_mask']])) / total)
    share, old_share = float(np.mean(shares)), float(np.mean(old_shares))
    print(f'\nshare of the timeline in the kept segments, 10 clips: '
          f'{share:.3f} (independent clip masks: {old_share:.3f} observed)')
    assert 0.22 < share < 0.28 and old_share > 0.3


@pytest.mark.parametrize('total', [2, 5, 10, 16, 20, 31])
def test_sequences_shorter_than_two_clips_use_the_raw_frame_rule(total):
    """Frames repeat (or move between positions) when a sequence is shorter
    than two clips: the drops are chosen among the raw frames, so every clip
    shows only kept raw frames, whatever the number of clips."""
    res = sampled_and_corrupted(total, 10, f'short_{total}')
    raw = res['frame_inds'] % total
    seen = set(raw[res['frame_mask']].tolist())
    hidden = set(raw[~res['frame_mask']].tolist())
    assert not seen & hidden  # a raw frame is either kept or dropped
    dropped = expected_drops(total, 0.75, 1)
    assert len(seen) <= total - dropped
    assert len(set(range(total)) - seen - hidden) >= 0
    again = sampled_and_corrupted(total, 1, f'short_{total}')
    raw1 = again['frame_inds'] % total
    assert set(raw1[again['frame_mask']].tolist()) <= seen | (
        set(range(total)) - hidden)


def test_joint_occlusion():
    orig = make_sample(2, 48, 17, clip_len=16, num_clips=3, frame_dir='j')
    base = SkeletonCorrupt(level='moderate', test_mode=True)(
        copy_sample(orig))
    res = SkeletonCorrupt(
        level='moderate', test_mode=True, joint_occlusion=0.5,
        occlusion_len=(2, 5))(copy_sample(orig))
    assert np.array_equal(res['frame_mask'], base['frame_mask'])
    jm = res['joint_mask']
    assert jm.shape == (48, 17) and jm.dtype == bool
    assert not (jm & ~res['frame_mask'][:, None]).any()
    occluded = res['frame_mask'][:, None] & ~jm
    assert occluded.any()
    assert not res['keypoint'][:, ~jm].any()
    assert not res['keypoint_score'][:, ~jm].any()
    assert np.array_equal(res['keypoint'][:, jm], orig['keypoint'][:, jm])
    # p=1, no frame drop: every joint hidden for one 2..5-frame span per clip
    res = SkeletonCorrupt(
        ratio=0, joint_occlusion=1., occlusion_len=(2, 5))(copy_sample(orig))
    for clip in res['joint_mask'].reshape(3, 16, 17):
        for col in clip.T:
            assert 2 <= (~col).sum() <= 5 and runs(col) == 1


def test_keep_gt():
    orig = make_sample(1, 16, 4, clip_len=16, num_clips=1)
    res = SkeletonCorrupt(level='severe', keep_gt=True)(copy_sample(orig))
    assert np.array_equal(res['keypoint_gt'], orig['keypoint'])
    assert np.array_equal(res['keypoint_score_gt'], orig['keypoint_score'])
    assert not np.array_equal(res['keypoint'], orig['keypoint'])


@pytest.mark.parametrize('kwargs', [
    dict(), dict(level='severe', ratio=0.75), dict(level='extreme'),
    dict(ratio=1.0), dict(ratio=-0.1), dict(ratio=0.5, stage='video'),
    dict(ratio=0.5, pattern='zigzag'), dict(ratio=0.5, mode='shift'),
    dict(ratio=0.5, burst_len=(0, 3)), dict(ratio=0.5, joint_occlusion=2)
])
def test_bad_arguments(kwargs):
    with pytest.raises(ValueError, match='SkeletonCorrupt'):
        SkeletonCorrupt(**kwargs)


def _bad(fault):
    res = make_sample(1, 16, 5, frame_dir='demo_val_00003', clip_len=16,
                      num_clips=1)
    if fault == '4-D':
        res['keypoint'] = res['keypoint'][0]
    elif fault == 'empty':
        res['keypoint'] = res['keypoint'][:, :0]
        res['keypoint_score'] = res['keypoint_score'][:, :0]
    elif fault == 'keypoint_score shape':
        res['keypoint_score'] = res['keypoint_score'][:, :, :4]
    elif fault == 'keypoint has NaN':
        res['keypoint'][0, 3, 2, 1] = np.nan
    elif fault == 'keypoint has NaN or inf':
        res['keypoint'][0, 3, 2, 1] = np.inf
    elif fault == 'keypoint_score has NaN':
        res['keypoint_score'][0, 1, 1] = np.nan
    elif fault == 'clip_len':
        del res['clip_len']
    elif fault == 'num_clips \\* clip_len':
        res['num_clips'] = 2
    return res


@pytest.mark.parametrize('fault', [
    '4-D', 'empty', 'keypoint_score shape', 'keypoint has NaN',
    'keypoint has NaN or inf', 'keypoint_score has NaN', 'clip_len',
    'num_clips \\* clip_len'
])
def test_malformed_input_names_sample(fault):
    with pytest.raises(ValueError, match=f"sample 'demo_val_00003'.*{fault}"):
        SkeletonCorrupt(level='severe')(_bad(fault))


def test_test_mode_requires_frame_dir():
    res = make_sample(1, 16, 5, clip_len=16, num_clips=1)
    del res['frame_dir']
    with pytest.raises(ValueError, match='frame_dir'):
        SkeletonCorrupt(level='severe', test_mode=True)(res)


def test_drop_mask_is_pure_given_rng():
    a = drop_mask(16, 0.75, 'burst', rng=np.random.default_rng(5))
    b = drop_mask(16, 0.75, 'burst', rng=np.random.default_rng(5))
    assert np.array_equal(a, b) and (~a).sum() == 12


def test_same_masks_across_processes():
    samples = [
        make_sample(2, 160, 3, frame_dir=f'proc_{i}', seed=i, clip_len=16,
                    num_clips=10) for i in range(12)
    ]
    t = SkeletonCorrupt(level='severe', pattern='burst', test_mode=True)
    single = [t(copy_sample(s))['frame_mask'] for s in samples]
    ctx = multiprocessing.get_context('spawn')
    # one spawned worker (its own hash seed and pid), given the samples in
    # reverse order: a mask depends neither on the process nor on the
    # samples it transformed before
    with ProcessPoolExecutor(1, mp_context=ctx) as pool:
        split = [r['frame_mask'] for r in pool.map(t, samples[::-1])][::-1]
    for a, b in zip(single, split):
        assert np.array_equal(a, b)
    # samples draw their own bursts (a shared mask per sample: a few of the
    # few hundred burst layouts of a 16-frame clip may repeat)
    assert len({m.tobytes() for m in single}) >= len(single) - 2
