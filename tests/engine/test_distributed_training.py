"""Distributed training on 2 gloo ranks (forked CPU processes):

* a FineTec run with validation leaves the hosted completion exactly as
  its checkpoint file (the buffer synchronisation must not touch it);
* DDP equivalence: one step on 2 ranks with batch B each gives the
  gradients of 1 rank with batch 2B, randomness held fixed, for FineTec and
  for the completion pre-training.
"""
import os.path as osp
from unittest import mock

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


# ------------------------------------------------------------ DDP equivalence
B = 3  # per rank; the single-process reference takes 2B


def _global_keys():
    """``SequenceRandom.from_numpy(n, salt=rank)`` replaced (while the
    context lasts) by the keys of the samples' global positions
    (rank · n ...), so the training-mode decomposition of a sample is the
    same whichever rank draws it."""
    from finetec_mm.functional.sequence_random import SequenceRandom

    class Keyed(SequenceRandom):
        @classmethod
        def from_numpy(cls, num, salt=0):
            return cls(range(salt * num, salt * num + num))
    return mock.patch('finetec_mm.models.recognizers.finetec_recognizer.'
                      'SequenceRandom', Keyed)


def _hold_batch_statistics(model):
    """BatchNorm on running statistics, dropout off: the parts of a step
    that depend on how the batch is split between ranks (with plain
    per-GPU BatchNorm, as MMAction2's GCN recipes, the batch statistics
    are per rank by design)."""
    for module in model.modules():
        if isinstance(module, (torch.nn.modules.batchnorm._BatchNorm,
                               torch.nn.Dropout)):
            module.eval()
    return model


def _finetec_model():
    init_default_scope('mmaction')
    cfg = Config.fromfile(CONFIG)
    cfg.model.backbone.update(SMALL_GCN)
    cfg.model.cls_head.in_channels = 64
    cfg.model.completion.checkpoint = osp.join(ROOT,
                                               cfg.completion_checkpoint)
    torch.manual_seed(0)
    return _hold_batch_statistics(MODELS.build(cfg.model).train())


def _finetec_batch(n):
    """(n, 1, 1, 16, 17, 3) raw [x, y, score] clips, about 60 % of the
    frames missing, and their labels."""
    g = torch.Generator().manual_seed(1)
    coords = torch.rand(n, 1, 1, 16, 17, 2, generator=g)
    observed = torch.rand(n, 1, 1, 16, 1, 1, generator=g) > 0.6
    observed[:, :, :, 0] = True
    scores = torch.rand(n, 1, 1, 16, 17, 1, generator=g) * 0.5 + 0.5
    raw = torch.cat([coords, scores], -1) * observed
    labels = torch.arange(n) % 24
    return raw, labels


def _finetec_grads(rank, world_size):
    """Gradients of one FineTec loss on this rank's share of the batch,
    through mmengine's DDP wrapper when ``world_size > 1``."""
    from mmengine.model import MMDistributedDataParallel
    model = _finetec_model()
    raw, labels = _finetec_batch(2 * B)
    share = slice(rank * B, (rank + 1) * B) if world_size > 1 else slice(None)
    inputs = raw[share]
    samples = [ActionDataSample().set_gt_labels(label[None])
               for label in labels[share]]
    net = (MMDistributedDataParallel(module=model, device_ids=None)
           if world_size > 1 else model)
    with _global_keys():
        losses = net(inputs, samples, mode='loss')
    loss, _ = model.parse_losses(losses)
    loss.backward()
    return {name: p.grad.clone() for name, p in model.named_parameters()
            if p.requires_grad}


def _finetec_grads_ddp(rank):
    return _finetec_grads(rank, 2)


def _assert_same_grads(ddp, single):
    assert set(ddp) == set(single) and len(single) > 10
    # some outputs start at zero by design (e.g. the physics gate), so not
    # every weight has a gradient at the first step, but most do
    nonzero = [name for name, grad in single.items() if grad.abs().sum() > 0]
    assert len(nonzero) > 0.7 * len(single), nonzero
    # float32 sums in another order: absolute tolerance relative to the
    # tensor's largest gradient (a DDP fault, e.g. summed instead of
    # averaged gradients, is of the gradient's own size)
    for name, grad in single.items():
        scale = grad.abs().max().item()
        torch.testing.assert_close(ddp[name], grad, rtol=1e-4,
                                   atol=max(1e-7, 1e-4 * scale), msg=name)


def test_finetec_ddp_step_equals_single_process_double_batch():
    """2 ranks × B == 1 rank × 2B, gradients of every trained weight."""
    single = _finetec_grads(0, 1)
    grads0, grads1 = run_ranks(_finetec_grads_ddp, 2)
    for name in grads0:
        assert torch.equal(grads0[name], grads1[name]), name
    _assert_same_grads(grads0, single)


def _completion_grads(rank, world_size, pkl):
    """Gradients of one completion pre-training loss on this rank's share
    of 2B bank clips. The query masks (the only draw left with one drop
    ratio, the 'pattern' prompt mask and no prompt dropout) are fixed per
    clip."""
    from mmengine.model import MMDistributedDataParallel

    from finetec_mm.datasets import SkeletonBank
    from finetec_mm.models.completion import completion_model
    from finetec_mm.models.completion.masking import (drop_counts,
                                                      random_frames_mask)
    init_default_scope('mmaction')
    bank = SkeletonBank(pkl, split='train')
    masks = random_frames_mask(drop_counts(2 * B, 16, 0.5), 16,
                               torch.Generator().manual_seed(2))
    share = slice(rank * B, (rank + 1) * B) if world_size > 1 else slice(None)
    cfg = Config.fromfile(osp.join(ROOT,
                                   'configs/_base_/models/icl_completion.py'))
    torch.manual_seed(0)
    model = MODELS.build(dict(
        cfg.model, net=dict(cfg.model.net, num_blocks=4, merge_after=2),
        bank=bank, pool_size=16, prompt_dropout=0., train_ratios=(0.5, ),
        strategies=('pattern', ))).train()
    clips = torch.from_numpy(bank.clips[:2 * B])[share]
    sequences = bank.sequences()[:2 * B][share]
    samples = [dict(sequence=s) for s in sequences]
    net = (MMDistributedDataParallel(module=model, device_ids=None)
           if world_size > 1 else model)
    with mock.patch.object(completion_model, 'random_frames_mask',
                           lambda n_drop, T: masks[share]):
        losses = net(clips, samples, mode='loss')
    assert set(losses) == {'loss_query', 'loss_prompt', 'loss_velocity'}
    loss, _ = model.parse_losses(losses)
    loss.backward()
    return {name: p.grad.clone() for name, p in model.named_parameters()}


def _completion_grads_ddp(rank, pkl):
    return _completion_grads(rank, 2, pkl)


def test_completion_ddp_step_equals_single_process_double_batch(
        tiny_demo_pkl):
    single = _completion_grads(0, 1, tiny_demo_pkl)
    grads0, grads1 = run_ranks(_completion_grads_ddp, 2,
                               args=(tiny_demo_pkl, ))
    for name in grads0:
        assert torch.equal(grads0[name], grads1[name]), name
    _assert_same_grads(grads0, single)
