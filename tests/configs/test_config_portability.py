"""Configs run from any working directory for their own assets: the shipped
completion checkpoints resolve relative to the config file (mmengine's
``{{fileDirname}}``); data paths stay relative to the working directory, as
in MMAction2."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from tests.utils import ROOT

SHIPPED = {
    'configs/finetec_demo_severe.py': 'icl_demo-a35cca84.pth',
    'configs/finetec_gym288_severe.py': 'icl_cmu_fallback-1509886b.pth',
    'configs/finetec/finetec_4xb16-u16-150e_gym99-minor.py':
    'icl_cmu_fallback-1509886b.pth',
    'configs/finetec/finetec_4xb16-u16-150e_gym288-v2-severe.py':
    'icl_cmu_fallback-1509886b.pth',
    'configs/finetec/finetec_4xb16-u16-150e_gym99-v2-moderate.py':
    'icl_cmu_fallback-1509886b.pth',
}


@pytest.mark.parametrize('config', sorted(SHIPPED))
def test_shipped_completion_checkpoint_found_from_elsewhere(
        config, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = Config.fromfile(osp.join(ROOT, config))
    path = cfg.completion_checkpoint
    assert osp.basename(path) == SHIPPED[config]
    assert osp.isfile(path), path
    assert osp.samefile(path, osp.join(ROOT, 'checkpoints', SHIPPED[config]))
    hosted = cfg.model.get('completion') or {}
    assert osp.isfile(hosted.get('checkpoint') or path)
    # data stay relative to the working directory
    assert not osp.isabs(cfg.train_dataloader.dataset.ann_file)


def test_hosted_model_builds_from_another_directory(tmp_path, monkeypatch):
    import finetec_mm  # noqa: F401
    from mmaction.registry import MODELS
    monkeypatch.chdir(tmp_path)
    init_default_scope('mmaction')
    cfg = Config.fromfile(osp.join(ROOT, 'configs/finetec_demo_severe.py'))
    cfg.model.backbone.update(num_stages=2, inflate_stages=[],
                              down_stages=[])
    cfg.model.cls_head.in_channels = 64
    model = MODELS.build(cfg.model)
    assert model.completion is not None
    assert model.completion.prompt_pool.abs().sum() > 0
    assert torch.isfinite(model.completion.prior).all()
