import numpy as np
import pytest

from finetec_mm.datasets.transforms import (ApplyFrozenMask, LoadFrozenClips,
                                            SkeletonCorrupt)
from mmaction.datasets.transforms import PoseDecode


def frozen_sample(num_clips=3, clip_len=8, num_person=2, seed=0, **extra):
    """A frozen annotation: dropped frames already 0 in the file."""
    rng = np.random.default_rng(seed)
    T = num_clips * clip_len
    mask = rng.random(T) < 0.5
    kp = rng.uniform(1, 1000, (num_person, T, 17, 2)).astype(np.float32)
    score = rng.uniform(0.1, 1, (num_person, T, 17)).astype(np.float32)
    kp[:, ~mask], score[:, ~mask] = 0, 0
    sample = dict(frame_dir='vid_7', label=3, total_frames=T, keypoint=kp,
                  keypoint_score=score, frame_mask=mask, clip_len=clip_len,
                  num_clips=num_clips)
    sample.update(extra)
    return sample


def test_load_frozen_clips_selects_every_stored_frame():
    sample = frozen_sample()
    kp = sample['keypoint'].copy()
    out = LoadFrozenClips()(sample)
    assert out['frame_inds'].dtype == np.int32
    assert np.array_equal(out['frame_inds'], np.arange(24))
    assert (out['clip_len'], out['num_clips']) == (8, 3)
    out = PoseDecode()(out)
    assert np.array_equal(out['keypoint'], kp)


@pytest.mark.parametrize('change,message', [
    (dict(frame_mask=np.ones(23, bool)), r'frame_mask shape \(23,\)'),
    (dict(frame_mask=np.ones(24, np.uint8)), 'must be bool'),
    (dict(total_frames=30), r'num_clips \* clip_len'),
    (dict(clip_len=None), r"missing \['clip_len'\]"),
    (dict(frame_mask=None), r"missing \['frame_mask'\]"),
])
@pytest.mark.parametrize('transform', [LoadFrozenClips, ApplyFrozenMask])
def test_frozen_transforms_reject_bad_samples(transform, change, message):
    sample = frozen_sample()
    sample.update(change)
    sample = {k: v for k, v in sample.items() if v is not None}
    with pytest.raises(ValueError, match=message) as err:
        transform()(sample)
    assert f"{transform.__name__}: sample 'vid_7'" in str(err.value)


def test_load_frozen_clips_checks_keypoint_length():
    sample = frozen_sample()
    sample['keypoint'] = sample['keypoint'][:, :16]
    with pytest.raises(ValueError, match="'vid_7': keypoint has 16 frames"):
        LoadFrozenClips()(sample)


def test_apply_frozen_mask_honours_the_mask():
    sample = frozen_sample()
    mask = sample['frame_mask'].copy()
    # what PreNormalize2D does to the stored zeros: (-1, -1)
    sample['keypoint'] = sample['keypoint'] / 500 - 1
    kept = sample['keypoint'][:, mask].copy()
    out = ApplyFrozenMask()(LoadFrozenClips()(sample))
    assert out['keypoint'].dtype == np.float32
    assert not out['keypoint'][:, ~mask].any()
    assert not out['keypoint_score'][:, ~mask].any()
    assert np.array_equal(out['keypoint'][:, mask], kept)
    assert out['keypoint_score'][:, mask].all()
    assert out['frame_mask'].dtype == bool
    assert np.array_equal(out['frame_mask'], mask)
    assert 'joint_mask' not in out


def test_apply_frozen_mask_with_joint_mask():
    rng = np.random.default_rng(1)
    joint_mask = rng.random((24, 17)) < 0.7
    sample = frozen_sample(joint_mask=joint_mask)
    visible = sample['frame_mask'][:, None] & joint_mask
    sample['keypoint'] += 5  # nothing zero any more
    out = ApplyFrozenMask()(sample)
    assert np.array_equal(out['joint_mask'], visible)
    assert np.array_equal(out['keypoint'][..., 0] != 0,
                          np.broadcast_to(visible, (2, 24, 17)))
    assert np.array_equal(out['keypoint_score'] != 0,
                          np.broadcast_to(visible, (2, 24, 17)))


def test_apply_frozen_mask_reproduces_skeleton_corrupt():
    """Re-applying the mask SkeletonCorrupt wrote changes nothing."""
    sample = frozen_sample(seed=4)
    sample['keypoint'] += 1
    sample['keypoint_score'] += 0.5
    corrupt = SkeletonCorrupt(level='severe', test_mode=True)(
        {k: v for k, v in sample.items() if k != 'frame_mask'})
    again = ApplyFrozenMask()(dict(corrupt))
    assert (corrupt['frame_mask'].reshape(3, 8).sum(1) == 2).all()
    for key in ('keypoint', 'keypoint_score', 'frame_mask'):
        assert np.array_equal(again[key], corrupt[key])
