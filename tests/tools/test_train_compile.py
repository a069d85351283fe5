"""``compile`` for training: tools/train.py's --compile [BACKEND] sets
mmengine's ``compile`` option, the runner compiles the train step with it,
and a compiled FineTec train step (hosted completion + decomposition +
physics, forward and backward) gives the loss and gradients of the eager
one."""
import copy
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config

from tests.utils import ROOT, load_tool, small_demo_finetec_config

CONFIG = osp.join(ROOT, 'configs/finetec_demo_severe.py')


@pytest.fixture
def train(monkeypatch):
    monkeypatch.syspath_prepend(osp.join(ROOT, 'tools'))  # its _bootstrap
    monkeypatch.chdir(ROOT)
    return load_tool('tools/train.py')


def merged(train, *flags, cfg=None):
    return train.merge_args(cfg or Config.fromfile(CONFIG),
                            train.parse_args([CONFIG, *flags]))


def test_compile_flag_sets_mmengine_compile(train):
    assert merged(train).get('compile') is None
    assert merged(train, '--compile').compile == dict(backend='inductor')
    assert merged(train, '--compile', 'aot_eager').compile == dict(
        backend='aot_eager')
    cfg = Config.fromfile(CONFIG)
    cfg.compile = dict(mode='reduce-overhead')  # the config's own options
    assert merged(train, '--compile', 'eager', cfg=cfg).compile == dict(
        mode='reduce-overhead', backend='eager')


def small_finetec_cfg(tmp_path, backend):
    cfg = small_demo_finetec_config()
    cfg.work_dir = str(tmp_path)
    cfg.compile = dict(backend=backend)
    return cfg


def tiny_batch(n=4):
    """(n, 1, 1, 16, 17, 3) [x, y, score] clips with 12 of 16 frames
    missing, and labels, as pseudo_collate packs them."""
    from mmaction.structures import ActionDataSample
    g = torch.Generator().manual_seed(0)
    x = torch.rand(n, 1, 1, 16, 17, 3, generator=g)
    keep = torch.rand(n, 1, 1, 16, generator=g).argsort(-1) >= 12
    x = x * keep[..., None, None]
    samples = []
    for i in range(n):
        sample = ActionDataSample(metainfo=dict(frame_dir=f'tiny_{i}'))
        sample.set_gt_labels(i % 24)
        samples.append(sample)
    return dict(inputs=list(x.unbind(0)), data_samples=samples)


@pytest.fixture(scope='module')
def runner(tmp_path_factory):
    from finetec_mm.engine.runner import FineTecRunner
    return FineTecRunner.from_cfg(
        small_finetec_cfg(tmp_path_factory.mktemp('work'), 'eager'))


def test_runner_compiles_the_train_step(runner):
    model = copy.deepcopy(runner.model)
    runner._maybe_compile('train_step')  # what Runner.train() calls
    try:
        assert hasattr(runner.model.train_step, '_torchdynamo_orig_callable')
    finally:
        runner.model = model


def test_compiled_loss_and_gradients_equal_eager(runner):
    """The model part of the compiled train step (hosted completion +
    decomposition + physics + backbone + head, forward and backward),
    captured by dynamo with its ``eager`` backend: capture, graph breaks
    and side effects (the random streams' keys) are what can change the
    numbers; inductor's code generation takes minutes on a 2-core CPU
    (tools/analysis/benchmark.py --compile measures it)."""
    model = runner.model
    model.train()
    data = model.data_preprocessor(tiny_batch(), True)

    def loss_and_grads(fn):
        np.random.seed(0)  # the training streams' keys
        model.zero_grad()
        loss, _ = model.parse_losses(fn(**data, mode='loss'))
        loss.backward()
        return loss.detach(), {n: p.grad.clone() for n, p in
                               model.named_parameters() if p.grad is not None}

    want, want_grads = loss_and_grads(model)
    try:
        got, got_grads = loss_and_grads(
            torch.compile(model, **runner.cfg.compile))
    finally:
        torch._dynamo.reset()
    torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-6)
    assert got_grads.keys() == want_grads.keys() and want_grads
    for name, grad in want_grads.items():
        torch.testing.assert_close(got_grads[name], grad, rtol=1e-4,
                                   atol=1e-6, msg=name)
