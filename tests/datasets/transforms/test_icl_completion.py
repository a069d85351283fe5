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


def demo_clips(num_per_class=2, seed=11):
    """Severe test clips of fresh demo sequences (never seen in
    pre-training: the generator's streams are keyed by seed), the clean
    clips and their masks."""
    from mmaction.datasets.transforms import (PoseDecode, PreNormalize2D,
                                              UniformSampleFrames)

    from finetec_mm.datasets.demo_data import make_demo_annotations
    data = make_demo_annotations(0, 0, seed=seed,
                                 num_per_class_test=num_per_class)
    clean, corrupt, masks = [], [], []
    for anno in data['annotations']:
        results = dict(anno, start_index=0)
        for step in (PreNormalize2D(), UniformSampleFrames(16, 1, True),
                     PoseDecode()):
            results = step(results)
        clean.append(results['keypoint'][0].copy())
        results = SkeletonCorrupt(level='severe', test_mode=True)(results)
        corrupt.append(results['keypoint'][0])
        masks.append(results['frame_mask'])
    return np.stack(clean), np.stack(corrupt), np.stack(masks)


def missing_error(pred, gt, masks):
    return np.linalg.norm(pred - gt, axis=-1)[~masks].mean()


def test_completion_beats_linear_interpolation_on_demo_motion():
    """The committed demo checkpoint restores unseen demo motion better than
    linear interpolation, its own residual base: a network whose output
    layer is zero (it returns the interpolation) fails this test."""
    from finetec_mm.functional.gap_filling import fill_gaps
    gt, corrupt, masks = demo_clips()
    model = build_completion_model(DEMO_CKPT)
    with torch.no_grad():
        icl = model.complete(torch.from_numpy(corrupt),
                             torch.from_numpy(masks)).numpy()
    linear = np.stack([fill_gaps(c[None], m)[0][0]
                       for c, m in zip(corrupt, masks)])
    icl_error = missing_error(icl, gt, masks)
    linear_error = missing_error(linear, gt, masks)
    assert icl_error < 0.95 * linear_error, (icl_error, linear_error)
    # the same check catches a network that only interpolates
    torch.nn.init.zeros_(model.net.head.weight)
    torch.nn.init.zeros_(model.net.head.bias)
    with torch.no_grad():
        zeroed = model.complete(torch.from_numpy(corrupt),
                                torch.from_numpy(masks)).numpy()
    assert missing_error(zeroed, gt, masks) >= 0.95 * linear_error


def test_clear_errors():
    with pytest.raises(FileNotFoundError, match='does not exist'):
        ICLCompletion(checkpoint='no/such/icl.pth')
    with pytest.raises(ValueError, match='completion_checkpoint'):
        ICLCompletion(checkpoint=None)
    results = corrupted_sample(num_clips=1, clip_len=20)
    with pytest.raises(ValueError, match=r"sample 's0'.*20 frames.*16"):
        ICLCompletion(checkpoint=DEMO_CKPT)(results)
