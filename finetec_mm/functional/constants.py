# Copyright (c) FineTec authors. All rights reserved.
"""Small constant tensors built once per device instead of once per call.

Index tables, identity matrices, region memberships and kinematic chains
depend only on a few Python values (sizes, joint tuples) and on the device
and dtype they are used with. Rebuilding them in every forward costs a
host-to-device copy (and on a GPU a synchronisation of the copy stream)
per call; :func:`device_constant` builds them once per key and device.

The functions using them stay pure: a cached tensor is a function of its
key only, and it is never modified in place (callers must not either).
"""
import functools
from typing import Callable

import torch


def _to_device(value, device):
    if isinstance(value, torch.Tensor):
        return value.to(device)
    if isinstance(value, tuple):
        return tuple(_to_device(v, device) for v in value)
    raise TypeError(f'device_constant: the builder must return a tensor or '
                    f'a tuple of tensors, got {type(value).__name__}')


def device_constant(build: Callable) -> Callable:
    """Decorator: ``build(*key)`` (hashable arguments) makes CPU tensors (a
    tensor or a tuple of them); the decorated ``f(*key, device=None)``
    returns them on ``device``, built and copied once per ``(key,
    device)`` (LRU of 256 entries).

    The tensors are made outside ``torch.inference_mode`` even when the
    first call happens inside it, so a constant first used by an inference
    run can still be saved for backward by a later training step. Do not
    modify the returned tensors. Under ``torch.compile`` the builder is
    traced into the graph instead (a constant there).
    """

    @functools.lru_cache(maxsize=256)
    def cached(key, device):
        with torch.inference_mode(False):
            return _to_device(build(*key), device)

    @functools.wraps(build)
    def get(*key, device=None):
        device = torch.device('cpu' if device is None else device)
        if torch.compiler.is_compiling():
            # traced into the graph, where the compiler folds constants
            # (dynamo would trace through the cache wrapper and warn)
            return _to_device(build(*key), device)
        return cached(key, device)

    get.cache_clear = cached.cache_clear
    get.cache_info = cached.cache_info
    return get
