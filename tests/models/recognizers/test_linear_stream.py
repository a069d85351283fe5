"""Two-fill late fusion: FineTecRecognizer(linear_stream=True) is FineTec
on completed frames and the interpolated ST-GCN, averaged."""
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope

import finetec_mm  # noqa: F401
from mmaction.registry import DATASETS, MODELS
from tests.utils import run_tool

FINETEC = 'configs/finetec/finetec_1xb32-u16-16e_demo-severe.py'
INTERP = 'configs/baselines/stgcn/stgcn_1xb32-joint-u16-16e_demo-severe-interp.py'


def load(config, pkl, seed, **model):
    """A small model of ``config`` with weights from ``seed`` and 4 test
    samples (10 sequence-consistent clips each) of its pipeline."""
    cfg = Config.fromfile(config)
    cfg.test_dataloader.dataset.ann_file = pkl
    cfg.model.backbone.update(num_stages=2, inflate_stages=[], down_stages=[])
    cfg.model.cls_head.in_channels = 64
    cfg.model.update(model)
    init_default_scope('mmaction')
    data = DATASETS.build(cfg.test_dataloader.dataset)
    batch = pseudo_collate([data[i] for i in range(4)])
    torch.manual_seed(seed)
    net = MODELS.build(cfg.model)
    for param in net.parameters():  # not the init's zeros / ones
        param.data.add_(0.05 * torch.randn_like(param))
    return net, torch.stack(batch['inputs']), batch['data_samples']


@pytest.fixture(scope='module')
def streams(tiny_demo_pkl, tmp_path_factory):
    """FineTec's completion stream alone, the interpolated ST-GCN, and the
    two-fill model (the config's defaults) built from their checkpoints by
    tools/misc/join_streams.py."""
    finetec, raw, samples = load(FINETEC, tiny_demo_pkl, 0,
                                 linear_stream=False)
    interp, linear, _ = load(INTERP, tiny_demo_pkl, 1)
    two_fill, _, _ = load(FINETEC, tiny_demo_pkl, 2)  # the defaults
    assert two_fill.linear_stream and not finetec.linear_stream
    folder = tmp_path_factory.mktemp('join')
    for name, net in (('finetec', finetec), ('interp', interp)):
        torch.save(dict(state_dict=net.state_dict()), folder / f'{name}.pth')
    proc = run_tool('tools/misc/join_streams.py', str(folder / 'finetec.pth'),
                    str(folder / 'interp.pth'), str(folder / 'joined.pth'))
    assert proc.returncode == 0, proc.stdout[-2000:]
    joined = torch.load(folder / 'joined.pth', weights_only=True)
    two_fill.load_state_dict(joined['state_dict'], strict=True)
    return dict(finetec=finetec, interp=interp, two_fill=two_fill, raw=raw,
                linear=linear, samples=samples, folder=folder)


def scores(out):
    return torch.stack([sample.pred_scores.item for sample in out])


def test_prediction_is_the_mean_of_finetec_and_the_interpolated_gcn(streams):
    with torch.no_grad():
        fused = scores(streams['two_fill'].eval().predict(
            streams['raw'], streams['samples']))
        alone = scores(streams['finetec'].eval().predict(
            streams['raw'], streams['samples']))
        interp = scores(streams['interp'].eval().predict(
            streams['linear'], streams['samples']))
    assert not torch.allclose(alone, interp, atol=1e-3)
    torch.testing.assert_close(fused, 0.5 * (alone + interp), rtol=0,
                               atol=1e-5)
    labels = [s.pred_labels.item.item() for s in streams['samples']]
    assert labels == fused.argmax(-1).tolist()


def test_linear_stream_input_is_the_interpolated_gcns(streams):
    model = streams['two_fill']
    made = model.hosted_inputs(streams['raw'])
    fed = model.linear_stream_input(made.flatten(0, 1))
    torch.testing.assert_close(fed, streams['linear'].flatten(0, 1), rtol=0,
                               atol=1e-5)


def test_training_adds_the_linear_streams_loss(streams):
    model, interp = streams['two_fill'].train(), streams['interp'].train()
    # one clip per sample (MMAction2's RecognizerGCN trains on one)
    losses = model(streams['raw'][:, :1], streams['samples'], mode='loss')
    alone = interp(streams['linear'][:, :1], streams['samples'],
                   mode='loss')
    torch.testing.assert_close(losses['loss_cls_linear'], alone['loss_cls'])
    (losses['loss_cls'] + losses['loss_cls_linear']).backward()
    for name in ('backbone', 'linear_backbone', 'linear_head'):
        assert any(p.grad is not None and p.grad.abs().sum() > 0
                   for p in getattr(model, name).parameters()), name
    model.zero_grad()


def test_join_refuses_a_checkpoint_that_is_not_a_recognizer(streams):
    folder = streams['folder']
    torch.save(dict(state_dict={'weight': torch.zeros(2)}),
               folder / 'other.pth')
    proc = run_tool('tools/misc/join_streams.py', str(folder / 'finetec.pth'),
                    str(folder / 'other.pth'), str(folder / 'bad.pth'))
    assert proc.returncode == 1
    lines = proc.stdout.strip().splitlines()
    assert lines[-1].startswith('error: ') and 'other.pth' in lines[-1]


def test_linear_stream_needs_the_hosted_completion():
    init_default_scope('mmaction')
    with pytest.raises(ValueError, match='linear_stream=True needs'):
        MODELS.build(dict(
            type='FineTecRecognizer', linear_stream=True, accel_head=None,
            backbone=dict(type='STGCN', graph_cfg=dict(layout='coco')),
            cls_head=dict(type='GCNHead', num_classes=5, in_channels=256)))
