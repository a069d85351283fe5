"""MLP fusion of the position and acceleration streams (ablation)."""
from typing import Optional

import torch
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmaction.registry import MODELS


@MODELS.register_module()
class MLPFusion(BaseModule):
    """The paper's alternative to cross-attention: a per-joint MLP over the
    concatenated position and acceleration embeddings::

        out = W_2 ReLU(W_1 [W_p pos, W_a accel])     (N, T, V, C_out)

    Same arguments and shapes as :class:`CrossAttentionFusion`
    (``num_heads`` is accepted and ignored so configs can switch by type).
    """

    def __init__(self,
                 pos_channels: int,
                 accel_channels: int,
                 embed_dim: int = 32,
                 num_heads: int = 4,
                 out_channels: int = 8,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.pos_embed = nn.Linear(pos_channels, embed_dim)
        self.accel_embed = nn.Linear(accel_channels, embed_dim)
        self.mlp = nn.Sequential(
            nn.Linear(2 * embed_dim, embed_dim), nn.ReLU(inplace=True),
            nn.Linear(embed_dim, out_channels))

    def forward(self, pos: Tensor, accel: Optional[Tensor] = None) -> Tensor:
        """pos (N, T, V, P), accel (N, T, V, A) or None → (N, T, V, C_out)."""
        p = self.pos_embed(pos)
        a = self.accel_embed(accel) if accel is not None else torch.zeros_like(p)
        return self.mlp(torch.cat([p, a], dim=-1))
