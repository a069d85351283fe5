"""Completion + decomposition in the pipeline == hosted by the recognizer."""
import copy

import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope

import finetec_mm  # noqa: F401
from finetec_mm.engine import recompose
from mmaction.registry import DATASETS, MODELS


def build(config, pkl):
    cfg = Config.fromfile(config)
    cfg.test_dataloader.dataset.ann_file = pkl
    cfg.model.backbone.update(num_stages=2, inflate_stages=[], down_stages=[])
    cfg.model.cls_head.in_channels = 64
    recompose(cfg)
    init_default_scope('mmaction')
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    torch.manual_seed(0)
    return MODELS.build(cfg.model).eval(), dataset


def test_pipeline_and_hosted_paths_give_identical_inputs(tiny_demo_pkl):
    model, pipeline_data = build('configs/finetec_demo_severe_pipeline.py',
                                 tiny_demo_pkl)
    hosted, hosted_data = build('configs/finetec_demo_severe.py',
                                tiny_demo_pkl)
    assert hosted.completion is not None and model.completion is None
    batch = pseudo_collate([pipeline_data[i] for i in range(4)])
    hosted_batch = pseudo_collate([hosted_data[i] for i in range(4)])
    inputs = torch.stack(batch['inputs'])
    raw = torch.stack(hosted_batch['inputs'])
    assert inputs.shape[-1] == 7 and raw.shape[-1] == 3  # 10 test clips
    assert inputs.shape[:5] == raw.shape[:5] == (4, 10, 1, 16, 17)
    made = hosted.hosted_inputs(raw, hosted_batch['data_samples'])
    torch.testing.assert_close(made, inputs, rtol=0, atol=1e-5)
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
