"""Cross-attention fusion of the position and acceleration streams."""
from typing import Optional

from mmengine.model import BaseModule
from torch import Tensor, nn

from mmaction.registry import MODELS


@MODELS.register_module()
class CrossAttentionFusion(BaseModule):
    """Fuse S_pred and a_pred by cross-attention (the paper's fusion of
    positions and accelerations).

    Both streams are embedded per joint, fusing their sub-streams
    (S_base, S_dyna, S_stat → S_pred; a_base, a_dyna, a_stat → a_pred) with a
    learned linear map. Then, frame by frame, every joint of the position
    stream attends over the joints of the acceleration stream::

        p = W_p [S_base, S_dyna, S_stat, score]      (N, T, V, E)
        a = W_a [a_base, a_dyna, a_stat]             (N, T, V, E)
        h = LayerNorm(p + MHA(q=p, k=a, v=a))        (N, T, V, E)
        out = W_o h                                   (N, T, V, C_out)

    ``out`` is what the GCN backbone receives instead of (x, y, score).
    Without an acceleration stream (``accel=None``, the "no physics"
    ablation) ``out = W_o LayerNorm(p)``.

    Args:
        pos_channels (int): Channels of the position input per joint.
        accel_channels (int): Channels of the acceleration input per joint.
        embed_dim (int): E. Defaults to 32.
        num_heads (int): Attention heads. Defaults to 4.
        out_channels (int): C_out. Defaults to 8.
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
        self.attention = nn.MultiheadAttention(
            embed_dim, num_heads, batch_first=True)
        self.norm = nn.LayerNorm(embed_dim)
        self.out = nn.Linear(embed_dim, out_channels)

    def forward(self, pos: Tensor, accel: Optional[Tensor] = None) -> Tensor:
        """pos (N, T, V, P), accel (N, T, V, A) or None → (N, T, V, C_out)."""
        N, T, V, _ = pos.shape
        p = self.pos_embed(pos).reshape(N * T, V, -1)
        if accel is not None:
            a = self.accel_embed(accel).reshape(N * T, V, -1)
            attended, _ = self.attention(p, a, a, need_weights=False)
            p = p + attended
        return self.out(self.norm(p)).reshape(N, T, V, -1)
