"""RestorationMetric: the mathematics of MPJPE, N-MPJPE and MPJVE."""
import numpy as np
import pytest
import torch

from finetec_mm.evaluation import RestorationMetric
from finetec_mm.evaluation.restoration_metric import restoration_sums

V = 17  # COCO-17: the root is the centre of the hips (11, 12)


def evaluate(samples, **kwargs):
    metric = RestorationMetric(**kwargs)
    metric.process(None, samples)
    return metric.compute_metrics(metric.results)


def clip(seed, T=6, offset=0.):
    """A clip of 17 joints away from the origin (root far from 0)."""
    return np.random.default_rng(seed).normal(size=(T, V, 2)) * 0.2 + offset


def test_known_values():
    gt = np.zeros((4, V, 2))
    pred = gt.copy()
    pred[1] = [3., 4.]  # every joint of frame 1 off by 5
    mask = np.array([True, False, True, True])
    r = evaluate([dict(pred=pred, gt=gt, frame_mask=mask)])
    assert r['mpjpe'] == pytest.approx(5 / 4)
    assert r['mpjpe_missing'] == pytest.approx(5)
    # velocity errors: 5 on the pairs (0,1) and (1,2), 0 on (2,3)
    assert r['mpjve'] == pytest.approx(10 / 3)
    assert r['mpjve_missing'] == pytest.approx(5)
    # N-MPJPE: a pure translation of a frame relative to the true root is a
    # constant offset of every joint; with gt all at its root the fitted
    # scale is 0 and the root-relative error vanishes.
    assert r['n_mpjpe'] == pytest.approx(0)


def test_perfect_prediction_scores_zero_and_torch_inputs():
    gt = clip(0)
    r = evaluate([dict(pred=torch.from_numpy(gt), gt=torch.from_numpy(gt),
                       frame_mask=torch.tensor([1, 0, 1, 0, 0, 1]).bool())])
    assert all(v == pytest.approx(0) for v in r.values())


def test_n_mpjpe_invariant_to_a_common_translation():
    gt, noise = clip(1, offset=0.3), 0.05 * clip(2)
    mask = np.array([1, 0, 0, 1, 0, 1], bool)
    base = evaluate([dict(pred=gt + noise, gt=gt, frame_mask=mask)])
    for shift in ([0.5, 0.5], [-0.7, 0.2], [3., -1.]):
        r = evaluate([dict(pred=gt + noise + shift, gt=gt + shift,
                           frame_mask=mask)])
        for key in ('n_mpjpe', 'n_mpjpe_missing', 'mpjpe', 'mpjve'):
            assert r[key] == pytest.approx(base[key], rel=1e-9)


def test_scaled_prediction_about_a_nonzero_root_scores_zero():
    gt = clip(3, offset=[0.4, -0.3])
    root = gt[:, [11, 12]].mean(1, keepdims=True)
    mask = np.array([1, 0, 0, 1, 0, 0], bool)
    for s in (0.5, 1.7, 3.):
        pred = root + s * (gt - root)
        r = evaluate([dict(pred=pred, gt=gt, frame_mask=mask)])
        assert r['n_mpjpe'] == pytest.approx(0, abs=1e-12)
        assert r['n_mpjpe_missing'] == pytest.approx(0, abs=1e-12)
        assert r['mpjpe'] > 0.01
    # scaling about the image centre (the old definition) is not forgiven
    # once the body is off-centre and the prediction is also shifted
    r = evaluate([dict(pred=2 * gt + 0.1, gt=gt, frame_mask=mask)])
    assert r['n_mpjpe'] > 0.01


def test_n_mpjpe_at_most_mpjpe_for_small_errors():
    gt, noise = clip(4, offset=0.2), 0.05 * clip(5)
    r = evaluate([dict(pred=gt + noise, gt=gt, frame_mask=np.zeros(6, bool))])
    assert r['n_mpjpe'] <= r['mpjpe'] + 1e-12


@pytest.mark.parametrize('img_shape', [(1080, 1920), (480, 640), (900, 300)])
def test_same_pixel_error_along_x_and_y(img_shape):
    """PreNormalize2D divides x by w/2 and y by h/2; the metric must count a
    displacement of d pixels the same along either axis (2 d / h)."""
    h, w = img_shape
    d = 12.0  # pixels
    gt = clip(6, offset=0.1)
    mask = np.array([1, 0, 1, 0, 1, 0], bool)
    dx = gt.copy()
    dx[..., 0] += d / (w / 2)
    dy = gt.copy()
    dy[..., 1] += d / (h / 2)
    rx = evaluate([dict(pred=dx, gt=gt, frame_mask=mask, img_shape=img_shape)])
    ry = evaluate([dict(pred=dy, gt=gt, frame_mask=mask, img_shape=img_shape)])
    assert rx['mpjpe'] == pytest.approx(ry['mpjpe'])
    assert rx['mpjpe'] == pytest.approx(2 * d / h)


def test_mpjve_of_a_constant_offset_is_zero():
    gt = clip(7)
    r = evaluate([dict(pred=gt + [0.3, -0.2], gt=gt,
                       frame_mask=np.zeros(6, bool))])
    assert r['mpjve'] == pytest.approx(0, abs=1e-12)
    assert r['mpjve_missing'] == pytest.approx(0, abs=1e-12)
    assert r['mpjpe'] == pytest.approx(np.hypot(0.3, 0.2))


def test_masks_and_pooling_over_clips():
    gt = np.zeros((3, V, 2))
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


def test_root_joints_must_exist():
    gt = np.zeros((3, 5, 2))
    with pytest.raises(ValueError, match='root joints'):
        restoration_sums(gt, gt, np.ones(3, bool))
    r = evaluate([dict(pred=gt + 1, gt=gt, frame_mask=np.ones(3, bool))],
                 root_joints=(0, 1))
    assert r['mpjpe'] == pytest.approx(np.sqrt(2))


def test_per_label_errors():
    gt = np.zeros((4, V, 2))
    off1, off2 = gt.copy(), gt.copy()
    off1[1] = [3., 4.]  # label 0: 5 on its missing frame
    off2[2:] = [0., 1.]  # label 7: 1 on its two missing frames
    m1 = np.array([True, False, True, True])
    m2 = np.array([True, True, False, False])
    samples = [dict(pred=off1, gt=gt, frame_mask=m1, label=0),
               dict(pred=off1, gt=gt, frame_mask=m1, label=torch.tensor(0)),
               dict(pred=off2, gt=gt, frame_mask=m2, label=7)]
    r = evaluate(samples, per_label=True)
    assert r['mpjpe_missing@0'] == pytest.approx(5)
    assert r['mpjpe_missing@7'] == pytest.approx(1)
    assert r['clips@0'] == 2 and r['clips@7'] == 1
    # the pooled mean weights by missing frames: (2 * 5 + 2 * 1) / 4
    assert r['mpjpe_missing'] == pytest.approx(3)
    assert 'mpjpe_missing@0' not in evaluate(samples)
    with pytest.raises(KeyError, match="'x7' has no `label`"):
        evaluate([dict(pred=gt, gt=gt, frame_mask=m1, frame_dir='x7')],
                 per_label=True)


def test_one_host_copy_per_key_and_batch(monkeypatch):
    """A batch of tensor predictions reaches the host in one copy per key
    (pred, gt, frame_mask), not one per clip; the errors are those of the
    clip-by-clip path."""
    g = torch.Generator().manual_seed(0)
    samples = [dict(pred=torch.rand(6, 17, 2, generator=g),
                    gt=torch.rand(6, 17, 2, generator=g),
                    frame_mask=torch.rand(6, generator=g) > 0.5)
               for _ in range(5)]
    reference = RestorationMetric()
    for sample in samples:  # one clip per batch: the per-clip path
        reference.process(None, [sample])
    copies = []
    cpu = torch.Tensor.cpu
    monkeypatch.setattr(torch.Tensor, 'cpu',
                        lambda self, *a, **k: copies.append(1) or cpu(
                            self, *a, **k))
    metric = RestorationMetric()
    metric.process(None, samples)
    assert len(copies) == 3
    assert metric.results == reference.results
