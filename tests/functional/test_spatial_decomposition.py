# Copyright (c) FineTec authors. All rights reserved.
import numpy as np
import pytest
import torch

from finetec_mm.functional import (
    SKELETON_LAYOUTS, SequenceRandom, axis_mask, bone_rescale, crop_resize,
    decompose, frame_drop, gaussian_noise, horizontal_flip,
    interpolate_missing, joint_dropout, joint_motion, kinematic_chains,
    perturb, perturb_draws, region_scores, sample_key, split_regions,
    time_flip)

COCO = SKELETON_LAYOUTS['coco']
ARMS = [5, 6, 7, 8, 9, 10]


def gens(n, seed=0):
    """n random streams (fresh: the same numbers on every call)."""
    return SequenceRandom(range(seed, seed + n))


def body(N=2, T=16, V=17, seed=0):
    """A random-walk skeleton per sequence (smooth, non-zero)."""
    g = torch.Generator().manual_seed(seed)
    base = 0.3 * torch.rand(N, 1, V, 2, generator=g) + 0.2
    steps = 0.01 * torch.randn(N, T, V, 2, generator=g)
    return base + steps.cumsum(dim=1)


def arms_moving(N=1, T=16):
    """Only the arm joints move (sinusoids), the rest is still."""
    S = torch.zeros(N, T, 17, 2) + 0.5 + 0.01 * torch.arange(17.)[:, None]
    t = torch.arange(T, dtype=torch.float32)
    for j in ARMS:
        S[:, :, j, 0] += 0.2 * torch.sin(0.7 * t + j)
        S[:, :, j, 1] += 0.2 * torch.cos(0.5 * t + j)
    return S


# ------------------------------------------------------------------ motion
def test_joint_motion_constant_speed_and_static():
    T, v = 10, 0.3
    S = torch.zeros(1, T, 3, 2) + 1.
    t = torch.arange(T, dtype=torch.float32)
    S[0, :, 0, 0] += v * 0.6 * t  # speed 0.6v along x, 0.8v along y
    S[0, :, 0, 1] += v * 0.8 * t
    S[0, :, 1, 1] -= 2 * v * t
    m = joint_motion(S)
    assert m.shape == (1, 3)
    torch.testing.assert_close(m[0], torch.tensor([v, 2 * v, 0.]))


def test_joint_motion_mask_ignores_pairs_touching_missing():
    T = 8
    S = torch.zeros(1, T, 1, 2) + 1.
    S[0, :, 0, 0] += 0.1 * torch.arange(T, dtype=torch.float32)
    S[0, 4] = 0  # a missing frame would be a huge jump
    mask = torch.ones(1, T, dtype=torch.bool)
    mask[0, 4] = False
    torch.testing.assert_close(joint_motion(S, mask), torch.tensor([[0.1]]))
    # per-joint mask (N, T, V) works the same
    torch.testing.assert_close(joint_motion(S, mask[..., None]),
                               torch.tensor([[0.1]]))
    assert joint_motion(S)[0, 0] > 0.5  # unmasked: polluted by the zeros
    # no valid pair at all -> 0
    none = torch.zeros(1, T, dtype=torch.bool)
    assert joint_motion(S, none)[0, 0] == 0


def test_region_scores_and_top2_pick_the_arms():
    S = arms_moving(N=3)
    scores = region_scores(joint_motion(S), 'coco')
    assert scores.shape == (3, 5)
    dyn = split_regions(scores, 2)
    expected = torch.tensor([False, True, True, False, False])
    assert (dyn == expected).all()
    # region score is the mean over the region's joints
    m = joint_motion(S)
    torch.testing.assert_close(scores[:, 1], m[:, [5, 7, 9]].mean(dim=1))


def test_split_regions_ties_are_stable():
    dyn = split_regions(torch.zeros(2, 5), 2)
    assert dyn.tolist() == [[True, True, False, False, False]] * 2
    with pytest.raises(ValueError):
        split_regions(torch.zeros(1, 5), 6)


# ----------------------------------------------------------- perturbations
def test_flip_is_an_involution_about_the_centre():
    S = body(N=3)
    once = horizontal_flip(S, gens(3), prob=1.)
    twice = horizontal_flip(once, gens(3), prob=1.)
    torch.testing.assert_close(twice, S)
    centre = S[..., 0].mean(dim=(1, 2))
    torch.testing.assert_close(once[..., 0], 2 * centre[:, None, None] -
                               S[..., 0])
    assert torch.equal(once[..., 1], S[..., 1])
    torch.testing.assert_close(once[..., 0].mean(dim=(1, 2)), centre)
    assert torch.equal(horizontal_flip(S, gens(3), prob=0.), S)


def test_bone_rescale_preserves_directions_and_scales_lengths():
    S = body(N=2, T=5)
    r = 0.3
    out = bone_rescale(S, gens(2), r, COCO['parents'])
    for v, p in enumerate(COCO['parents']):
        if p < 0:
            assert torch.equal(out[:, :, v], S[:, :, v])
            continue
        old, new = S[:, :, v] - S[:, :, p], out[:, :, v] - out[:, :, p]
        ratio = new / old  # same scalar for both axes and all frames
        s = ratio[:, :1, :1]
        torch.testing.assert_close(ratio, s.expand_as(ratio), rtol=1e-4,
                                   atol=1e-4)
        assert ((s > 1 - r - 1e-5) & (s < 1 + r + 1e-5)).all()
    # scale 0 is the identity
    torch.testing.assert_close(bone_rescale(S, gens(2), 0., COCO['parents']),
                               S)


def bone_rescale_sequential(S, s, parents):
    """Reference: rebuild joint by joint from the roots outwards."""
    out = S.clone()
    done = [p < 0 for p in parents]
    while not all(done):
        for v, p in enumerate(parents):
            if not done[v] and done[p]:
                out[:, :, v] = out[:, :, p] + s[:, v, None, None] * (
                    S[:, :, v] - S[:, :, p])
                done[v] = True
    return out


@pytest.mark.parametrize('layout', ['coco', 'ntu'])
def test_bone_rescale_equals_joint_by_joint_rebuild(layout):
    parents = SKELETON_LAYOUTS[layout]['parents']
    V = len(parents)
    S = body(N=3, T=7, V=V, seed=4)
    out = bone_rescale(S, gens(3, seed=9), 0.25, parents)
    s = 1 + 0.25 * (2 * gens(3, seed=9).uniform((V, ), S) - 1)
    torch.testing.assert_close(out, bone_rescale_sequential(S, s, parents),
                               rtol=1e-5, atol=1e-6)


def test_kinematic_chains():
    chain, root = kinematic_chains(SKELETON_LAYOUTS['coco']['parents'])
    # left wrist 9 <- elbow 7 <- shoulder 5 <- nose 0 (root)
    assert chain[9].nonzero().flatten().tolist() == [5, 7, 9]
    assert not chain[0].any() and (root == 0).all()
    chain, root = kinematic_chains([-1, 0, -1, 2])  # two trees
    assert root.tolist() == [0, 0, 2, 2]
    assert chain.nonzero().tolist() == [[1, 1], [3, 3]]
    with pytest.raises(ValueError, match='cycle'):
        kinematic_chains([1, 2, 0])
    with pytest.raises(ValueError, match='does not exist'):
        kinematic_chains([-1, 5])


def test_perturb_draws_counts_what_perturb_reads():
    S = body(N=2, T=8)
    for cfg in (dict(noise_std=0.1), dict(bone_scale=0.2, dropout_prob=0.1),
                dict(crop_ratio=(0.5, 1.), drop_ratio=0.2, flip_prob=0.5,
                     time_flip_prob=0.5, axis_mask_prob=0.5),
                dict(crop_ratio=(1, 1))):
        rng = gens(2)
        perturb(S, rng, cfg, SKELETON_LAYOUTS['coco']['parents'])
        assert rng.offset == perturb_draws(cfg, 8, 17, 2)
    assert perturb_draws(dict(crop_ratio=(1, 1)), 8, 17, 2) == 0


def test_time_flip_reverses():
    S = body(N=2)
    assert torch.equal(time_flip(S, gens(2), 1.), S.flip(1))
    assert torch.equal(time_flip(S, gens(2), 0.), S)


def test_noise_has_the_requested_std():
    S = torch.zeros(4, 64, 17, 2)
    out = gaussian_noise(S, gens(4), 0.05)
    assert abs(out.std().item() - 0.05) < 0.003
    assert abs(out.mean().item()) < 0.003


def test_axis_mask_zeros_exactly_one_axis():
    S = body(N=8)
    out = axis_mask(S, gens(8), prob=1.)
    for n in range(8):
        zero = [(out[n, ..., c] == 0).all().item() for c in range(2)]
        assert sum(zero) == 1
        kept = zero.index(False)
        assert torch.equal(out[n, ..., kept], S[n, ..., kept])
    assert torch.equal(axis_mask(S, gens(8), prob=0.), S)


def test_crop_resize_full_range_is_identity_and_stays_in_range():
    S = body(N=2)
    torch.testing.assert_close(crop_resize(S, gens(2), (1., 1.)), S)
    # a linear trajectory stays linear (resampling is linear in time)
    T = 16
    lin = torch.arange(T, dtype=torch.float32).view(1, T, 1, 1).expand(
        3, T, 17, 2).contiguous()
    out = crop_resize(lin, gens(3), (0.5, 0.8))
    d = out[:, 1:] - out[:, :-1]
    torch.testing.assert_close(d, d[:, :1].expand_as(d))
    span = out[:, -1] - out[:, 0]
    assert ((span >= 0.5 * (T - 1) - 1e-4) & (span <= 0.8 * (T - 1) + 1e-4)
            ).all()
    assert (out >= 0).all() and (out <= T - 1).all()


def test_frame_drop_reinterpolates_linear_motion_exactly():
    T = 16
    lin = torch.arange(T, dtype=torch.float32).view(1, T, 1, 1) * torch.ones(
        4, T, 17, 2)
    out = frame_drop(lin, gens(4), 0.5)
    # interior drops are recovered exactly; border drops copy the nearest
    d = out[:, 1:] - out[:, :-1]
    assert ((d == 0) | (d - 1).abs().lt(1e-5)).all()
    assert torch.equal(frame_drop(lin, gens(4), 0.), lin)
    # on a curved trajectory about `ratio` of the frames change
    quad = lin**2
    changed = (frame_drop(quad, gens(4), 0.5) != quad).any(-1).any(-1)
    assert 0.2 < changed.float().mean() < 0.6


def test_joint_dropout_zeroes_joint_frames():
    S = body(N=2, T=32)
    out = joint_dropout(S, gens(2), 0.3)
    dropped = (out == 0).all(-1)
    assert 0.2 < dropped.float().mean() < 0.4
    assert torch.equal(out[~dropped], S[~dropped])


def test_interpolate_missing():
    T = 6
    S = torch.arange(T, dtype=torch.float32).view(1, T, 1, 1).expand(
        1, T, 2, 2).clone()
    valid = torch.tensor([[0, 1, 0, 0, 1, 0]], dtype=torch.bool)
    S[0, ~valid[0]] = 0
    out = interpolate_missing(S, valid)
    assert out[0, :, 0, 0].tolist() == [1, 1, 2, 3, 4, 4]
    none = torch.zeros(1, T, dtype=torch.bool)
    assert torch.equal(interpolate_missing(S, none), S)


# --------------------------------------------------------------- decompose
def test_decompose_touches_only_the_right_regions():
    S = arms_moving(N=2)
    dyna, stat, dyn = decompose(S, 'coco', gens(2))
    assert dyn.shape == (2, 5)
    assert (dyn == torch.tensor([False, True, True, False, False])).all()
    changed_d = (dyna != S).any(dim=-1).any(dim=1)  # N, V
    changed_s = (stat != S).any(dim=-1).any(dim=1)
    arm = torch.zeros(17, dtype=torch.bool)
    arm[ARMS] = True
    assert not changed_d[:, ~arm].any() and changed_d[:, arm].all()
    assert not changed_s[:, arm].any() and changed_s[:, ~arm].all()


def test_decompose_keeps_missing_frames_and_joints_zero():
    S = body(N=3)
    S[:, [2, 3, 9]] = 0  # missing frames
    S[1, 5, 7] = 0  # an occluded joint
    S[2] = 0  # an all-missing clip
    missing = (S == 0).all(-1)
    dyna, stat, _ = decompose(S, 'coco', gens(3),
                              strong_cfg=dict(noise_std=0.5))
    for out in (dyna, stat):
        assert (out[missing] == 0).all()
        assert torch.isfinite(out).all()
    assert torch.equal(dyna[2], S[2]) and torch.equal(stat[2], S[2])


def test_decompose_ntu_layout_and_custom_regions():
    S = body(N=2, V=25)
    dyna, stat, dyn = decompose(S, 'ntu', gens(2))
    assert dyna.shape == S.shape and dyn.shape == (2, 5)
    assert dyn.sum(1).tolist() == [2, 2]
    regions = [[0, 1], [2, 3], [4, 5]]
    S6 = body(N=1, V=6)
    dyna, stat, dyn = decompose(S6, regions, gens(1), num_dynamic=1,
                                parents=[-1, 0, 1, 2, 3, 4])
    assert dyn.shape == (1, 3) and dyn.sum() == 1
    with pytest.raises(ValueError, match='parents'):
        decompose(S6, regions, gens(1))
    with pytest.raises(ValueError, match='unknown perturbation'):
        decompose(S, 'ntu', gens(2), strong_cfg=dict(foo=1))
    with pytest.raises(ValueError, match='random stream'):
        decompose(S, 'ntu', gens(1))


def test_sample_generators_are_deterministic_per_sample():
    S = body(N=1)

    def run(sid, clip=0, person=0):
        g = SequenceRandom([sample_key(sid, clip, 0, person)])
        return decompose(S, 'coco', g)

    a, b, c = run('vid_a'), run('vid_a'), run('vid_b')
    assert all(torch.equal(x, y) for x, y in zip(a, b))
    assert not torch.equal(a[0], c[0])
    assert not torch.equal(a[0], run('vid_a', clip=1)[0])
    assert not torch.equal(a[0], run('vid_a', person=1)[0])


def test_batched_equals_per_sequence():
    S = body(N=6, seed=3)
    S[1, 4:7] = 0
    ids = ['x', 'y', 'z']
    batched = decompose(S, 'coco', SequenceRandom.for_samples(ids, 2, 1, 7))
    for i in range(6):
        one = decompose(S[i:i + 1], 'coco',
                        SequenceRandom([sample_key(ids[i // 2], i % 2, 7)]))
        for full, part in zip(batched, one):
            assert torch.equal(full[i:i + 1], part)


def test_training_generators_follow_numpy_seed():
    S = body(N=2)
    np.random.seed(5)
    a = decompose(S, 'coco', SequenceRandom.from_numpy(2))
    np.random.seed(5)
    b = decompose(S, 'coco', None)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
