"""The FineTec recognizer: streams → physics → fusion → GCN → classes."""
from typing import Dict, Optional, Sequence, Tuple

import torch
from torch import Tensor

from mmaction.models.recognizers.base import BaseRecognizer
from mmaction.registry import MODELS

STREAMS = ('base', 'dyna', 'stat')


@MODELS.register_module()
class FineTecRecognizer(BaseRecognizer):
    """FineTec (DESIGN §1): a GCN backbone fed with fused position and
    Lagrangian-acceleration streams.

    Input ``inputs`` (B, num_clips, M, T, V, 2·S + 1), as written by
    ``DecompositionAugment`` + ``FormatGCNInput``: the (x, y) of the S
    position streams (in ``streams`` order, default S_base, S_dyna, S_stat)
    followed by the keypoint score. Data flow, with N = B·num_clips::

        S_α  (N·M, T, V, 2)          α ∈ streams
        a_α = accel_head(S_α)         (N·M, T, V, 2)   LagrangianAccelHead
        x = fusion([S_α..., score], [a_α...])   (N, M, T, V, C_fused)
        feats = backbone(x)           any MMAction2 GCN (STGCN, AAGCN, ...)
        scores = cls_head(feats)      averaged over clips at test time
        loss = CE + loss_accel_weight · mean_α L_Ac(α)

    Args:
        backbone (dict): GCN backbone; its ``in_channels`` is set to the
            fusion's ``out_channels``.
        cls_head (dict): Classification head (``GCNHead``).
        fusion (dict): ``CrossAttentionFusion`` (default) or ``MLPFusion``;
            ``pos_channels`` / ``accel_channels`` are filled in.
        accel_head (dict, optional): ``LagrangianAccelHead``; ``None`` for
            the "no physics" ablation.
        streams (Sequence[str]): Position streams present in the input, a
            subset of ('base', 'dyna', 'stat') in that order. ``('base',)``
            is the "no decomposition" ablation.
        loss_accel_weight (float): λ. Defaults to 1.
    """

    def __init__(self,
                 backbone: dict,
                 cls_head: dict,
                 fusion: dict = dict(type='CrossAttentionFusion'),
                 accel_head: Optional[dict] = dict(
                     type='LagrangianAccelHead'),
                 streams: Sequence[str] = STREAMS,
                 loss_accel_weight: float = 1.,
                 data_preprocessor: Optional[dict] = None,
                 train_cfg: Optional[dict] = None,
                 test_cfg: Optional[dict] = None) -> None:
        unknown = [s for s in streams if s not in STREAMS]
        if unknown or not streams:
            raise ValueError(f'streams must be a non-empty subset of '
                             f'{STREAMS}, got {tuple(streams)}')
        fusion = dict(fusion)
        fusion.update(pos_channels=2 * len(streams) + 1,
                      accel_channels=2 * len(streams))
        fusion.setdefault('out_channels', 8)
        backbone = dict(backbone, in_channels=fusion['out_channels'])
        super().__init__(
            backbone=backbone, cls_head=cls_head,
            data_preprocessor=data_preprocessor, train_cfg=train_cfg,
            test_cfg=test_cfg)
        self.streams = tuple(streams)
        self.fusion = MODELS.build(fusion)
        self.accel_head = MODELS.build(accel_head) if accel_head else None
        self.loss_accel_weight = loss_accel_weight

    def split_streams(self, inputs: Tensor) -> Tuple[Tensor, ...]:
        """(N, M, T, V, 2S+1) → S streams of (N, M, T, V, 2) and the score
        (N, M, T, V, 1)."""
        expected = 2 * len(self.streams) + 1
        if inputs.shape[-1] != expected:
            raise ValueError(
                f'FineTecRecognizer with streams {self.streams} expects '
                f'{expected} input channels (x, y per stream + score), got '
                f'{inputs.shape[-1]}: check DecompositionAugment/the '
                'pipeline against `streams`.')
        positions = inputs[..., :-1].split(2, dim=-1)
        return positions, inputs[..., -1:]

    def fuse(self, inputs: Tensor) -> Tuple[Tensor, Optional[Tensor]]:
        """(N, M, T, V, 2S+1) → backbone input (N, M, T, V, C_fused) and
        L_Ac (mean over streams), or None without physics."""
        N, M, T, V, _ = inputs.shape
        positions, score = self.split_streams(inputs)
        accels, loss_accel = None, None
        if self.accel_head is not None:
            outputs = [self.accel_head(p.reshape(N * M, T, V, 2))
                       for p in positions]
            loss_accel = torch.stack(
                [self.accel_head.loss(out) for out in outputs]).mean()
            accels = torch.cat([out['accel'] for out in outputs], dim=-1)
        pos = inputs.reshape(N * M, T, V, -1)
        fused = self.fusion(pos, accels)
        return fused.reshape(N, M, T, V, -1), loss_accel

    def extract_feat(self,
                     inputs: Tensor,
                     stage: str = 'backbone',
                     **kwargs) -> Tuple:
        """Features of (B, num_clips, M, T, V, 2S+1) inputs; in training the
        second element carries ``loss_aux = dict(loss_accel=...)``."""
        B, nc = inputs.shape[:2]
        fused, loss_accel = self.fuse(inputs.reshape((B * nc, ) +
                                                     inputs.shape[2:]))
        feats = self.backbone(fused)
        kwargs_out: Dict = dict()
        if loss_accel is not None and self.training:
            kwargs_out['loss_aux'] = dict(
                loss_accel=self.loss_accel_weight * loss_accel)
        if stage == 'head' and self.with_cls_head:
            feats = self.cls_head(feats)
        return feats, kwargs_out

    def loss(self, inputs: Tensor, data_samples, **kwargs) -> dict:
        """CE + λ·L_Ac (DESIGN §1.4)."""
        feats, extra = self.extract_feat(inputs, data_samples=data_samples)
        losses = self.cls_head.loss(feats, data_samples)
        losses.update(extra.get('loss_aux', {}))
        return losses
