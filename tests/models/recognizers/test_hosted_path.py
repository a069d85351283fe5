"""Completion + decomposition in the pipeline == hosted by the recognizer."""
import copy

import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope

import finetec_mm  # noqa: F401
from finetec_mm.engine import recompose
from mmaction.registry import DATASETS, MODELS
from tests.utils import PAPER_FULL_DEMO


def build(config, pkl, marker=True):
    cfg = Config.fromfile(config)
    cfg.test_dataloader.dataset.ann_file = pkl
    cfg.model.backbone.update(num_stages=2, inflate_stages=[], down_stages=[])
    cfg.model.cls_head.in_channels = 64
    # the observed marker, on in the paper's full method (hosted and
    # pipeline)
    if cfg.model.completion is not None:
        assert cfg.model.completion.observed_marker is True
        cfg.model.completion.observed_marker = marker
    if cfg.model.get('observed_channel') is not None:  # pipeline configs
        cfg.model.observed_channel = marker
    for step in cfg.get('input_transforms') or []:
        if step.type == 'ICLCompletion':
            assert step.observed_marker is True
            step.observed_marker = marker
    recompose(cfg)
    init_default_scope('mmaction')
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    torch.manual_seed(0)
    return MODELS.build(cfg.model).eval(), dataset


@pytest.mark.parametrize('marker', [True, False],
                         ids=['observed-marker', 'no-marker'])
def test_pipeline_and_hosted_paths_give_identical_inputs(
        tiny_demo_pkl, marker):
    model, pipeline_data = build('configs/finetec_demo_severe_pipeline.py',
                                 tiny_demo_pkl, marker)
    hosted, hosted_data = build(PAPER_FULL_DEMO, tiny_demo_pkl, marker)
    assert hosted.completion is not None and model.completion is None
    batch = pseudo_collate([pipeline_data[i] for i in range(4)])
    hosted_batch = pseudo_collate([hosted_data[i] for i in range(4)])
    inputs = torch.stack(batch['inputs'])
    raw = torch.stack(hosted_batch['inputs'])
    assert inputs.shape[-1] == 7 and raw.shape[-1] == 3  # 10 test clips
    assert inputs.shape[:5] == raw.shape[:5] == (4, 10, 1, 16, 17)
    made = hosted.hosted_inputs(raw, hosted_batch['data_samples'])
    torch.testing.assert_close(made, inputs, rtol=0, atol=1e-5)
    # the score channel: positive exactly on the observed frames of
    # S_corrupt, negative on the restored ones with the marker
    observed = (raw[..., 2] > 0).any(-1)
    assert observed.any() and not observed.all()
    score = inputs[..., -1]
    assert torch.equal(torch.sign(made[..., -1]), torch.sign(score))
    if marker:
        assert torch.equal((score > 0).any(-1), observed)
        assert (score[~observed] <= 0).all()
        assert (score[~observed] < 0).any(-1).all()
    else:
        assert (score >= 0).all() and (score > 0).any(-1).all()
    # and the same predictions, with shared weights
    # checkpoints move between the variants, strictly
    hosted.load_state_dict(model.state_dict(), strict=True)
    model.load_state_dict(hosted.state_dict(), strict=True)
    with torch.no_grad():
        a = model.predict(inputs, copy.deepcopy(batch['data_samples']))
        b = hosted.predict(raw, copy.deepcopy(hosted_batch['data_samples']))
    for x, y in zip(a, b):
        torch.testing.assert_close(x.pred_scores.item, y.pred_scores.item,
                                   rtol=1e-5, atol=1e-6)


def test_linear_channels_are_the_interpolated_baselines_input(tiny_demo_pkl):
    """``linear_channels=True`` appends exactly the (x, y) that the
    interpolated ST-GCN reads (its pipeline's ``GapFill(method='linear')``
    on the same corrupted clips), and leaves the identity channels (the
    completed S_base and its score) as they are without it."""
    def load(config, **model):
        cfg = Config.fromfile(config)
        cfg.test_dataloader.dataset.ann_file = tiny_demo_pkl
        cfg.model.update(model)
        init_default_scope('mmaction')
        data = DATASETS.build(cfg.test_dataloader.dataset)
        return cfg, pseudo_collate([data[i] for i in range(4)])

    cfg, batch = load('configs/finetec/finetec_1xb32-u16-16e_demo-severe.py',
                      linear_channels=True, linear_stream=False)
    _, interp = load('configs/baselines/stgcn/'
                     'stgcn_1xb32-joint-u16-16e_demo-severe-interp.py')
    model = MODELS.build(cfg.model).eval()
    raw = torch.stack(batch['inputs'])
    made = model.hosted_inputs(raw)
    assert made.shape[-1] == 5
    linear = torch.stack(interp['inputs'])
    observed = (raw[..., 2] > 0).any(-1)
    assert observed.any() and not observed.all()
    torch.testing.assert_close(made[..., 3:], linear[..., :2], rtol=0,
                               atol=1e-5)
    # observed frames: the linear fill is S_corrupt itself
    torch.testing.assert_close(made[..., 3:][observed],
                               raw[..., :2][observed], rtol=0, atol=0)
    model.linear_channels = False
    torch.testing.assert_close(made[..., :3], model.hosted_inputs(raw),
                               rtol=0, atol=0)
    # and the GCN reads x, y, score, then the two linear channels
    model.linear_channels = True
    fed, _ = model.backbone_input(made[:, 0])
    assert fed.shape[-1] == 5
    torch.testing.assert_close(fed, made[:, 0], rtol=0, atol=0)
