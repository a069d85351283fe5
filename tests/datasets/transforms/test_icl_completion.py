"""ICLCompletion: the frozen completion network inside the pipeline."""
import glob
import os.path as osp

import numpy as np
import pytest
import torch

import finetec_mm  # noqa: F401
from finetec_mm.datasets.transforms import ICLCompletion, SkeletonCorrupt
from finetec_mm.datasets.transforms.icl_completion import \
    build_completion_model
from mmaction.registry import TRANSFORMS
from tests.utils import ROOT

(DEMO_CKPT, ) = glob.glob(osp.join(ROOT, 'checkpoints', 'icl_demo-*.pth'))


def corrupted_sample(name='s0', M=1, num_clips=2, clip_len=16, seed=0):
    rng = np.random.default_rng(seed)
    T = num_clips * clip_len
    t = np.linspace(0, 1, T)[None, :, None, None]
    kp = (0.2 * np.sin(3 * t + rng.random((M, 1, 17, 2)))).astype(np.float32)
    results = dict(frame_dir=name, keypoint=kp,
                   keypoint_score=np.full((M, T, 17), 0.9, np.float32),
                   clip_len=clip_len, num_clips=num_clips, total_frames=T)
    return SkeletonCorrupt(level='severe', test_mode=True)(results)


def test_observed_frames_kept_and_missing_frames_filled():
    results = corrupted_sample(M=2)
    mask = results['frame_mask'].copy()
    before = results['keypoint'].copy()
    out = TRANSFORMS.build(dict(type='ICLCompletion',
                                checkpoint=DEMO_CKPT))(results)
    assert out['keypoint'].shape == before.shape
    assert np.array_equal(out['keypoint'][:, mask], before[:, mask])
    assert (np.abs(out['keypoint'][:, ~mask]).sum(-1) > 0).all()
    assert np.array_equal(out['filled_mask'], np.stack([~mask, ~mask]))
    scores = out['keypoint_score']
    assert np.allclose(scores, 0.9)  # interpolated between observed 0.9s


def test_transform_equals_batched_model_path():
    """Clip by clip in the pipeline == one batch through the model (the
    path a recognizer hosting the network takes)."""
    results = corrupted_sample(num_clips=3)
    mask = results['frame_mask'].reshape(3, 16)
    clips = results['keypoint'].reshape(3, 16, 17, 2)
    out = ICLCompletion(checkpoint=DEMO_CKPT)(results)
    model = build_completion_model(DEMO_CKPT)
    with torch.no_grad():
        batched = model.complete(torch.from_numpy(clips.copy()),
                                 torch.from_numpy(mask.copy()))
    np.testing.assert_allclose(out['keypoint'].reshape(3, 16, 17, 2),
                               batched.numpy(), rtol=0, atol=1e-6)


def test_completion_is_better_than_zero_filling():
    rng = np.random.default_rng(1)
    t = np.linspace(0, 1, 16)[None, :, None, None]
    gt = (0.2 * np.sin(2 * t + rng.random((1, 1, 17, 2)))).astype(np.float32)
    results = SkeletonCorrupt(level='severe', test_mode=True)(dict(
        frame_dir='smooth', keypoint=gt.copy(),
        keypoint_score=np.ones((1, 16, 17), np.float32), clip_len=16,
        num_clips=1, total_frames=16))
    missing = ~results['frame_mask']
    zero_error = np.abs(results['keypoint'] - gt)[:, missing].mean()
    out = ICLCompletion(checkpoint=DEMO_CKPT)(results)
    error = np.abs(out['keypoint'] - gt)[:, missing].mean()
    assert error < 0.5 * zero_error


def test_clear_errors():
    with pytest.raises(FileNotFoundError, match='does not exist'):
        ICLCompletion(checkpoint='no/such/icl.pth')
    with pytest.raises(ValueError, match='completion_checkpoint'):
        ICLCompletion(checkpoint=None)
    results = corrupted_sample(num_clips=1, clip_len=20)
    with pytest.raises(ValueError, match=r"sample 's0'.*20 frames.*16"):
        ICLCompletion(checkpoint=DEMO_CKPT)(results)
