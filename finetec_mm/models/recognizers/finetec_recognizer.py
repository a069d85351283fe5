"""The FineTec recognizer: S_base (unchanged) + observed flag + Lagrangian
acceleration → GCN → classes."""
from typing import Dict, Optional, Sequence, Tuple

import torch
from torch import Tensor

from mmengine.dist import get_rank
from mmengine.structures import LabelData

from mmaction.models.recognizers.base import BaseRecognizer
from mmaction.registry import MODELS
from finetec_mm.functional.decomposition import (STRONG_DEFAULT,
                                                 WEAK_DEFAULT, decompose,
                                                 perturb_config)
from finetec_mm.functional.gap_filling import linear_fill
from finetec_mm.functional.observed_marker import (  # noqa: F401
    mark_restored_frames, marker_channels)
from finetec_mm.functional.sequence_random import SequenceRandom
from ..completion.loading import build_completion_model

STREAMS = ('base', 'dyna', 'stat')
#: keys of ``FineTecRecognizer(completion=...)``
COMPLETION_KEYS = ('checkpoint', 'model', 'observed_marker')
#: keys of ``FineTecRecognizer(decomposition=...)``
DECOMPOSITION_KEYS = ('regions', 'num_dynamic', 'strong', 'weak', 'parents')


def _portable_completion(module, state_dict, prefix, *args) -> None:
    """Let checkpoints move between the hosted and the pipeline variants.

    The hosted completion network is frozen and built from its own
    checkpoint file, so a checkpoint trained with the completion in the
    data pipeline (no ``completion.*`` keys) gets the hosted network's own
    weights, and a checkpoint of a hosted model loads into a model without
    hosted completion by leaving its ``completion.*`` weights aside (the
    pipeline's ``ICLCompletion`` reads the same file).
    """
    key = prefix + 'completion.'
    saved = [k for k in state_dict if k.startswith(key)]
    if module.completion is not None and not saved:
        for name, value in module.completion.state_dict().items():
            state_dict[key + name] = value
    elif module.completion is None:
        for k in saved:
            del state_dict[k]


def per_clip_samples(inputs: Tensor, data_samples) -> list:
    """``data_samples`` repeated once per clip of ``inputs`` (B, nc, ...),
    sample-major like the backbone's (B·nc) batch, so that every training
    clip is scored against its sample's label."""
    num_clips = inputs.shape[1] if inputs.dim() == 6 else 1
    if num_clips == 1:
        return data_samples
    return [sample for sample in data_samples for _ in range(num_clips)]


@MODELS.register_module()
class FineTecRecognizer(BaseRecognizer):
    """FineTec: a GCN backbone fed with S_base unchanged, the observed flag
    and the Lagrangian acceleration as extra input channels.

    Input ``inputs``: with hosted ``completion`` / ``decomposition`` (the
    default configs) the plain (B, num_clips, M, T, V, 3) [x, y, score] of
    S_corrupt, turned into the streams by :meth:`hosted_inputs`; without
    them (B, num_clips, M, T, V, 2·S + 1) as written by ``ICLCompletion`` +
    ``DecompositionAugment`` + ``FormatGCNInput``: the (x, y) of the S
    position streams (in ``streams`` order, default S_base, S_dyna, S_stat)
    followed by the score, negative on restored frames when the observed
    marker is on (:func:`mark_restored_frames`, the transport format of both
    paths). Data flow, with N = B·num_clips (docs/model.md)::

        [S_base, S_dyna, S_stat, score] = hosted_inputs(inputs)  (if hosted)
        S = S_base          at test time, and in training with
                            probability 1 - stream_augment_prob; else
                            S_dyna or S_stat (decomposition-guided
                            augmentation, per clip)          (N, M, T, V, 2)
        [s, o] = marker_channels(score)   unsigned score, observed 0/1
        L = linear fill of S_corrupt      (with linear_channels) (…, 2)
        a = accel_scale · accel_head(S)['accel']             (N, M, T, V, 2)
        x = [S, s, (L), (o), (a), (fusion(...))]  concat     (N, M, T, V, C)
        feats = backbone(x)         any MMAction2 GCN (STGCN, AAGCN, ...)
        scores = cls_head(feats)    averaged over clips at test time
        loss = CE + loss_accel_weight · L_Ac

    The class defaults build the paper's full method; the shipped configs
    (``configs/_base_/models/finetec_stgcn.py``) switch the observed
    channel, the decomposition and physics off, each having measured below
    completion + GCN on real motion (docs/model.md).

    Identity path: the first three channels are exactly the plain GCN's
    (x, y, score) of S_base, so with ``accel_head=None``, no marker and no
    ``fusion`` FineTec *is* the backbone on S_base. The test path is
    deterministic: no perturbation of any stream runs at test time.

    Args:
        backbone (dict): GCN backbone; its ``in_channels`` is set to the
            number of channels above.
        cls_head (dict): Classification head (``GCNHead``).
        accel_head (dict, optional): ``LagrangianAccelHead``; ``None`` for
            the "no physics" ablation.
        streams (Sequence[str]): Position streams present in the input, a
            subset of ('base', 'dyna', 'stat') in that order starting with
            'base'. ``('base',)`` is the "no decomposition" ablation.
        stream_augment_prob (float): Training-time probability that a clip
            is fed S_dyna or S_stat (equally likely) instead of S_base.
            Defaults to 0.5.
        linear_stream (bool): Two-fill late fusion: a second GCN and head
            (same configs, own weights) read the linear interpolation of
            S_corrupt, (x, y, score) exactly as the interpolated ST-GCN
            does, and the test scores are the mean of the two streams'
            clip-averaged class scores; training adds the second stream's
            CE (``loss_cls_linear``). Needs the hosted ``completion``.
            Defaults to False.
        linear_channels (bool): Also feed the linear interpolation of
            S_corrupt's (x, y) as two channels after the score, beside the
            completion (needs the hosted ``completion``): the GCN sees both
            fills and its first layer weighs them per channel. Defaults to
            False.
        observed_channel (bool, optional): Feed the 0/1 observed flag as its
            own channel. ``None`` (default): on when the hosted completion
            marks restored frames (``completion.observed_marker``).
        accel_scale (float): Factor on the accelerations fed to the GCN
            (normalised coordinates per frame², |a| ≈ 0.05) so that they
            start on the positions' scale. Defaults to 10.
        fusion (dict, optional): An extra-channel fusion
            (``CrossAttentionFusion`` / ``MLPFusion``) of the identity
            channels and the acceleration; its ``out_channels`` are appended
            after them. Defaults to None.
        loss_accel_weight (float): λ. Defaults to 1.
        detach_accel (bool): Feed a to the GCN without gradient, so that
            the physics head learns from L_Ac alone and the recognition loss
            cannot reshape it into a class detector of its own (its MLPs see
            whole-body positions per frame). Defaults to False.
        completion (dict, optional): Host the frozen completion network:
            ``dict(checkpoint=..., model=None, observed_marker=False)`` as
            for the ``ICLCompletion`` transform.
        decomposition (dict, optional): Run the decomposition batched in the
            model (training only): ``DecompositionAugment`` arguments
            (``regions``, ``num_dynamic``, ``strong``, ``weak``,
            ``parents``).
    """

    def __init__(self,
                 backbone: dict,
                 cls_head: dict,
                 accel_head: Optional[dict] = dict(
                     type='LagrangianAccelHead'),
                 streams: Sequence[str] = STREAMS,
                 stream_augment_prob: float = 0.5,
                 linear_stream: bool = False,
                 linear_channels: bool = False,
                 observed_channel: Optional[bool] = None,
                 accel_scale: float = 10.,
                 fusion: Optional[dict] = None,
                 loss_accel_weight: float = 1.,
                 detach_accel: bool = False,
                 completion: Optional[dict] = None,
                 decomposition: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 train_cfg: Optional[dict] = None,
                 test_cfg: Optional[dict] = None) -> None:
        unknown = [s for s in streams if s not in STREAMS]
        if unknown or not streams or streams[0] != 'base':
            raise ValueError(f'streams must be a subset of {STREAMS} '
                             f"starting with 'base', got {tuple(streams)}")
        if not 0 <= stream_augment_prob <= 1:
            raise ValueError(f'stream_augment_prob must be in [0, 1], got '
                             f'{stream_augment_prob}')
        if completion is not None:
            unknown = sorted(set(completion) - set(COMPLETION_KEYS))
            if unknown:
                raise ValueError(f'FineTecRecognizer: unknown completion '
                                 f'keys {unknown}; expected some of '
                                 f'{COMPLETION_KEYS}')
        self.observed_marker = bool((completion or {}).get(
            'observed_marker', False))
        if observed_channel is None:
            observed_channel = self.observed_marker
        self.observed_channel = bool(observed_channel)
        self.linear_channels = bool(linear_channels)
        self.linear_stream = bool(linear_stream)
        for key in ('linear_stream', 'linear_channels'):
            if getattr(self, key) and completion is None:
                raise ValueError(
                    f'FineTecRecognizer: {key}=True needs the hosted '
                    'completion (completion=dict(checkpoint=...)): the '
                    'linear fill is made from the same S_corrupt')
        channels = (3 + 2 * self.linear_channels + int(self.observed_channel)
                    + 2 * bool(accel_head))
        if fusion is not None:
            fusion = dict(fusion, pos_channels=channels - 2 * bool(
                accel_head), accel_channels=2)
            fusion.setdefault('out_channels', 8)
            channels += fusion['out_channels']
        backbone = dict(backbone, in_channels=channels)
        super().__init__(
            backbone=backbone, cls_head=cls_head,
            data_preprocessor=data_preprocessor, train_cfg=train_cfg,
            test_cfg=test_cfg)
        self.streams = tuple(streams)
        self.stream_augment_prob = float(stream_augment_prob)
        self.accel_scale = float(accel_scale)
        self.fusion = MODELS.build(fusion) if fusion else None
        self.linear_backbone = self.linear_head = None
        if self.linear_stream:
            self.linear_backbone = MODELS.build(dict(backbone, in_channels=3))
            self.linear_head = MODELS.build(cls_head)
        self.accel_head = MODELS.build(accel_head) if accel_head else None
        self.loss_accel_weight = loss_accel_weight
        self.detach_accel = bool(detach_accel)
        self.completion = None
        if completion is not None:
            self.completion = build_completion_model(
                completion['checkpoint'], completion.get('model'))
        self.decomposition = None
        if decomposition is not None:
            decomposition = dict(decomposition)
            unknown = sorted(set(decomposition) - set(DECOMPOSITION_KEYS))
            if unknown:
                raise ValueError(
                    f'FineTecRecognizer: unknown decomposition keys '
                    f'{unknown}; expected some of {DECOMPOSITION_KEYS} '
                    '(there is no test-time seed: the test path is not '
                    'perturbed)')
            self.decomposition = dict(
                regions=decomposition.get('regions', 'coco'),
                num_dynamic=decomposition.get('num_dynamic', 2),
                strong_cfg=perturb_config(decomposition.get('strong'),
                                          STRONG_DEFAULT),
                weak_cfg=perturb_config(decomposition.get('weak'),
                                        WEAK_DEFAULT),
                parents=decomposition.get('parents'))
        self._register_load_state_dict_pre_hook(_portable_completion,
                                                with_module=True)

    def train(self, mode: bool = True):
        super().train(mode)
        if self.completion is not None:
            self.completion.eval()  # frozen
        return self

    @torch.no_grad()
    def hosted_inputs(self, inputs: Tensor, data_samples=None) -> Tensor:
        """(B, nc, M, T, V, 3) [x, y, score] → (B, nc, M, T, V, 2S+1) by the
        hosted completion and/or decomposition (identity without them).
        With ``completion=dict(observed_marker=True)`` the score channel of
        restored frames is negated (:func:`mark_restored_frames`). The
        decomposition perturbs in training only: at test time S_dyna and
        S_stat are copies of S_base (the test path is deterministic).
        With ``linear_channels`` the linear fill of S_corrupt's (x, y)
        follows the score: (…, 2S+3)."""
        if self.completion is None and self.decomposition is None:
            return inputs
        B, nc, M, T, V, _ = inputs.shape
        coords = inputs[..., :2].reshape(-1, T, V, 2)
        scores = inputs[..., 2].reshape(-1, T, V)
        side = []
        if self.completion is not None:
            raw = coords
            coords, scores, observed = self.completion.complete_sequences(
                coords, scores)
            if self.carries_linear:
                side.append(linear_fill(raw.float().flatten(2),
                                        observed).view(raw.shape))
            if self.observed_marker:
                scores = mark_restored_frames(scores, observed)
        streams = dict(base=coords, dyna=coords, stat=coords)
        if self.decomposition is not None and self.training:
            # the ranks' main processes share numpy's seed
            rng = SequenceRandom.from_numpy(B * nc * M, salt=get_rank())
            dyna, stat, _ = decompose(coords, rng=rng, **self.decomposition)
            streams.update(dyna=dyna, stat=stat)
        out = torch.cat([streams[s] for s in self.streams] +
                        [scores[..., None]] + side, dim=-1)
        return out.reshape(B, nc, M, T, V, -1)

    @property
    def carries_linear(self) -> bool:
        """Whether :meth:`hosted_inputs` appends the linear fill's (x, y)."""
        return self.linear_channels or self.linear_stream

    def split_streams(self, inputs: Tensor) -> Tuple[Tuple[Tensor, ...],
                                                     Tensor]:
        """(N, M, T, V, 2S+1 (+2)) → S streams of (N, M, T, V, 2) and the
        score (N, M, T, V, 1) (the linear-fill channels, if any, are left
        out: :meth:`backbone_input` reads them)."""
        width = 2 * len(self.streams) + 1
        expected = width + 2 * self.carries_linear
        if inputs.shape[-1] != expected:
            linear = ' + linear fill (x, y)' if self.carries_linear else ''
            raise ValueError(
                f'FineTecRecognizer with streams {self.streams} expects '
                f'{expected} input channels (x, y per stream + score'
                f'{linear}), got {inputs.shape[-1]}: check '
                'DecompositionAugment/the pipeline against `streams`.')
        positions = inputs[..., :width - 1].split(2, dim=-1)
        return positions, inputs[..., width - 1:width]

    def select_stream(self, positions: Tuple[Tensor, ...]) -> Tensor:
        """The position stream the GCN sees, (N, M, T, V, 2): S_base at test
        time; in training, per clip, S_base with probability
        1 - ``stream_augment_prob`` and otherwise one of the other streams
        (equally likely), drawn from numpy's seeded RNG like the
        decomposition's perturbations."""
        base = positions[0]
        if (not self.training or len(positions) == 1
                or self.stream_augment_prob == 0):
            return base
        N = base.shape[0]
        rng = SequenceRandom.from_numpy(N, salt=get_rank())
        u = rng.uniform((1, ), base)[:, 0]  # (N, )
        others = len(positions) - 1
        p = self.stream_augment_prob
        # u < 1 - p: base; else stream 1 + floor((u - (1 - p)) / p · others)
        pick = ((u - (1 - p)).clamp(min=0) / p * others).floor().long() + 1
        pick = torch.where(u < 1 - p, torch.zeros_like(pick),
                           pick.clamp(max=others))
        stacked = torch.stack(positions)  # (S, N, M, T, V, 2)
        index = pick.view(1, N, 1, 1, 1, 1).expand(1, *base.shape)
        return stacked.gather(0, index)[0]

    def backbone_input(self, inputs: Tensor) -> Tuple[Tensor, Optional[Tensor]]:
        """(N, M, T, V, 2S+1 (+2)) → backbone input (N, M, T, V, C) and L_Ac
        (or None without physics). Channels: x, y, score of the selected
        stream (S_base at test time), then the linear fill's x, y, then the
        observed flag, then a, then the fusion's output (each only when
        configured)."""
        N, M, T, V, _ = inputs.shape
        positions, marked = self.split_streams(inputs)
        pos = self.select_stream(positions)
        score_obs = marker_channels(marked[..., 0])  # (N, M, T, V, 2)
        channels = [pos, score_obs[..., :1]]
        if self.linear_channels:
            channels.append(inputs[..., -2:])
        if self.observed_channel:
            channels.append(score_obs[..., 1:])
        accel, loss_accel = None, None
        if self.accel_head is not None:
            out = self.accel_head(pos.reshape(N * M, T, V, 2))
            loss_accel = self.accel_head.loss(out)
            accel = self.accel_scale * out['accel'].reshape(N, M, T, V, 2)
            if self.detach_accel:
                accel = accel.detach()
            channels.append(accel)
        if self.fusion is not None:
            identity = torch.cat(
                channels[:2 + self.linear_channels + self.observed_channel],
                -1)
            extra = self.fusion(
                identity.reshape(N * M, T, V, -1),
                None if accel is None else accel.reshape(N * M, T, V, 2))
            channels.append(extra.reshape(N, M, T, V, -1))
        return torch.cat(channels, dim=-1), loss_accel

    def linear_stream_input(self, inputs: Tensor) -> Tensor:
        """(N, M, T, V, 2S+3) → the linear stream's (N, M, T, V, 3): the
        linear fill's (x, y) and the unsigned score, the interpolated
        ST-GCN's input."""
        _, marked = self.split_streams(inputs)
        return torch.cat([inputs[..., -2:], marked.abs()], dim=-1)

    def extract_feat(self,
                     inputs: Tensor,
                     stage: str = 'backbone',
                     data_samples=None,
                     **kwargs) -> Tuple:
        """Features of (B, num_clips, M, T, V, 2S+1) inputs (or (…, 3) with
        hosted completion/decomposition); in training the second element
        carries ``loss_aux = dict(loss_accel=...)``, and with
        ``linear_stream`` it carries the linear stream's features
        (``linear_feats``, class scores at ``stage='head'``)."""
        inputs = self.hosted_inputs(inputs, data_samples)
        B, nc = inputs.shape[:2]
        inputs = inputs.reshape((B * nc, ) + inputs.shape[2:])
        x, loss_accel = self.backbone_input(inputs)
        feats = self.backbone(x)
        kwargs_out: Dict = dict()
        if loss_accel is not None and self.training:
            kwargs_out['loss_aux'] = dict(
                loss_accel=self.loss_accel_weight * loss_accel)
        if self.linear_stream:
            kwargs_out['linear_feats'] = self.linear_backbone(
                self.linear_stream_input(inputs))
        if stage == 'head' and self.with_cls_head:
            feats = self.cls_head(feats)
            if self.linear_stream:
                kwargs_out['linear_feats'] = self.linear_head(
                    kwargs_out['linear_feats'])
        return feats, kwargs_out

    def loss(self, inputs: Tensor, data_samples, **kwargs) -> dict:
        """CE + λ·L_Ac (the paper's total loss), plus the linear stream's
        CE (``loss_cls_linear``) with ``linear_stream``.

        ``inputs`` (B, nc, M, T, V, C): with ``nc > 1`` clips per sample
        every clip is a training example with its sample's label (the
        backbone sees B·nc clips, sample-major)."""
        feats, extra = self.extract_feat(inputs, data_samples=data_samples)
        samples = per_clip_samples(inputs, data_samples)
        losses = self.cls_head.loss(feats, samples)
        losses.update(extra.get('loss_aux', {}))
        if self.linear_stream:
            linear = self.linear_head.loss(extra['linear_feats'], samples)
            losses.update({f'{key}_linear': value
                           for key, value in linear.items()})
        return losses

    def predict(self, inputs: Tensor, data_samples, **kwargs):
        """Class scores averaged over the clips of each sample; with
        ``linear_stream`` the mean of the two streams' clip-averaged
        scores (each head's ``average_clips``, 'prob' for ``GCNHead``)."""
        feats, extra = self.extract_feat(inputs, data_samples=data_samples)
        if not self.linear_stream:
            return self.cls_head.predict(feats, data_samples)
        num_clips = feats.shape[0] // len(data_samples)
        fused = 0.5 * (
            self.cls_head.average_clip(self.cls_head(feats), num_clips) +
            self.linear_head.average_clip(
                self.linear_head(extra['linear_feats']), num_clips))
        for sample, score in zip(data_samples, fused):
            sample.pred_scores = LabelData(item=score)
            sample.pred_labels = LabelData(
                item=score.argmax(dim=-1, keepdim=True))
        return data_samples
