"""Timing and memory helpers: device sync, peak memory, state size."""

import ctypes
import resource

import torch


def sync(device):
    if device == 'cuda':
        torch.cuda.synchronize()


def _malloc_trim():
    try:
        ctypes.CDLL('libc.so.6').malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _status_kb(field):
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith(field + ':'):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


class PeakMemory:
    """Peak memory of a block above what was allocated when it started.

    cuda: ``torch.cuda.max_memory_allocated``; cpu: the resident set's
    high-water mark (VmHWM, reset through /proc/self/clear_refs; freed heap
    returned first with malloc_trim). Where VmHWM cannot be reset, the
    process's ``ru_maxrss`` is used and the figure is process-wide."""

    def __init__(self, device):
        self.device = device
        self.method = None

    def __enter__(self):
        if self.device == 'cuda':
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
            self.start = torch.cuda.memory_allocated()
            self.method = 'torch.cuda.max_memory_allocated'
            return self
        _malloc_trim()
        try:
            with open('/proc/self/clear_refs', 'w') as f:
                f.write('5')
            self.start = _status_kb('VmRSS') * 1024
            self.method = 'peak RSS (VmHWM after /proc/self/clear_refs)'
        except (OSError, TypeError):
            self.start = _status_kb('VmRSS')
            self.start = (self.start or 0) * 1024
            self.method = 'resource.getrusage ru_maxrss (process-wide)'
        return self

    def __exit__(self, *exc):
        if self.device == 'cuda':
            torch.cuda.synchronize()
            self.peak = torch.cuda.max_memory_allocated()
        elif self.method.startswith('peak RSS'):
            self.peak = (_status_kb('VmHWM') or 0) * 1024
        else:
            self.peak = resource.getrusage(
                resource.RUSAGE_SELF).ru_maxrss * 1024
        self.increase = max(0, self.peak - self.start)
        return False


def state_bytes(model, optim_wrapper):
    """Bytes of what training keeps between steps: parameters, buffers,
    gradients and optimizer state."""
    total = 0
    for p in model.parameters():
        total += p.numel() * p.element_size()
        if p.grad is not None:
            total += p.grad.numel() * p.grad.element_size()
    for b in model.buffers():
        total += b.numel() * b.element_size()
    for state in optim_wrapper.optimizer.state.values():
        for value in state.values():
            if torch.is_tensor(value):
                total += value.numel() * value.element_size()
    return total
