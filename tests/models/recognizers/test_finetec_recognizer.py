"""FineTecRecognizer: identity path, observed channel, deterministic test
path, stream augmentation, physics loss, clip averaging."""
import numpy as np
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


def test_loss_is_ce_plus_weighted_accel_loss_of_the_fed_stream():
    """L_Ac is the head's loss on the stream the GCN is fed (S_base when
    no clip is augmented)."""
    model = build(loss_accel_weight=0.5, stream_augment_prob=0.)
    x = inputs()
    losses = model(x, samples(3), mode='loss')
    assert set(losses) >= {'loss_cls', 'loss_accel'}
    positions, _ = model.split_streams(x[:, 0])
    expected = model.accel_head.loss(
        model.accel_head(positions[0].reshape(3, 16, 17, 2)))
    torch.testing.assert_close(losses['loss_accel'], 0.5 * expected)


def test_gradients_reach_every_module():
    model = build()
    losses = model(inputs(), samples(3), mode='loss')
    (losses['loss_cls'] + losses['loss_accel']).backward()
    for name in ('accel_head', 'backbone', 'cls_head'):
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


def test_identity_path_is_the_plain_gcn_on_s_base():
    """Decomposition, physics and marker off: FineTec's output is the
    backbone's (and head's) on S_base's (x, y, score), bit for bit; with
    three streams at test time it reads S_base only."""
    for kwargs, C in ((dict(streams=('base', )), 3), (dict(), 7)):
        model = build(accel_head=None, **kwargs).eval()
        x = inputs(B=2, nc=2, C=C).abs()  # unmarked scores >= 0
        plain = torch.cat([x[..., :2], x[..., -1:]], -1).reshape(
            4, 1, 16, 17, 3)
        with torch.no_grad():
            ours = model(x, mode='tensor')
            reference = model.backbone(plain)
        assert model.backbone.data_bn.num_features == 3 * 17
        torch.testing.assert_close(ours, reference, rtol=0, atol=0)


def test_physics_and_marker_add_channels_after_the_identity_ones():
    """The first three backbone channels are S_base's x, y and the unsigned
    score, whatever else is fed; then the 0/1 observed flag, then
    accel_scale · a."""
    model = build(observed_channel=True, accel_scale=10.).eval()
    x = inputs(B=2, M=2)[:, 0]  # (2, M=2, T, V, 7), signed scores
    with torch.no_grad():
        fed, _ = model.backbone_input(x)
        out = model.accel_head(x[..., :2].reshape(4, 16, 17, 2))
    assert fed.shape[-1] == 6
    torch.testing.assert_close(fed[..., :2], x[..., :2], rtol=0, atol=0)
    torch.testing.assert_close(fed[..., 2], x[..., -1].abs(), rtol=0, atol=0)
    assert torch.equal(fed[..., 3], (x[..., -1] > 0).float())
    torch.testing.assert_close(fed[..., 4:],
                               10 * out['accel'].reshape(2, 2, 16, 17, 2))


def test_observed_channel_tells_observed_restored_and_absent_apart():
    """Marked scores (> 0 observed, < 0 restored, 0 absent) become an
    unsigned score and a 0/1 flag: the three cases differ, and the score
    channel is the same with or without the marker."""
    model = build(accel_head=None, streams=('base', ),
                  observed_channel=True).eval()
    x = inputs(B=1, C=3)[:, 0]
    x[..., 2] = 0.8
    x[:, :, 4:8, :, 2] = -0.8  # restored frames
    x[:, :, 10, 3, 2] = 0.  # an absent joint
    with torch.no_grad():
        fed, _ = model.backbone_input(x)
    score, flag = fed[..., 2], fed[..., 3]
    assert torch.all(score[:, :, 4:8] == 0.8) and torch.all(flag[:, :,
                                                               4:8] == 0)
    assert flag[0, 0, 0, 0] == 1 and score[0, 0, 0, 0] == pytest.approx(0.8)
    assert flag[0, 0, 10, 3] == 0 and score[0, 0, 10, 3] == 0
    assert set(flag.unique().tolist()) == {0., 1.}


def test_test_path_is_deterministic_and_noise_free():
    """In eval mode the hosted decomposition perturbs nothing (S_dyna =
    S_stat = S_base) and the output does not depend on the sample's
    identity; in training the fed stream is perturbed for about
    stream_augment_prob of the clips."""
    model = build(decomposition=dict(regions='coco')).eval()
    raw = inputs(B=4, nc=2, C=3).abs()
    with torch.no_grad():
        made = model.hosted_inputs(raw)
        a = model(raw, mode='tensor')
        b = model(raw, mode='tensor')
    for k in (2, 4):
        assert torch.equal(made[..., k:k + 2], made[..., :2])
    assert torch.equal(a, b)
    model.train()
    np.random.seed(0)
    with torch.no_grad():
        made = model.hosted_inputs(raw)
    assert not torch.equal(made[..., 2:4], made[..., :2])


@pytest.mark.parametrize('prob', [0., 0.5, 1.])
def test_training_feeds_s_base_with_probability_one_minus_p(prob):
    model = build(stream_augment_prob=prob).train()
    N = 400
    x = torch.zeros(N, 1, 16, 17, 7)
    x[..., 2:4] = 1.  # S_dyna
    x[..., 4:6] = 2.  # S_stat
    np.random.seed(0)
    picked = model.select_stream(model.split_streams(x)[0])[:, 0, 0, 0, 0]
    share = torch.stack([(picked == v).float().mean() for v in (0., 1.,
                                                                2.)])
    expected = torch.tensor([1 - prob, prob / 2, prob / 2])
    assert torch.all((share - expected).abs() < 0.08), share
    # a clip is fed one stream whole
    whole = model.select_stream(model.split_streams(x)[0])
    assert torch.all(whole == whole[:, :1, :1, :1, :1])


def test_physics_loss_cannot_be_met_by_closing_the_gate():
    """With loss_target='lagrangian' L_Ac gives the gate no gradient: the
    recognition loss alone decides how much of S̈ is fed."""
    model = build(accel_head=dict(SMALL_PHYSICS, loss_target='lagrangian'))
    losses = model(inputs(), samples(3), mode='loss')
    losses['loss_accel'].backward()
    gate = [p.grad for p in model.accel_head.gate_net.parameters()]
    assert all(g is None or g.abs().sum() == 0 for g in gate)
    others = [p.grad for p in model.accel_head.g_net.parameters()]
    assert any(g is not None and g.abs().sum() > 0 for g in others)


def test_detached_accel_learns_from_the_physics_loss_alone():
    """detach_accel=True: the recognition loss gives the physics head no
    gradient, L_Ac still does, and the forward values are unchanged."""
    x = inputs()
    attached = build(stream_augment_prob=0.)
    detached = build(stream_augment_prob=0., detach_accel=True)
    for model in (attached, detached):
        model(x, samples(3), mode='loss')['loss_cls'].backward()
    grads = [p.grad for p in detached.accel_head.parameters()]
    assert all(g is None or g.abs().sum() == 0 for g in grads)
    grads = [p.grad for p in attached.accel_head.g_net.parameters()]
    assert any(g is not None and g.abs().sum() > 0 for g in grads)
    detached.zero_grad()
    detached(x, samples(3), mode='loss')['loss_accel'].backward()
    grads = [p.grad for p in detached.accel_head.g_net.parameters()]
    assert any(g is not None and g.abs().sum() > 0 for g in grads)
    torch.testing.assert_close(
        attached.backbone_input(x[:, 0])[0],
        detached.backbone_input(x[:, 0])[0])


def test_ablations_build_and_train():
    for kwargs in (dict(accel_head=None), dict(fusion=dict(type='MLPFusion')),
                   dict(fusion=dict(type='CrossAttentionFusion'))):
        model = build(**kwargs)
        losses = model(inputs(), samples(3), mode='loss')
        assert ('loss_accel' in losses) == (kwargs.get('accel_head', 1)
                                            is not None)
        losses['loss_cls'].backward()
        model.eval()
        x = inputs()
        with torch.no_grad():
            fed, _ = model.backbone_input(x[:, 0])
        # the extra fusion channels come after the identity ones
        torch.testing.assert_close(fed[..., :2], x[:, 0, ..., :2])


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


def test_invalid_arguments_rejected():
    with pytest.raises(ValueError, match='subset'):
        build(streams=('base', 'velocity'))
    with pytest.raises(ValueError, match="starting with 'base'"):
        build(streams=('dyna', ))
    with pytest.raises(ValueError, match='stream_augment_prob'):
        build(stream_augment_prob=1.5)
    with pytest.raises(ValueError, match=r"decomposition keys \['seed'\]"):
        build(decomposition=dict(regions='coco', seed=3))
    with pytest.raises(ValueError, match='expects 3 input channels'):
        build(streams=('base', ))(inputs(C=7), mode='tensor')


def test_multi_gcn_averages_six_stream_scores():
    model = build(type='FineTecMultiGCN')
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
            torch.cat([positions[0], score.abs()], -1)))
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
    model = build(type='FineTecMultiGCN')
    x = inputs(B=2, nc=3).requires_grad_()
    losses = model(x, samples(2), mode='loss')
    (losses['loss_cls'] + losses['loss_accel']).backward()
    assert (x.grad.abs().flatten(2).sum(-1) > 0).all()


def test_multi_gcn_hosts_decomposition_like_the_single_gcn():
    """With a hosted decomposition the Multi-GCN decomposes raw (x, y,
    score) inputs itself, giving the scores of the 7-channel inputs."""
    hosted = build(type='FineTecMultiGCN',
                   decomposition=dict(regions='coco'))
    plain = build(type='FineTecMultiGCN')
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
