"""Buffer synchronisation of the shipped runtime on 2 gloo ranks: running
statistics are averaged, the frozen completion and integer buffers keep
their bits (``configs/_base_/default_runtime.py``'s ``sync_buffers``)."""
import os.path as osp
from types import SimpleNamespace

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from torch import nn

import finetec_mm  # noqa: F401
from mmaction.registry import HOOKS
from tests.distributed import run_ranks

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
#: hashed sequence ids as in ``pool_source`` (near the int64 limits)
IDS = torch.tensor([2**62 + 12345, -(2**62) - 7, 2**63 - 1, 123456789])


class Frozen(nn.Module):
    """Stands for the hosted completion: frozen weights, a float pool and
    int64 sequence ids, equal on every rank."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 3)
        self.register_buffer('pool', torch.linspace(0.1, 0.7, 64) / 3)
        self.register_buffer('source', IDS.clone())


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.bn = nn.BatchNorm1d(4)
        self.completion = Frozen().eval().requires_grad_(False)
        self.register_buffer('steps', torch.tensor(5))  # int, trained model

    def train(self, mode=True):
        super().train(mode)
        self.completion.eval()
        return self


def _sync_on_rank(rank):
    init_default_scope('mmaction')
    cfg = Config.fromfile(osp.join(ROOT, 'configs/_base_/default_runtime.py'))
    hook = HOOKS.build(cfg.default_hooks.sync_buffers)
    torch.manual_seed(rank)  # the ranks saw different batches
    model = Model().train()
    model.bn(torch.randn(8, 4) * (rank + 1))
    model.steps += rank
    before = {k: v.clone() for k, v in model.state_dict().items()}
    runner = SimpleNamespace(model=model)
    hook.after_train_epoch(runner)
    hook.before_val_epoch(runner)  # already synced: no second reduction
    hook.before_val_epoch(runner)  # iteration loops: syncs here
    return before, {k: v.clone() for k, v in model.state_dict().items()}


def test_frozen_and_integer_buffers_keep_their_bits_on_two_ranks():
    (before0, after0), (before1, after1) = run_ranks(_sync_on_rank, 2)
    for key in ('completion.pool', 'completion.source', 'completion.fc.weight'):
        assert torch.equal(after0[key], before0[key]), key
        assert torch.equal(after1[key], before1[key]), key
    assert torch.equal(after0['completion.source'], IDS)
    # an integer buffer of the trained model is not averaged either
    assert after0['steps'] == 5 and after1['steps'] == 6
    # running statistics are averaged, and equal on both ranks
    for key in ('bn.running_mean', 'bn.running_var'):
        assert not torch.equal(before0[key], before1[key])
        assert torch.equal(after0[key], after1[key])
        torch.testing.assert_close(after0[key],
                                   (before0[key] + before1[key]) / 2)
