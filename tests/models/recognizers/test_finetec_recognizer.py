"""FineTecRecognizer: stream split, physics loss, fusion, clip averaging."""
import pytest
import torch
from mmengine.registry import init_default_scope

import finetec_mm  # noqa: F401
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample

STGCN = dict(type='STGCN', graph_cfg=dict(layout='coco', mode='stgcn_spatial'),
             num_stages=2, inflate_stages=[], down_stages=[])
HEAD = dict(type='GCNHead', num_classes=5, in_channels=64)
SMALL_PHYSICS = dict(type='LagrangianAccelHead', vec_hidden=(32, ),
                     mat_hidden=(32, ), gate_hidden=(8, ))


def build(**kwargs):
    init_default_scope('mmaction')
    cfg = dict(type='FineTecRecognizer', backbone=STGCN, cls_head=HEAD,
               accel_head=SMALL_PHYSICS)
    cfg.update(kwargs)
    torch.manual_seed(0)
    return MODELS.build(cfg)


def samples(n):
    return [ActionDataSample().set_gt_labels(torch.tensor([i % 5]))
            for i in range(n)]


def inputs(B=3, nc=1, M=1, T=16, C=7):
    torch.manual_seed(1)
    return 0.3 * torch.randn(B, nc, M, T, 17, C)


def test_loss_is_ce_plus_weighted_mean_accel_loss():
    model = build(loss_accel_weight=0.5)
    x = inputs()
    losses = model(x, samples(3), mode='loss')
    assert set(losses) >= {'loss_cls', 'loss_accel'}
    positions, _ = model.split_streams(x[:, 0])
    expected = torch.stack([
        model.accel_head.loss(model.accel_head(p.reshape(3, 16, 17, 2)))
        for p in positions]).mean()
    torch.testing.assert_close(losses['loss_accel'], 0.5 * expected)


def test_gradients_reach_every_module():
    model = build()
    losses = model(inputs(), samples(3), mode='loss')
    (losses['loss_cls'] + losses['loss_accel']).backward()
    for name in ('fusion', 'accel_head', 'backbone', 'cls_head'):
        grads = [p.grad for p in getattr(model, name).parameters()
                 if p.requires_grad]
        assert any(g is not None and g.abs().sum() > 0 for g in grads), name


def test_predict_averages_clips():
    model = build().eval()
    x = inputs(B=2, nc=3)
    with torch.no_grad():
        preds = model(x, samples(2), mode='predict')
        per_clip = [model(x[:, k:k + 1], samples(2), mode='predict')
                    for k in range(3)]
    for b in range(2):
        mean = torch.stack([p[b].pred_scores.item for p in per_clip]).mean(0)
        torch.testing.assert_close(preds[b].pred_scores.item, mean,
                                   rtol=1e-5, atol=1e-6)
        assert preds[b].pred_scores.item.sum().item() == pytest.approx(1,
                                                                      abs=1e-5)


def test_streams_change_only_what_they_should():
    """The dyna channels influence the output; with streams=('base',) the
    model takes (x, y, score) only."""
    model = build().eval()
    x = inputs()
    y = x.clone()
    y[..., 2:4] += 0.5  # perturb S_dyna only
    with torch.no_grad():
        assert not torch.allclose(model(x, mode='tensor'),
                                  model(y, mode='tensor'))
    base_only = build(streams=('base', )).eval()
    with torch.no_grad():
        feats = base_only(inputs(C=3), mode='tensor')
    assert feats.shape[:3] == (3, 1, 64)
    with pytest.raises(ValueError, match='expects 3 input channels'):
        base_only(inputs(C=7), mode='tensor')


def test_ablations_build_and_train():
    for kwargs in (dict(accel_head=None), dict(fusion=dict(type='MLPFusion'))):
        model = build(**kwargs)
        losses = model(inputs(), samples(3), mode='loss')
        assert ('loss_accel' in losses) == (kwargs.get('accel_head', 1)
                                            is not None)
        losses['loss_cls'].backward()


@pytest.mark.parametrize('backbone', [
    dict(type='STGCN', gcn_adaptive='init', gcn_with_res=True,
         tcn_type='mstcn', graph_cfg=dict(layout='coco', mode='spatial'),
         num_stages=2, inflate_stages=[], down_stages=[]),
    dict(type='AAGCN', graph_cfg=dict(layout='coco', mode='spatial'),
         num_person=1, num_stages=2, inflate_stages=[], down_stages=[]),
])
def test_other_gcn_backbones(backbone):
    model = build(backbone=backbone).eval()
    with torch.no_grad():
        preds = model(inputs(), samples(3), mode='predict')
    assert preds[0].pred_scores.item.shape == (5, )


def test_invalid_streams_rejected():
    with pytest.raises(ValueError, match='subset'):
        build(streams=('base', 'velocity'))


def test_multi_gcn_averages_six_stream_scores():
    model = build(type='FineTecMultiGCN', fusion=None)
    assert len(model.extra_backbones) == 5 and len(model.extra_heads) == 5
    losses = model(inputs(), samples(3), mode='loss')
    assert set(losses) >= {'loss_cls', 'loss_accel'}
    losses['loss_cls'].backward()
    for backbone in model.extra_backbones:
        assert any(p.grad is not None for p in backbone.parameters())
    model.eval()
    x = inputs(B=2, nc=2)
    with torch.no_grad():
        preds = model(x, samples(2), mode='predict')
        scores, _ = model.extract_feat(x)
        # each stream's head sees (x, y, score) of its own stream
        positions, score = model.split_streams(x.reshape(4, 1, 16, 17, 7))
        first = model.cls_head(model.backbone(
            torch.cat([positions[0], score], -1)))
    assert scores.shape == (4, 5) and not torch.allclose(scores, first)
    expected = torch.softmax(scores, -1).reshape(2, 2, 5).mean(1)
    torch.testing.assert_close(
        torch.stack([p.pred_scores.item for p in preds]), expected,
        rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize('M,nc', [(1, 1), (2, 1), (1, 10), (2, 10)])
def test_forward_backward_persons_and_clips(M, nc):
    """Training and prediction with ``nc`` clips per sample: the loss sees
    every clip (a gradient flows from each), prediction averages them."""
    model = build()
    x = inputs(B=2, nc=nc, M=M).requires_grad_()
    losses = model(x, samples(2), mode='loss')
    (losses['loss_cls'] + losses['loss_accel']).backward()
    assert all(p.grad is not None for p in model.parameters()
               if p.requires_grad)
    per_clip = x.grad.abs().flatten(2).sum(-1)  # (B, nc)
    assert (per_clip > 0).all(), per_clip
    model.eval()
    with torch.no_grad():
        preds = model(inputs(B=2, nc=nc, M=M), samples(2), mode='predict')
    assert [p.pred_scores.item.shape for p in preds] == [(5, ), (5, )]


def test_multi_gcn_trains_on_several_clips():
    model = build(type='FineTecMultiGCN', fusion=None)
    x = inputs(B=2, nc=3).requires_grad_()
    losses = model(x, samples(2), mode='loss')
    (losses['loss_cls'] + losses['loss_accel']).backward()
    assert (x.grad.abs().flatten(2).sum(-1) > 0).all()


def test_multi_gcn_hosts_decomposition_like_the_single_gcn():
    """With a hosted decomposition the Multi-GCN decomposes raw (x, y,
    score) inputs itself, giving the scores of the 7-channel inputs."""
    hosted = build(type='FineTecMultiGCN', fusion=None,
                   decomposition=dict(regions='coco'))
    plain = build(type='FineTecMultiGCN', fusion=None)
    plain.load_state_dict(hosted.state_dict())
    hosted.eval(), plain.eval()
    raw = inputs(B=2, nc=2, C=3)
    data = samples(2)
    for i, d in enumerate(data):
        d.set_metainfo(dict(frame_dir=f'clip{i}'))
    with torch.no_grad():
        made = hosted.hosted_inputs(raw, data)
        assert made.shape[-1] == 7
        a = hosted(raw, data, mode='predict')
        b = plain(made, data, mode='predict')
    for x, y in zip(a, b):
        torch.testing.assert_close(x.pred_scores.item, y.pred_scores.item)
    hosted.train()
    losses = hosted(inputs(B=2, C=3), samples(2), mode='loss')
    assert set(losses) >= {'loss_cls', 'loss_accel'}


def test_fuse_equals_one_accel_head_call_per_stream():
    """fuse() runs the shared head once on all streams; the result is the
    per-stream computation's (accelerations concatenated in stream order,
    L_Ac the mean of the per-stream losses)."""
    model = build().eval()
    x = inputs(B=2, M=2).reshape(2, 2, 16, 17, 7)
    with torch.no_grad():
        fused, loss = model.fuse(x)
        positions, _ = model.split_streams(x)
        outs = [model.accel_head(p.reshape(4, 16, 17, 2)) for p in positions]
        accels = torch.cat([o['accel'] for o in outs], dim=-1)
        expected = model.fusion(x.reshape(4, 16, 17, 7), accels)
        loss_ref = torch.stack([model.accel_head.loss(o) for o in outs]).mean()
    torch.testing.assert_close(fused, expected.reshape(2, 2, 16, 17, -1),
                               rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(loss, loss_ref, rtol=1e-5, atol=1e-9)
