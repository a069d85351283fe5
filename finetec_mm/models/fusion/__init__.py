from .cross_attention_fusion import CrossAttentionFusion
from .mlp_fusion import MLPFusion

__all__ = ['CrossAttentionFusion', 'MLPFusion']
