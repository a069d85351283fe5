"""Distributed training on 2 gloo ranks (forked CPU processes):

* a FineTec run with validation leaves the hosted completion exactly as
  its checkpoint file (the buffer synchronisation must not touch it);
* DDP equivalence: one step on 2 ranks with batch B each gives the
  gradients of 1 rank with batch 2B, randomness held fixed, for FineTec and
  for the completion pre-training.
"""
import copy
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

import finetec_mm  # noqa: F401
from finetec_mm.engine import recompose
from finetec_mm.engine.safe_checkpoint import load_from_local_safe
from mmaction.registry import MODELS, RUNNERS
from mmaction.structures import ActionDataSample
from tests.distributed import run_ranks

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(ROOT, 'configs/finetec_demo_severe_quick.py')
SMALL_GCN = dict(num_stages=2, inflate_stages=[], down_stages=[])


def _small_finetec_cfg(pkl, work_dir):
    cfg = Config.fromfile(CONFIG)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.ann_file = pkl
    recompose(cfg)
    cfg.model.backbone.update(SMALL_GCN)
    cfg.model.cls_head.in_channels = 64
    cfg.train_dataloader.batch_size = 16
    cfg.val_dataloader.batch_size = 12
    cfg.train_cfg.update(max_epochs=1, val_begin=1, val_interval=1)
    cfg.param_scheduler = []
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint.update(interval=1, save_best=None)
    cfg.work_dir = work_dir
    cfg.launcher = 'pytorch'
    cfg.randomness = dict(seed=0, diff_rank_seed=True)
    return cfg


def _train_with_validation(rank, pkl, work_dir):
    init_default_scope('mmaction')
    cfg = _small_finetec_cfg(pkl, work_dir)
    runner = RUNNERS.get('FineTecRunner').from_cfg(cfg)
    runner.train()
    model = runner.model.module
    return {k: v.clone() for k, v in model.completion.state_dict().items()}


def test_hosted_completion_survives_two_rank_training_bit_for_bit(
        tiny_demo_pkl, tmp_path):
    work_dir = str(tmp_path / 'run')
    states = run_ranks(_train_with_validation, 2,
                       args=(tiny_demo_pkl, work_dir), timeout=300)
    cfg = Config.fromfile(CONFIG)
    reference = load_from_local_safe(
        osp.join(ROOT, cfg.completion_checkpoint), 'cpu')['state_dict']
    saved = load_from_local_safe(osp.join(work_dir, 'epoch_1.pth'),
                                 'cpu')['state_dict']
    assert set(reference) == set(states[0])
    for key, value in reference.items():
        for rank, state in enumerate(states):
            assert torch.equal(state[key], value), (rank, key)
        assert torch.equal(saved['completion.' + key], value), key
