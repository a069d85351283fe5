# Copyright (c) FineTec authors. All rights reserved.
import copy

import numpy as np
import pytest
import torch
from mmaction.registry import TRANSFORMS

import finetec_mm  # noqa: F401
from finetec_mm.datasets.transforms import (DecompositionAugment,
                                            SkeletonCorrupt)
from finetec_mm.functional import SequenceRandom, decompose


def sample(name='vid_0', M=1, num_clips=2, clip_len=16, V=17, seed=0):
    rng = np.random.default_rng(seed)
    T = num_clips * clip_len
    kp = 0.3 + 0.01 * rng.standard_normal((M, T, V, 2)).cumsum(axis=1)
    return dict(frame_dir=name, keypoint=kp.astype(np.float32),
                keypoint_score=np.ones((M, T, V), np.float32),
                clip_len=clip_len, num_clips=num_clips, total_frames=T)


def test_registered_and_shapes():
    t = TRANSFORMS.build(dict(type='DecompositionAugment', test_mode=True))
    assert isinstance(t, DecompositionAugment)
    res = sample(M=2, num_clips=3)
    base = res['keypoint'].copy()
    out = t(res)
    assert out['keypoint'].shape == (2, 48, 17, 6)
    assert out['keypoint'].dtype == np.float32
    assert np.array_equal(out['keypoint'][..., :2], base)
    assert out['keypoint_score'].shape == (2, 48, 17)
    assert out['dynamic_regions'].shape == (3, 2, 5)
    assert out['dynamic_regions'].dtype == bool
    assert (out['dynamic_regions'].sum(-1) == 2).all()
    assert 'DecompositionAugment' in repr(t)


def test_format_gcn_input_gives_seven_channels():
    res = DecompositionAugment(test_mode=True)(sample(num_clips=2))
    fmt = TRANSFORMS.build(dict(type='FormatGCNInput', num_person=1))
    out = fmt(res)
    assert out['keypoint'].shape == (2, 1, 16, 17, 7)
    assert np.array_equal(out['keypoint'][..., 6], np.ones((2, 1, 16, 17)))


@pytest.mark.parametrize('streams', [('base', 'dyna'), ('base', 'stat'),
                                     ('stat', )])
def test_stream_subsets_are_slices_of_the_full_output(streams):
    full = DecompositionAugment(test_mode=True)(sample())['keypoint']
    part = DecompositionAugment(test_mode=True, streams=streams)(
        sample())['keypoint']
    index = dict(base=0, dyna=1, stat=2)
    expected = np.concatenate(
        [full[..., 2 * index[s]:2 * index[s] + 2] for s in streams], -1)
    assert np.array_equal(part, expected)
    with pytest.raises(ValueError, match='streams'):
        DecompositionAugment(streams=('base', 'motion'))


def test_test_mode_copies_s_base_by_default():
    """The test path perturbs nothing: S_dyna = S_stat = S_base."""
    out = DecompositionAugment(test_mode=True)(sample('a'))['keypoint']
    assert np.array_equal(out[..., 2:4], out[..., :2])
    assert np.array_equal(out[..., 4:6], out[..., :2])


def test_test_perturb_is_deterministic_per_sample():
    t = DecompositionAugment(test_mode=True, test_perturb=True)
    a = t(sample('a'))['keypoint']
    b = t(sample('a'))['keypoint']
    c = t(sample('b'))['keypoint']
    assert np.array_equal(a, b)
    assert not np.array_equal(a[..., 2:], c[..., 2:])
    d = DecompositionAugment(test_mode=True, test_perturb=True,
                             seed=1)(sample('a'))['keypoint']
    assert not np.array_equal(a[..., 2:], d[..., 2:])


def test_training_mode_follows_numpy_global_seed():
    t = DecompositionAugment()
    np.random.seed(0)
    a = t(sample())['keypoint']
    np.random.seed(0)
    b = t(sample())['keypoint']
    c = t(sample())['keypoint']
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_missing_frames_stay_zero_after_corruption():
    res = SkeletonCorrupt(level='severe', test_mode=True)(sample())
    missing = ~res['frame_mask']
    assert missing.sum() == 24
    out = DecompositionAugment(test_mode=True, test_perturb=True,
                               strong=dict(noise_std=0.3))(res)
    assert (out['keypoint'][:, missing] == 0).all()
    assert (out['keypoint_score'][:, missing] == 0).all()
    assert np.isfinite(out['keypoint']).all()


def test_pipeline_equals_batched_model_path():
    names = ['s0', 's1', 's2']
    t = DecompositionAugment(test_mode=True, test_perturb=True, seed=3)
    fmt = TRANSFORMS.build(dict(type='FormatGCNInput', num_person=2))
    outs = []
    for i, n in enumerate(names):
        res = SkeletonCorrupt(level='moderate', test_mode=True)(
            sample(n, M=2, num_clips=2, seed=i))
        outs.append(fmt(t(res))['keypoint'])
    batch = torch.from_numpy(np.stack(outs))  # B, nc, M, T, V, 7
    B, nc, M, T, V, _ = batch.shape
    base = batch[..., :2].reshape(B * nc * M, T, V, 2)
    gens = SequenceRandom.for_samples(names, nc, M, seed=3)
    dyna, stat, _ = decompose(base, 'coco', gens)
    assert torch.equal(dyna, batch[..., 2:4].reshape(-1, T, V, 2))
    assert torch.equal(stat, batch[..., 4:6].reshape(-1, T, V, 2))


def test_padded_person_does_not_change_real_person():
    res = DecompositionAugment(test_mode=True, test_perturb=True)(sample('p', M=1))
    fmt = TRANSFORMS.build(dict(type='FormatGCNInput', num_person=2))
    kp = torch.from_numpy(fmt(copy.deepcopy(res))['keypoint'])
    base = kp[..., :2].reshape(-1, 16, 17, 2)  # (clip, person) order
    gens = SequenceRandom.for_samples(['p'], 2, 2)
    dyna, _, _ = decompose(base, 'coco', gens)
    assert torch.equal(dyna, kp[..., 2:4].reshape(-1, 16, 17, 2))
    assert (dyna.reshape(2, 2, 16, 17, 2)[:, 1] == 0).all()


@pytest.mark.parametrize('fault,edit', [
    ('4-D', lambda r: r.update(keypoint=r['keypoint'][0])),
    ('C = 2', lambda r: r.update(keypoint=np.zeros((1, 32, 17, 3)))),
    ('NaN', lambda r: r['keypoint'].__setitem__((0, 0, 0, 0), np.nan)),
    ('keypoint_score shape',
     lambda r: r.update(keypoint_score=np.ones((1, 32, 16)))),
    ('num_clips', lambda r: r.update(clip_len=10)),
    ('does not fit', lambda r: r.update(keypoint=np.ones((1, 32, 12, 2)),
                                        keypoint_score=np.ones((1, 32, 12)))),
])
def test_errors_name_the_sample(fault, edit):
    res = sample('bad_sample')
    edit(res)
    with pytest.raises(ValueError, match=f"'bad_sample'.*{fault}"):
        DecompositionAugment(test_mode=True)(res)


def test_test_mode_needs_frame_dir_and_config_errors():
    res = sample()
    del res['frame_dir']
    with pytest.raises(ValueError, match='frame_dir'):
        DecompositionAugment(test_mode=True)(res)
    with pytest.raises(ValueError, match='unknown perturbation'):
        DecompositionAugment(strong=dict(blur=1))
    with pytest.raises(ValueError, match='regions'):
        DecompositionAugment(regions='smpl')
    with pytest.raises(ValueError, match='parents'):
        DecompositionAugment(regions=[[0, 1], [2, 3]], num_dynamic=1)
    t = DecompositionAugment(regions='ntu', test_mode=True)
    out = t(sample(V=25))
    assert out['keypoint'].shape == (1, 32, 25, 6)
