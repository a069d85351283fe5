"""TestTimePerturb: noise level, drop counts, determinism, and where
``test_time_perturb`` puts it in the resolved test pipelines."""
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config

from finetec_mm.datasets.transforms import (GapFill, SkeletonCorrupt,
                                            TestTimePerturb, bbox_size,
                                            insert_perturbation)
from finetec_mm.engine import recompose
from tests.utils import ROOT

V = 17


def skeleton(T, side=0.4, M=1, seed=0):
    """(M, T, V, 2) joints in a box whose larger side is exactly ``side``
    in every frame (joints 0 / 1 span x; y spans at most side / 2), scores
    0.9."""
    rng = np.random.default_rng(seed)
    kp = np.empty((M, T, V, 2), np.float32)
    kp[..., 0] = rng.uniform(0, side, (M, T, V))
    kp[..., 1] = rng.uniform(0, side / 2, (M, T, V))
    kp[:, :, 0, 0], kp[:, :, 1, 0] = 0, side
    kp += rng.uniform(-0.5, 0.5, (M, T, 1, 2)).astype(np.float32)  # moves
    return kp, np.full((M, T, V), 0.9, np.float32)


def sample(name='clip_a', T=64, clip_len=16, missing=(), **kw):
    kp, score = skeleton(T, **kw)
    kp[:, list(missing)] = 0
    score[:, list(missing)] = 0
    return dict(frame_dir=name, keypoint=kp, keypoint_score=score,
                clip_len=clip_len, num_clips=T // clip_len)


def test_bbox_size_per_person_and_frame():
    kp, score = skeleton(5, side=0.3, M=2)
    vis = score > 0
    np.testing.assert_allclose(bbox_size(kp, vis), 0.3, rtol=1e-5)
    vis[0, 2, :] = False
    vis[1, 3, 1:] = False  # a single joint: no extent
    size = bbox_size(kp, vis)
    assert size[0, 2] == 0 and size[1, 3] == 0


@pytest.mark.parametrize('unit,level,side', [('bbox', 0.03, 0.4),
                                             ('bbox', 0.01, 1.2),
                                             ('normalised', 0.02, 0.4)])
def test_noise_std_matches_level(unit, level, side):
    missing = (3, 17, 40)
    results = sample(T=320, clip_len=32, missing=missing, side=side)
    kp, score = results['keypoint'].copy(), results['keypoint_score'].copy()
    score[0, 5, 7] = 0  # one undetected joint in a present frame
    results['keypoint_score'] = score.copy()
    out = TestTimePerturb(noise=level, noise_unit=unit)(results)
    diff = (out['keypoint'] - kp).astype(np.float64)
    seen = score > 0
    expected = level * side if unit == 'bbox' else level
    n = seen.sum() * 2
    assert n > 10000
    std = diff[seen].std()
    assert abs(std / expected - 1) < 0.05, (std, expected)
    assert abs(diff[seen].mean()) < 4 * expected / np.sqrt(n)
    assert np.all(diff[~seen] == 0)  # missing joints / frames untouched
    assert np.all(out['keypoint'][:, list(missing)] == 0)
    np.testing.assert_array_equal(out['keypoint_score'], score)
    assert not out['perturb_dropped'].any()


def test_drop_counts_only_present_frames():
    missing = (0, 1, 2, 5, 16, 17, 33, 50, 51, 52, 53, 54, 55, 56, 57)
    results = sample(T=64, clip_len=16, missing=missing)
    kp = results['keypoint'].copy()
    out = TestTimePerturb(drop=0.3)(results)
    dropped = out['perturb_dropped']
    present = np.ones(64, bool)
    present[list(missing)] = False
    assert not (dropped & ~present).any(), 'touched an absent frame'
    for k in range(4):
        clip = slice(16 * k, 16 * (k + 1))
        n = int(present[clip].sum())
        assert int(dropped[clip].sum()) == int(np.floor(0.3 * n + 0.5)), k
    assert np.all(out['keypoint'][:, dropped] == 0)
    assert np.all(out['keypoint_score'][:, dropped] == 0)
    kept = present & ~dropped
    np.testing.assert_array_equal(out['keypoint'][:, kept], kp[:, kept])
    assert np.all(out['keypoint'][:, ~present] == 0)


def test_drop_keeps_min_keep_frames_per_clip():
    results = sample(T=32, clip_len=16,
                     missing=[t for t in range(16) if t not in (4, 9)])
    out = TestTimePerturb(drop=0.9)(results)
    assert out['perturb_dropped'][:16].sum() == 1  # 2 present, 1 kept
    assert out['perturb_dropped'][16:].sum() == 14  # round(0.9 * 16)


def test_deterministic_per_frame_dir_in_test_mode():
    def run(name):
        return TestTimePerturb(noise=0.05, drop=0.3, seed=1)(sample(name))

    a, b = run('clip_a'), run('clip_a')
    np.testing.assert_array_equal(a['keypoint'], b['keypoint'])
    np.testing.assert_array_equal(a['perturb_dropped'], b['perturb_dropped'])
    others = [run(f'clip_{i}') for i in range(5)]
    assert not all(np.array_equal(a['perturb_dropped'], o['perturb_dropped'])
                   for o in others)
    assert not any(np.allclose(a['keypoint'], o['keypoint']) for o in others)
    c = TestTimePerturb(noise=0.05, drop=0.3, seed=2)(sample('clip_a'))
    assert not np.array_equal(a['keypoint'], c['keypoint'])
    # the drops do not depend on the noise level
    d = TestTimePerturb(drop=0.3, seed=1)(sample('clip_a'))
    np.testing.assert_array_equal(a['perturb_dropped'], d['perturb_dropped'])


def test_frame_mask_is_updated_so_gap_fill_fills_new_gaps():
    results = sample('clip_b', T=32, clip_len=16)
    results = SkeletonCorrupt(level='moderate', test_mode=True)(results)
    before = results['frame_mask'].copy()
    results = TestTimePerturb(drop=0.5)(results)
    dropped = results['perturb_dropped']
    assert dropped.sum() == 8 and not (dropped & ~before).any()
    np.testing.assert_array_equal(results['frame_mask'], before & ~dropped)
    results = GapFill('linear')(results)
    np.testing.assert_array_equal(results['filled_mask'], ~before | dropped)
    assert (results['keypoint_score'][:, dropped] > 0).all()


def test_argument_and_input_errors():
    for kwargs in (dict(drop=1.0), dict(drop=-0.1), dict(noise=-1),
                   dict(noise_unit='pixels')):
        with pytest.raises(ValueError, match='TestTimePerturb'):
            TestTimePerturb(**kwargs)
    results = sample()
    del results['frame_dir']
    with pytest.raises(ValueError, match='frame_dir'):
        TestTimePerturb(noise=0.01)(results)
    results = sample('bad_clip')
    results['keypoint'][0, 3, 2, 0] = np.nan
    with pytest.raises(ValueError, match="sample 'bad_clip'.*NaN"):
        TestTimePerturb(noise=0.01)(results)
    TestTimePerturb(noise=0.01, test_mode=False)(sample())  # np.random


def resolved(config, **options):
    cfg = Config.fromfile(osp.join(ROOT, 'configs', config))
    cfg.merge_from_dict(options)
    recompose(cfg)
    recompose(cfg)  # idempotent
    return cfg


def types(cfg, loader='test_dataloader'):
    return [s['type'] for s in cfg[loader].dataset.pipeline]


@pytest.mark.parametrize('config,before,after', [
    ('finetec_demo_severe.py', 'SkeletonCorrupt', 'GenSkeFeat'),
    ('finetec_demo_severe_pipeline.py', 'SkeletonCorrupt', 'ICLCompletion'),
    ('stgcn_demo_severe_interp.py', 'SkeletonCorrupt', 'GapFill'),
    ('stgcn_demo_clean.py', 'PoseDecode', 'GenSkeFeat'),
])
def test_inserted_before_restoration(config, before, after):
    cfg = resolved(config, **{'test_time_perturb.drop': 0.1})
    steps = types(cfg)
    assert steps.count('TestTimePerturb') == 1
    i = steps.index('TestTimePerturb')
    assert steps[i - 1] == before and steps[i + 1] == after, steps
    step = cfg.test_dataloader.dataset.pipeline[i]
    assert step['drop'] == 0.1 and step['test_mode'] is True
    assert 'TestTimePerturb' not in types(cfg, 'val_dataloader')
    assert 'TestTimePerturb' not in types(cfg, 'train_dataloader')


def test_frozen_pipeline_and_no_op_settings():
    cfg = resolved('stgcn_demo_severe_interp.py', frozen=True,
                   test_time_perturb=dict(noise=0.02))
    steps = types(cfg)
    i = steps.index('TestTimePerturb')
    assert steps[i - 1] == 'ApplyFrozenMask' and steps[i + 1] == 'GapFill'
    for perturb in (None, dict(noise=0, drop=0)):
        cfg = resolved('stgcn_demo_clean.py', test_time_perturb=perturb)
        assert 'TestTimePerturb' not in types(cfg)
    with pytest.raises(ValueError, match='restores missing frames'):
        insert_perturbation([dict(type='PoseDecode'), dict(type='GapFill'),
                             dict(type='SkeletonCorrupt')], dict(drop=0.1))
    with pytest.raises(ValueError, match='PoseDecode'):
        insert_perturbation([dict(type='GenSkeFeat')], dict(drop=0.1))
