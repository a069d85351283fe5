# Copyright (c) FineTec authors. All rights reserved.
"""Counter-based random numbers for a batch of sequences.

The perturbations of the paper's skeleton-based spatial decomposition
need random numbers that are a pure function of the sequence they
perturb, so that a clip gets the same S_dyna / S_stat in the data pipeline (one sample at a time) and inside
the model (a whole batch on the GPU). :class:`SequenceRandom` gives every
sequence ``i`` a 64-bit key ``k_i`` and defines the ``j``-th number of its
stream by integer hashing::

    a_i = mix32(k_i mod 2^32),  b_i = mix32(k_i div 2^32 XOR φ)
    h_ij = mix32(((j XOR b_i) · φ + a_i) mod 2^32)
    u_ij = floor(h_ij / 2^8) · 2^-24          ∈ [0, 1)

with ``mix32`` a 32-bit avalanche hash (xor-shift / multiply rounds, the
"lowbias32" constants) and φ = 0x9E3779B9. Every number is computed
independently, in one batch of element-wise integer operations on the
data's device: no per-sequence Python work, no host/device copies besides
the N keys, and the values do not depend on the batch they are drawn in or
on whether they were drawn ahead of time (:meth:`SequenceRandom.reserve`).
The uniforms are exact integer results, the same on every device; normals
use Box–Muller (both outputs, cos and sin, of each pair of uniforms), whose
log / cos may round differently on another device.
"""
import hashlib
from typing import Optional, Sequence, Tuple, Union

import numpy as np
import torch
from torch import Tensor

MASK32 = 0xFFFFFFFF
GOLDEN32 = 0x9E3779B9
GOLDEN64 = 0x9E3779B97F4A7C15


def _mul32(x: Tensor, c: int) -> Tensor:
    """``(x * c) mod 2^32`` for int64 ``x`` in [0, 2^32), ``c`` < 2^32: the
    int64 product wraps modulo 2^64 (two's complement, as CPU and CUDA
    integer multiplication do), which keeps its low 32 bits exact; the
    tests check the hash against exact Python integers."""
    return (x * c) & MASK32


def _numel(shape: Sequence[int]) -> int:
    """Product of ``shape`` in plain Python (traceable by dynamo, unlike
    ``np.prod``)."""
    count = 1
    for size in shape:
        count *= int(size)
    return count


def mix32(x: Tensor) -> Tensor:
    """A bijective 32-bit avalanche hash of int64 values in [0, 2^32)."""
    x = x ^ (x >> 16)
    x = _mul32(x, 0x7FEB352D)
    x = x ^ (x >> 15)
    x = _mul32(x, 0x846CA68B)
    return x ^ (x >> 16)


def sample_key(sample_id: str, clip_idx: Union[int, str], seed: int,
               person: int = 0) -> int:
    """The key of clip ``clip_idx`` / person ``person`` of a sample.

    First 8 bytes of SHA-256(``f'{sample_id}|{clip_idx}|{seed}'``), person
    ``m > 0`` appending ``f'|{m}'`` (the key of
    :func:`~finetec_mm.datasets.transforms.sample_rng`), so zero-padded
    persons never shift the numbers of real ones.
    """
    text = f'{sample_id}|{clip_idx}|{seed}'
    if person:
        text += f'|{person}'
    digest = hashlib.sha256(text.encode('utf-8')).digest()
    return int.from_bytes(digest[:8], 'little')


class SequenceRandom:
    """Independent random streams of N sequences.

    Args:
        keys (Sequence[int] | Tensor): N keys, integers in [0, 2^64).

    Draws are consumed in call order: the k-th call of :meth:`uniform` /
    :meth:`normal` reads the stream positions after those of the previous
    calls, the same positions for every sequence. Two objects with the same
    keys therefore give the same numbers for the same calls.
    """

    def __init__(self, keys: Union[Sequence[int], Tensor]) -> None:
        keys = [int(k) for k in keys]
        if any(not 0 <= k < 2**64 for k in keys):
            raise ValueError('SequenceRandom keys must be in [0, 2^64)')
        lo = torch.tensor([k & MASK32 for k in keys], dtype=torch.int64)
        hi = torch.tensor([k >> 32 for k in keys], dtype=torch.int64)
        self._state = (mix32(lo), mix32(hi ^ GOLDEN32))  # a_i, b_i
        self._state_by_device = {torch.device('cpu'): self._state}
        self.offset = 0  # next stream position
        self._reserved: Optional[Tensor] = None  # (N, R) uniforms
        self._reserved_start = 0

    @classmethod
    def for_samples(cls, sample_ids: Sequence[str], num_clips: int,
                    num_person: int, seed: int = 0) -> 'SequenceRandom':
        """Test-mode streams of a batch laid out (sample, clip, person), the
        order of ``(B, num_clips, M, ...)`` inputs flattened to
        ``(B·num_clips·M, ...)``."""
        return cls([
            sample_key(str(s), k, seed, m) for s in sample_ids
            for k in range(num_clips) for m in range(num_person)
        ])

    @classmethod
    def from_numpy(cls, num: int, salt: int = 0) -> 'SequenceRandom':
        """Training-mode streams, keyed from numpy's global RNG (which
        MMEngine seeds per dataloader worker). ``salt`` (e.g. the
        distributed rank, whose main processes share numpy's seed) is mixed
        into the keys so that each salt gets its own streams."""
        keys = np.random.randint(0, 2**63 - 1, size=num, dtype=np.int64)
        return cls([(int(k) + salt * GOLDEN64) % 2**64 for k in keys])

    def __len__(self) -> int:
        return self._state[0].shape[0]

    def _state_on(self, device) -> Tuple[Tensor, Tensor]:
        """The (N, ) int64 states a_i, b_i on ``device``, copied there once
        per object instead of at every draw."""
        device = torch.device('cpu' if device is None else device)
        state = self._state_by_device.get(device)
        if state is None:
            state = tuple(s.to(device) for s in self._state)
            self._state_by_device[device] = state
        return state

    def _hash(self, start: int, count: int, device) -> Tensor:
        """(N, count) uniforms at stream positions [start, start+count)."""
        a, b = self._state_on(device)
        j = torch.arange(start, start + count, device=device,
                         dtype=torch.int64) & MASK32
        h = mix32((_mul32(j[None] ^ b[:, None], GOLDEN32) + a[:, None])
                  & MASK32)
        return (h >> 8).to(torch.float32) * 2.0**-24

    def reserve(self, count: int, device=None) -> None:
        """Compute the next ``count`` positions of every stream in one go
        (only a speed-up: the numbers are the same as drawn on demand)."""
        self._reserved = self._hash(self.offset, count, device)
        self._reserved_start = self.offset

    def _take(self, count: int, device) -> Tensor:
        start, self.offset = self.offset, self.offset + count
        res = self._reserved
        if res is not None and res.device == torch.device(device) and (
                self._reserved_start <= start
                and start + count <= self._reserved_start + res.shape[1]):
            begin = start - self._reserved_start
            return res[:, begin:begin + count]
        return self._hash(start, count, device)

    def uniform(self, shape: Sequence[int], like: Tensor) -> Tensor:
        """(N, *shape) uniforms in [0, 1) on ``like``'s device and dtype."""
        count = _numel(shape)
        u = self._take(count, like.device)
        return u.reshape((len(self), ) + tuple(shape)).to(like.dtype)

    def normal(self, shape: Sequence[int], like: Tensor) -> Tensor:
        """(N, *shape) standard normals: Box–Muller on ``ceil(n / 2)`` pairs
        of uniforms, both outputs used (``n`` = prod(shape) positions,
        rounded up to even)."""
        count = _numel(shape)
        pairs = (count + 1) // 2
        u = self._take(2 * pairs, like.device)
        radius = torch.sqrt(-2 * torch.log1p(-u[:, :pairs]))
        angle = (2 * torch.pi) * u[:, pairs:]
        z = torch.cat([radius * torch.cos(angle), radius * torch.sin(angle)],
                      dim=1)[:, :count]
        return z.reshape((len(self), ) + tuple(shape)).to(like.dtype)
