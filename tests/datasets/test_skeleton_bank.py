"""SkeletonBank: normalisation, clip sampling, missing frames, prompts."""
import pickle

import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope

from finetec_mm.datasets import SkeletonBank
from finetec_mm.functional.corruption import num_dropped


def write_pkl(path, annos, split=None):
    split = split or dict(train=[a['frame_dir'] for a in annos])
    with open(path, 'wb') as f:
        pickle.dump(dict(split=split, annotations=annos), f)
    return str(path)


def anno(name, T=40, M=1, h=100, w=200, seed=0):
    rng = np.random.default_rng(seed)
    kp = rng.uniform(0, 1, (M, T, 17, 2)) * [w, h]
    return dict(frame_dir=name, label=0, img_shape=(h, w),
                original_shape=(h, w), total_frames=T,
                keypoint=kp.astype(np.float32),
                keypoint_score=np.ones((M, T, 17), np.float32))


def test_clips_are_normalised_and_sampled(tmp_path):
    a = anno('a', T=16)
    bank = SkeletonBank(write_pkl(tmp_path / 'b.pkl', [a]), split='train')
    assert len(bank) == 1 and bank.clips.shape == (1, 16, 17, 2)
    # T == clip_len: every frame, in order
    kp = a['keypoint'][0]
    expect = np.stack([(kp[..., 0] - 100) / 100, (kp[..., 1] - 50) / 50], -1)
    np.testing.assert_allclose(bank.clips[0], expect, rtol=1e-6)
    assert np.abs(bank.clips).max() <= 1


def test_num_clips_persons_prior_and_pool(tmp_path):
    a = anno('a', T=80, M=2)
    a['keypoint_score'][1] = 0  # absent second person: no sequence
    b = anno('b', T=8, seed=1)  # shorter than clip_len: frames repeat
    pkl = write_pkl(tmp_path / 'b.pkl', [a, b])
    bank = SkeletonBank(pkl, split='train', num_clips=3)
    assert len(bank) == 6
    assert [bank.get_data_info(i)['frame_dir'] for i in range(3)] == [
        'a', 'a#0.1', 'a#0.2']
    np.testing.assert_allclose(bank.prior(), bank.clips.mean(0), atol=1e-6)
    assert bank.pool_indices(4).tolist() == [0, 1, 3, 4]
    assert bank.pool_indices(12).tolist() == [i // 2 for i in range(12)]
    # deterministic sampling, and the global numpy RNG is left alone
    np.random.seed(5)
    x = np.random.rand()
    np.random.seed(5)
    again = SkeletonBank(pkl, split='train', num_clips=3)
    assert np.random.rand() == x
    np.testing.assert_array_equal(again.clips, bank.clips)


def test_missing_frames_interpolated_or_excluded(tmp_path):
    a, b, c = anno('a', T=16), anno('b', T=16, seed=1), anno('c', T=16)
    a['keypoint_score'][0, 3:5] = 0
    a['keypoint'][0, 3:5] = 0
    c['keypoint_score'][:] = 0  # nothing observed: always excluded
    pkl = write_pkl(tmp_path / 'b.pkl', [a, b, c],
                    split=dict(train=['a', 'b'], all=['a', 'b', 'c']))
    bank = SkeletonBank(pkl, split='train')
    assert len(bank) == 2
    assert (bank.num_filled_frames, bank.num_filled_clips) == (2, 1)
    clip = bank.clips[0]
    np.testing.assert_allclose(clip[3], clip[2] + (clip[5] - clip[2]) / 3,
                               atol=1e-6)
    ex = SkeletonBank(pkl, split='all', missing='exclude')
    assert len(ex) == 1 and ex.num_excluded_clips == 1
    assert ex.num_empty_samples == 1
    with pytest.raises(ValueError, match='split'):
        SkeletonBank(pkl, split='nope')
    with pytest.raises(FileNotFoundError):
        SkeletonBank(str(tmp_path / 'missing.pkl'))


def test_choose_prompts_is_nearest_on_observed_frames(tmp_path):
    annos = [anno(str(i), T=16, seed=i) for i in range(5)]
    bank = SkeletonBank(write_pkl(tmp_path / 'b.pkl', annos), split='train')
    query = bank.clips[[3, 1]].copy()
    mask = np.zeros((2, 16), bool)
    mask[:, :4] = True
    query[:, 4:] = 9.  # unobserved frames do not count
    assert bank.choose_prompts(query, mask).tolist() == [3, 1]
    assert bank.choose_prompts(torch.from_numpy(query),
                               torch.from_numpy(mask)).tolist() == [3, 1]


def test_items_are_packed_and_corruptible(tiny_demo_pkl):
    init_default_scope('mmaction')
    bank = SkeletonBank(
        tiny_demo_pkl, split='val', test_mode=True,
        pipeline=[dict(type='SkeletonCorrupt', level='severe',
                       test_mode=True)])
    item = bank[0]
    assert item['inputs'].shape == (16, 17, 2)
    ds = item['data_samples']
    mask = ds['frame_mask']
    assert mask.dtype == torch.bool and (~mask).sum() == num_dropped(16, .75)
    assert torch.equal(item['inputs'][mask], ds['gt_keypoint'][mask])
    assert (item['inputs'][~mask] == 0).all()
    assert torch.equal(bank[0]['data_samples']['frame_mask'], mask)
    # the class travels with the clip (per-class restoration errors)
    assert ds['label'] == bank.data_list[0]['label'] >= 0
    assert {bank[i]['data_samples']['label'] for i in range(len(bank))} \
        == set(range(24))
