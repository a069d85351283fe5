"""Buffer synchronisation across ranks that leaves constant buffers alone.

mmengine's ``SyncBuffersHook`` all-reduces *every* buffer of the model to
its mean at the end of each training epoch / before validation. That is
meant for running statistics (BatchNorm), but it also hits

* integer buffers: the completion's int64 ``pool_source`` (hashed sequence
  ids) overflows in the sum, and the mean goes through float64, so every
  id is corrupted;
* buffers that are equal on every rank by construction (the frozen
  completion's ``prompt_pool`` / ``prior``): ``(a + a + a) / 3`` is not
  always ``a`` in floating point, so they drift by an ulp per validation.

:class:`SyncRunningBuffersHook` averages only the floating-point buffers
of trainable modules that actually differ between ranks. Everything else
keeps its bits, so the hosted completion saved in a checkpoint equals the
file it was loaded from.
"""
from typing import Iterable, List, Tuple

import torch
from mmengine.dist import get_world_size, is_distributed
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from torch import Tensor, nn

from mmaction.registry import HOOKS


def _frozen(module: nn.Module, root_training: bool) -> bool:
    """A module is frozen when it has parameters and none of them is
    trained, or when it is in eval mode while the model trains."""
    params = list(module.parameters())
    if params and not any(p.requires_grad for p in params):
        return True
    return root_training and not module.training


def syncable_buffers(model: nn.Module) -> List[Tuple[str, Tensor]]:
    """Floating-point buffers of the non-frozen modules of ``model`` (name,
    tensor), in ``named_buffers`` order. Buffers of a frozen module and of
    everything under it, and integer / bool buffers, are left out."""
    root_training = model.training
    frozen_prefixes = []
    for name, module in model.named_modules():
        if any(name.startswith(p) for p in frozen_prefixes):
            continue
        if name and _frozen(module, root_training):
            frozen_prefixes.append(name + '.')
    return [(name, buf) for name, buf in model.named_buffers()
            if buf.is_floating_point()
            and not any(name.startswith(p) for p in frozen_prefixes)]


def _flat(tensors: Iterable[Tensor]) -> Tensor:
    return torch.cat([t.detach().reshape(-1).double() for t in tensors])


@torch.no_grad()
def average_differing_buffers(model: nn.Module) -> List[str]:
    """All-reduce to their mean the :func:`syncable_buffers` whose values
    differ between ranks; the others are not touched. Collective: every
    rank must call it. Returns the names of the averaged buffers.

    Three coalesced collectives: max and min of all candidates (to find the
    buffers that differ, in float64 so the test is exact), then the sum of
    the differing ones.
    """
    import torch.distributed as dist
    buffers = syncable_buffers(model)
    if not buffers or not is_distributed():
        return []
    tensors = [b for _, b in buffers]
    high = _flat(tensors)
    low = high.clone()
    dist.all_reduce(high, op=dist.ReduceOp.MAX)
    dist.all_reduce(low, op=dist.ReduceOp.MIN)
    differ, start = [], 0
    for name, buf in buffers:
        n = buf.numel()
        if not torch.equal(high[start:start + n], low[start:start + n]):
            differ.append((name, buf))
        start += n
    if differ:
        total = _flat(b for _, b in differ)
        dist.all_reduce(total, op=dist.ReduceOp.SUM)
        total /= get_world_size()
        start = 0
        for _, buf in differ:
            n = buf.numel()
            buf.copy_(total[start:start + n].view_as(buf).to(buf.dtype))
            start += n
    return [name for name, _ in differ]


@HOOKS.register_module()
class SyncRunningBuffersHook(Hook):
    """``SyncBuffersHook`` for models with frozen or constant buffers.

    Same schedule as mmengine's hook (after each training epoch, and before
    validation when the epoch end did not sync, as in iteration-based
    loops), but only floating-point buffers of trainable modules that differ
    between ranks are averaged (:func:`average_differing_buffers`): the
    frozen hosted completion, integer buffers and buffers equal on all ranks
    keep their exact bits.
    """

    priority = 'NORMAL'

    def __init__(self) -> None:
        self.called_in_train = False

    @staticmethod
    def _sync(runner) -> None:
        if not is_distributed():
            return
        model = runner.model
        if is_model_wrapper(model):
            model = model.module
        average_differing_buffers(model)

    def before_val_epoch(self, runner) -> None:
        if not self.called_in_train:
            self._sync(runner)
        self.called_in_train = False

    def after_train_epoch(self, runner) -> None:
        self._sync(runner)
        self.called_in_train = True
