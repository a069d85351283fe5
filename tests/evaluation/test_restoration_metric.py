"""RestorationMetric: the mathematics of MPJPE, N-MPJPE and MPJVE."""
import numpy as np
import pytest
import torch

from finetec_mm.evaluation import RestorationMetric


def evaluate(samples):
    metric = RestorationMetric()
    metric.process(None, samples)
    return metric.compute_metrics(metric.results)


def clip(seed, T=6, V=3):
    return np.random.default_rng(seed).normal(size=(T, V, 2))


def test_known_values():
    gt = np.zeros((4, 2, 2))
    pred = gt.copy()
    pred[1] = [3., 4.]  # every joint of frame 1 off by 5
    mask = np.array([True, False, True, True])
    r = evaluate([dict(pred=pred, gt=gt, frame_mask=mask)])
    assert r['mpjpe'] == pytest.approx(5 / 4)
    assert r['mpjpe_missing'] == pytest.approx(5)
    # velocity errors: 5 on the pairs (0,1) and (1,2), 0 on (2,3)
    assert r['mpjve'] == pytest.approx(10 / 3)
    assert r['mpjve_missing'] == pytest.approx(5)
    # N-MPJPE: gt is 0, so s = 0 and the scaled prediction is exact
    assert r['n_mpjpe'] == pytest.approx(0)


def test_perfect_prediction_scores_zero_and_torch_inputs():
    gt = clip(0)
    r = evaluate([dict(pred=torch.from_numpy(gt), gt=torch.from_numpy(gt),
                       frame_mask=torch.tensor([1, 0, 1, 0, 0, 1]).bool())])
    assert all(v == pytest.approx(0) for v in r.values())


def test_n_mpjpe_is_scale_invariant_and_at_most_mpjpe():
    gt, noise = clip(1), 0.1 * clip(2)
    mask = np.array([1, 0, 0, 1, 0, 1], bool)
    base = evaluate([dict(pred=gt + noise, gt=gt, frame_mask=mask)])
    for s in (0.5, 2., 7.):
        r = evaluate([dict(pred=s * (gt + noise), gt=gt, frame_mask=mask)])
        assert r['n_mpjpe'] == pytest.approx(base['n_mpjpe'])
        assert r['n_mpjpe_missing'] == pytest.approx(base['n_mpjpe_missing'])
    assert base['n_mpjpe'] <= base['mpjpe']
    r = evaluate([dict(pred=3 * gt, gt=gt, frame_mask=mask)])
    assert r['n_mpjpe'] == pytest.approx(0, abs=1e-12) and r['mpjpe'] > 0


def test_mpjve_of_a_constant_offset_is_zero():
    gt = clip(3)
    r = evaluate([dict(pred=gt + [0.3, -0.2], gt=gt,
                       frame_mask=np.zeros(6, bool))])
    assert r['mpjve'] == pytest.approx(0, abs=1e-12)
    assert r['mpjve_missing'] == pytest.approx(0, abs=1e-12)
    assert r['mpjpe'] == pytest.approx(np.hypot(0.3, 0.2))


def test_masks_and_pooling_over_clips():
    gt = np.zeros((3, 1, 2))
    a = gt.copy()
    a[0] = [1., 0.]
    b = gt.copy()
    b[2] = [0., 2.]
    ma = np.array([True, True, True])  # nothing missing in a
    mb = np.array([True, True, False])
    r = evaluate([dict(pred=a, gt=gt, frame_mask=ma),
                  dict(pred=b, gt=gt, frame_mask=mb)])
    assert r['mpjpe'] == pytest.approx(3 / 6)  # joint-frames pooled
    assert r['mpjpe_missing'] == pytest.approx(2)  # only b's frame 2
    none_missing = evaluate([dict(pred=a, gt=gt, frame_mask=ma)])
    assert np.isnan(none_missing['mpjpe_missing'])
    with pytest.raises(KeyError):
        RestorationMetric().process(None, [dict(pred=a, frame_mask=ma)])
