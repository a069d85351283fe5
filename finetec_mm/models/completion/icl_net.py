# Copyright (c) FineTec authors. All rights reserved.
"""In-context skeleton completion network (FineTec §1.2, siMLPe-style)."""
import math
from typing import Tuple

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from torch import Tensor

from mmaction.registry import MODELS
from finetec_mm.functional.gap_filling import linear_fill


def sinusoidal_code(length: int, dim: int) -> Tensor:
    """Sinusoidal position code (length, dim): ``sin/cos(p / 10000^(2i/dim))``
    in the even / odd channels."""
    pos = torch.arange(length, dtype=torch.float32)[:, None]
    freq = torch.exp(-math.log(10000.) *
                     torch.arange(0, dim, 2, dtype=torch.float32) / dim)
    code = torch.zeros(length, dim)
    code[:, 0::2] = torch.sin(pos * freq)
    code[:, 1::2] = torch.cos(pos * freq[:dim // 2])
    return code


class MLPBlock(nn.Module):
    """siMLPe block ``x + LayerNorm(FC(x))`` along one axis.

    ``axis='spatial'`` mixes the D features of each frame, ``'temporal'``
    mixes the L frames of each feature. The FC starts near zero (Xavier,
    gain ``init_gain``, zero bias), so the block starts near the identity.

    Args:
        axis (str): ``'spatial'`` or ``'temporal'``.
        size (int): D (spatial) or L (temporal).
        init_gain (float): Xavier gain of the FC. Defaults to 1e-8.
    """

    def __init__(self, axis: str, size: int, init_gain: float = 1e-8):
        super().__init__()
        if axis not in ('spatial', 'temporal'):
            raise ValueError(f'MLPBlock: unknown axis {axis!r}')
        self.axis = axis
        self.fc = nn.Linear(size, size)
        self.norm = nn.LayerNorm(size)
        nn.init.xavier_uniform_(self.fc.weight, gain=init_gain)
        nn.init.zeros_(self.fc.bias)

    def forward(self, x: Tensor) -> Tensor:
        """x: (N, L, D) -> (N, L, D)."""
        if self.axis == 'spatial':
            return x + self.norm(self.fc(x))
        y = x.transpose(1, 2)  # (N, D, L)
        return x + self.norm(self.fc(y)).transpose(1, 2)


@MODELS.register_module()
class ICLCompletionNet(BaseModule):
    """Context-aware (in-context) completion of skeleton clips.

    Two streams of ``2T`` frames each go through the same MLP stack:

    * prompt stream: ``[masked context (T) ; context (T)]`` (an
      input -> target example);
    * query stream: ``[corrupted query (T) ; prior (T)]``, the prior standing
      in for the unknown target.

    Each frame is embedded from ``V*C + 1 + pos_dim`` features (43 for
    COCO-17 2D): the coordinates, a mask bit and a sinusoidal code of the
    frame's position in ``[0, 2T)``. Input-half frames carry
    ``coords * mask`` and their observed bit; the context target half carries
    the context with bit 1; the prior placeholder carries the prior with bit
    0 (known to be a guess). An input ``Linear(43 -> V*C) + ReLU`` embeds
    every frame; the two streams (stacked along the batch, weights shared)
    pass ``merge_after`` blocks, are averaged (Skeleton-in-Context style),
    and the merged stream passes the remaining blocks. An output
    ``Linear(V*C -> V*C)`` (truncated-normal init) predicts a residual on
    the stream's coordinates:

    * completion = base(query) + out(merged)[T:], then observed query frames
      are copied back bit-identically (``torch.where(mask, query, pred)``);
    * prompt reconstruction (:meth:`reconstruct`, for the prompt loss): the
      masked context completed *without its clean half in view*, by the
      query-stream computation ``[masked context ; prior]`` through the
      ``merge_after`` pre-merge blocks, read from the placeholder half.
      (Read from the prompt stream itself, which carries the clean context,
      the temporal blocks could copy the answer across the two halves.)

    The residual base (like siMLPe's residual on the last observed pose) is
    ``residual='linear'``: the clip linearly interpolated over its missing
    frames (:func:`linear_fill`), so the stack learns a correction of the
    interpolation baseline; ``'prior'``: the prior placeholder, i.e. the
    stream's own input coordinates in the half that is read out.

    Block axes follow ``block_pattern`` (``S`` spatial over the V*C features,
    ``T`` temporal over the 2T frames), repeated to ``num_blocks``; the
    default ``'STSTTSTS'`` is the paper's S->T, S->T, T->S, T->S.

    Args:
        num_joints (int): V. Defaults to 17.
        coord_dim (int): C. Defaults to 2.
        clip_len (int): T (16 for Gym, 100 for NTU). Defaults to 16.
        num_blocks (int): MLP blocks. Defaults to 48.
        pos_dim (int): Position code size (even). Defaults to 8.
        merge_after (int): Blocks per stream before the average, in
            ``[0, num_blocks]``. Defaults to 4.
        block_pattern (str): Axis pattern. Defaults to ``'STSTTSTS'``.
        init_gain (float): Xavier gain of the block FCs. Defaults to 1e-8.
        out_std (float): Std of the output layer's truncated-normal init.
            Defaults to 0.02.
        residual (str): ``'linear'`` or ``'prior'``, see above. Defaults to
            ``'linear'``.
        embed_relu (bool): ReLU after the input layer (the paper's design).
            Defaults to True.
        init_cfg (dict, optional): mmengine init config. Defaults to None.
    """

    def __init__(self,
                 num_joints: int = 17,
                 coord_dim: int = 2,
                 clip_len: int = 16,
                 num_blocks: int = 48,
                 pos_dim: int = 8,
                 merge_after: int = 4,
                 block_pattern: str = 'STSTTSTS',
                 init_gain: float = 1e-8,
                 out_std: float = 0.02,
                 residual: str = 'linear',
                 embed_relu: bool = True,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if not 0 <= merge_after <= num_blocks:
            raise ValueError(f'ICLCompletionNet: merge_after={merge_after} '
                             f'not in [0, num_blocks={num_blocks}]')
        if pos_dim % 2 or set(block_pattern) - {'S', 'T'} or not block_pattern:
            raise ValueError('ICLCompletionNet: pos_dim must be even and '
                             "block_pattern a string of 'S'/'T'")
        if residual not in ('linear', 'prior'):
            raise ValueError(f'ICLCompletionNet: residual={residual!r} not '
                             "in ('linear', 'prior')")
        self.residual = residual
        self.num_joints, self.coord_dim = num_joints, coord_dim
        self.clip_len, self.merge_after = clip_len, merge_after
        dim = num_joints * coord_dim
        self.register_buffer('pos_code', sinusoidal_code(2 * clip_len,
                                                         pos_dim),
                             persistent=False)
        self.embed = nn.Sequential(nn.Linear(dim + 1 + pos_dim, dim),
                                   nn.ReLU() if embed_relu else
                                   nn.Identity())
        axes = (block_pattern * num_blocks)[:num_blocks]
        self.blocks = nn.ModuleList(
            MLPBlock('spatial' if a == 'S' else 'temporal',
                     dim if a == 'S' else 2 * clip_len, init_gain)
            for a in axes)
        self.head = nn.Linear(dim, dim)
        nn.init.trunc_normal_(self.head.weight, std=out_std,
                              a=-2 * out_std, b=2 * out_std)
        nn.init.zeros_(self.head.bias)

    def init_weights(self) -> None:
        """Keep the constructor's init (near-identity blocks) unless an
        ``init_cfg`` is given."""
        if self.init_cfg:
            super().init_weights()

    def _frames(self, source: Tensor, source_mask: Tensor, target: Tensor,
                target_bit: float) -> Tuple[Tensor, Tensor]:
        """Stream features (B, 2T, V*C+1+P) and coordinates (B, 2T, V*C)."""
        B, T = source_mask.shape
        m = source_mask.to(source.dtype)[:, :, None]
        src = source.reshape(B, T, -1) * m
        tgt = target.reshape(B, T, -1)
        coords = torch.cat([src, tgt], dim=1)
        bits = torch.cat([m, torch.full_like(m, target_bit)], dim=1)
        pos = self.pos_code.to(source.dtype).expand(B, -1, -1)
        return torch.cat([coords, bits, pos], dim=2), coords

    def _check(self, clip: Tensor) -> None:
        B, T, V, C = clip.shape
        if T != self.clip_len or V * C != self.num_joints * self.coord_dim:
            raise ValueError(f'ICLCompletionNet: expected (B, {self.clip_len}'
                             f', {self.num_joints}, {self.coord_dim}) clips, '
                             f'got {tuple(clip.shape)}')

    def _base(self, stream_xyz: Tensor, clip: Tensor, mask: Tensor) -> Tensor:
        """Residual base (B, T, V*C) of the placeholder half."""
        if self.residual == 'linear':
            return linear_fill(clip.reshape(*mask.shape, -1), mask)
        return stream_xyz[:, mask.shape[1]:]

    def forward(self, context: Tensor, context_mask: Tensor, query: Tensor,
                query_mask: Tensor, prior: Tensor) -> Tensor:
        """Complete ``query`` given the prompt ``(context, context_mask)``.

        Args:
            context (Tensor): Clean prompt clip (B, T, V, C).
            context_mask (Tensor): bool (B, T), the prompt's observed frames.
            query (Tensor): Query clip (B, T, V, C); values of unobserved
                frames are ignored.
            query_mask (Tensor): bool (B, T), True = observed.
            prior (Tensor): Placeholder (B, T, V, C) or (T, V, C).

        Returns:
            Tensor: completed query (B, T, V, C), observed frames equal to
            ``query``.
        """
        self._check(query)
        B, T, V, C = query.shape
        query_mask, context_mask = query_mask.bool(), context_mask.bool()
        prior = prior.expand(B, T, V, C)
        p_feat, _ = self._frames(context, context_mask, context, 1.)
        q_feat, q_xyz = self._frames(query, query_mask, prior, 0.)
        x = self.embed(torch.cat([p_feat, q_feat]))  # (2B, 2T, D)
        for block in self.blocks[:self.merge_after]:
            x = block(x)
        x = 0.5 * (x[:B] + x[B:])
        for block in self.blocks[self.merge_after:]:
            x = block(x)
        pred = self._base(q_xyz, query, query_mask) + self.head(x)[:, T:]
        return torch.where(query_mask[:, :, None, None], query,
                           pred.reshape(B, T, V, C))

    def reconstruct(self, context: Tensor, context_mask: Tensor,
                    prior: Tensor) -> Tensor:
        """The prompt's masked frames restored from its observed frames only.

        Stream ``[context * mask ; prior]`` (placeholder bit 0) through the
        pre-merge blocks and the output layer; the clean context is not an
        input, so a loss against it cannot be met by copying.

        Args:
            context (Tensor): (B, T, V, C); unobserved frames are ignored.
            context_mask (Tensor): bool (B, T), True = observed.
            prior (Tensor): Placeholder (B, T, V, C) or (T, V, C).

        Returns:
            Tensor: (B, T, V, C), observed frames equal to ``context``.
        """
        self._check(context)
        B, T, V, C = context.shape
        context_mask = context_mask.bool()
        feat, xyz = self._frames(context, context_mask,
                                 prior.expand(B, T, V, C), 0.)
        x = self.embed(feat)
        for block in self.blocks[:self.merge_after]:
            x = block(x)
        pred = self._base(xyz, context, context_mask) + self.head(x)[:, T:]
        return torch.where(context_mask[:, :, None, None], context,
                           pred.reshape(B, T, V, C))
