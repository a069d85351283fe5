"""FineTec under mixed precision (CPU autocast stands in for ``--amp``):
the hosted model inputs are the fp32 ones, and a bf16 training step runs
(MMAction2's head computes top-k accuracy through numpy, which has no
bfloat16)."""

import numpy as np
import pytest
import torch
from mmengine.optim import OptimWrapper
from mmengine.registry import init_default_scope
from mmengine.runner.amp import autocast

import finetec_mm  # noqa: F401
from tests.utils import small_demo_finetec_config
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample



@pytest.fixture(scope='module')
def model():
    """The demo FineTec (hosted completion + decomposition) with a
    2-stage ST-GCN."""
    init_default_scope('mmaction')
    cfg = small_demo_finetec_config()
    torch.manual_seed(0)
    return MODELS.build(cfg.model).train()


def raw_batch(n=4):
    """(n, 1, 1, 16, 17, 3) [x, y, score] with missing frames, labels."""
    g = torch.Generator().manual_seed(1)
    coords = torch.rand(n, 1, 1, 16, 17, 2, generator=g) * 100
    observed = torch.rand(n, 1, 1, 16, 1, 1, generator=g) > 0.6
    observed[:, :, :, 0] = True
    scores = torch.rand(n, 1, 1, 16, 17, 1, generator=g) * 0.5 + 0.5
    samples = [ActionDataSample().set_gt_labels(torch.tensor([i % 24]))
               for i in range(n)]
    return torch.cat([coords, scores], -1) * observed, samples


@pytest.mark.parametrize('dtype', [torch.bfloat16, torch.float16])
def test_hosted_inputs_under_autocast_equal_fp32(model, dtype):
    raw, samples = raw_batch()
    np.random.seed(3)  # the training-mode decomposition keys
    ref = model.hosted_inputs(raw, samples)
    np.random.seed(3)
    with torch.autocast('cpu', dtype=dtype):
        amp = model.hosted_inputs(raw, samples)
    assert amp.dtype == ref.dtype == torch.float32
    assert torch.equal(amp, ref)


def test_bf16_training_step_on_cpu(model):
    raw, samples = raw_batch()
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.01))
    before = [p.detach().clone() for p in model.parameters()
              if p.requires_grad]
    with autocast(device_type='cpu', dtype=torch.bfloat16):
        log = model.train_step(dict(inputs=list(raw), data_samples=samples),
                               optim)
    assert {'loss', 'loss_cls', 'loss_accel', 'top1_acc'} <= set(log)
    assert all(torch.isfinite(v).all() for v in log.values())
    after = [p for p in model.parameters() if p.requires_grad]
    assert sum(not torch.equal(a, b) for a, b in zip(after, before)) > 0.7 * len(before)
