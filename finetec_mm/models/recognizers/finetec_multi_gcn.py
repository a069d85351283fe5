"""The "Multi-GCN" variant of FineTec: one GCN per stream, late fusion."""
import copy
from typing import Optional, Sequence

import torch
from torch import Tensor, nn

from finetec_mm.functional.observed_marker import marker_channels
from mmaction.registry import MODELS
from .finetec_recognizer import STREAMS, FineTecRecognizer, per_clip_samples


@MODELS.register_module()
class FineTecMultiGCN(FineTecRecognizer):
    """Six parallel GCNs on S_base, S_dyna, S_stat, a_base, a_dyna, a_stat
    (the paper's Multi-GCN comparison), fused late.

    Each stream is fed as (x, y, score) to its own backbone and head (same
    configs, separate weights); the class scores (logits) of the 2·S streams
    are averaged, and the loss is CE on the average + λ·mean_α L_Ac.
    Inputs as for :class:`FineTecRecognizer`, (B, nc, M, T, V, 2·S + 1).

    Args:
        backbone (dict): Backbone config of every stream (``in_channels`` is
            set to 3).
        cls_head (dict): Head config of every stream.
        fusion: Ignored (late fusion); accepted so that a FineTec config
            switches to this variant by changing ``type`` only.
        accel_head (dict): ``LagrangianAccelHead`` (shared by the streams).
        streams (Sequence[str]): Position streams in the input. In
            training S_dyna / S_stat are perturbed (hosted decomposition);
            at test time they are copies of S_base, as for
            :class:`FineTecRecognizer`.
        stream_augment_prob: must be None or 0 (every stream has its own
            GCN, none is substituted).
        linear_stream (bool): must be False (no linear-fill stream);
            accepted so that a config built on the two-fill defaults
            switches it off by key.
        accel_scale (float): factor on the acceleration streams. Defaults
            to 1 (each GCN's data BatchNorm standardises its input).
        loss_accel_weight (float): λ. Defaults to 1.
        completion, decomposition (dict, optional): hosted completion /
            decomposition, as for :class:`FineTecRecognizer`.
    """

    def __init__(self,
                 backbone: dict,
                 cls_head: dict,
                 fusion: Optional[dict] = None,
                 accel_head: dict = dict(type='LagrangianAccelHead'),
                 streams: Sequence[str] = STREAMS,
                 stream_augment_prob: Optional[float] = None,
                 linear_stream: bool = False,
                 accel_scale: float = 1.,
                 loss_accel_weight: float = 1.,
                 completion: Optional[dict] = None,
                 decomposition: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 train_cfg: Optional[dict] = None,
                 test_cfg: Optional[dict] = None) -> None:
        if stream_augment_prob:
            raise ValueError(
                'FineTecMultiGCN reads every stream with its own GCN: '
                'stream_augment_prob must be None or 0, got '
                f'{stream_augment_prob}')
        if linear_stream:
            raise ValueError('FineTecMultiGCN has no linear-fill stream: '
                             'set linear_stream=False')
        if accel_head is None:
            raise ValueError('FineTecMultiGCN needs an accel_head: half of '
                             'its streams are accelerations')
        super().__init__(
            backbone=backbone, cls_head=cls_head,
            accel_head=accel_head, streams=streams,
            stream_augment_prob=0., observed_channel=False,
            accel_scale=accel_scale,
            loss_accel_weight=loss_accel_weight, completion=completion,
            decomposition=decomposition,
            data_preprocessor=data_preprocessor, train_cfg=train_cfg,
            test_cfg=test_cfg)
        # every GCN reads (x, y, score) of one stream: late fusion only
        self.backbone = MODELS.build(dict(copy.deepcopy(backbone),
                                          in_channels=3))
        num_streams = 2 * len(self.streams)
        self.extra_backbones = nn.ModuleList(
            MODELS.build(dict(copy.deepcopy(backbone), in_channels=3))
            for _ in range(num_streams - 1))
        self.extra_heads = nn.ModuleList(
            MODELS.build(copy.deepcopy(cls_head))
            for _ in range(num_streams - 1))

    def extract_feat(self,
                     inputs: Tensor,
                     stage: str = 'backbone',
                     data_samples=None,
                     **kwargs):
        """Averaged class scores (B·nc, num_classes) of the 2·S streams;
        in training also ``loss_aux``. ``stage`` is accepted for API
        compatibility: late fusion only exists at the score level."""
        inputs = self.hosted_inputs(inputs, data_samples)
        B, nc, M, T, V, _ = inputs.shape
        x = inputs.reshape(B * nc, M, T, V, -1)
        positions, marked = self.split_streams(x)
        score = marker_channels(marked[..., 0])[..., :1]  # unsigned
        outputs = [self.accel_head(p.reshape(-1, T, V, 2)) for p in positions]
        accels = [self.accel_scale * out['accel'].reshape(B * nc, M, T, V, 2)
                  for out in outputs]
        streams = [torch.cat([s, score], dim=-1)
                   for s in list(positions) + accels]
        backbones = [self.backbone] + list(self.extra_backbones)
        heads = [self.cls_head] + list(self.extra_heads)
        scores = torch.stack([
            head(backbone(stream))
            for stream, backbone, head in zip(streams, backbones, heads)
        ]).mean(dim=0)
        extra = dict()
        if self.training:
            loss_accel = torch.stack(
                [self.accel_head.loss(out) for out in outputs]).mean()
            extra['loss_aux'] = dict(
                loss_accel=self.loss_accel_weight * loss_accel)
        return scores, extra

    def loss(self, inputs: Tensor, data_samples, **kwargs) -> dict:
        scores, extra = self.extract_feat(inputs, data_samples=data_samples)
        losses = self.cls_head.loss_by_feat(
            scores, per_clip_samples(inputs, data_samples))
        losses.update(extra.get('loss_aux', {}))
        return losses

    def predict(self, inputs: Tensor, data_samples, **kwargs):
        scores, _ = self.extract_feat(inputs, data_samples=data_samples)
        return self.cls_head.predict_by_feat(scores, data_samples)
