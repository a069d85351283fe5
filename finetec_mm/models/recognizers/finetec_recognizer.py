"""The FineTec recognizer: streams → physics → fusion → GCN → classes."""
from typing import Dict, Optional, Sequence, Tuple

import torch
from torch import Tensor

from mmengine.dist import get_rank

from mmaction.models.recognizers.base import BaseRecognizer
from mmaction.registry import MODELS
from finetec_mm.functional.decomposition import (STRONG_DEFAULT,
                                                 WEAK_DEFAULT, decompose,
                                                 perturb_config)
from finetec_mm.functional.observed_marker import \
    mark_restored_frames  # noqa: F401  (re-exported)
from finetec_mm.functional.sequence_random import SequenceRandom
from ..completion.loading import build_completion_model

STREAMS = ('base', 'dyna', 'stat')
#: keys of ``FineTecRecognizer(completion=...)``
COMPLETION_KEYS = ('checkpoint', 'model', 'observed_marker')


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
    """FineTec: a GCN backbone fed with fused position and
    Lagrangian-acceleration streams.

    Input ``inputs``: with hosted ``completion`` / ``decomposition`` (the
    default configs) the plain (B, num_clips, M, T, V, 3) [x, y, score] of
    S_corrupt, turned into the streams by :meth:`hosted_inputs`; without
    them (B, num_clips, M, T, V, 2·S + 1) as written by
    ``ICLCompletion`` + ``DecompositionAugment`` + ``FormatGCNInput``: the
    (x, y) of the S position streams (in ``streams`` order, default S_base,
    S_dyna, S_stat) followed by the keypoint score. With the observed
    marker (``observed_marker=True`` of the hosted completion or of
    ``ICLCompletion``, on in the FineTec configs) the score is negative on
    restored frames, positive on observed ones, 0 on absent joints. Data
    flow, with N = B·num_clips::

        [S_base, S_dyna, S_stat, score] = hosted_inputs(inputs)   (if hosted)
        S_α  (N·M, T, V, 2)          α ∈ streams
        a_α = accel_head(S_α)         (N·M, T, V, 2)   one call, all α
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
        completion (dict, optional): Host the frozen completion network and
            run it batched on the model's device: ``dict(checkpoint=...,
            model=None, observed_marker=False)`` as for the
            ``ICLCompletion`` transform. The pipeline then ends with plain
            (x, y, score) inputs. ``observed_marker=True`` (the FineTec
            configs) negates the score channel of the restored frames (see
            :func:`mark_restored_frames`), so the model can tell them from
            observed ones; ``False`` (the class default, and the
            ``*_no-marker`` ablation) keeps the interpolated scores.
        decomposition (dict, optional): Run the decomposition batched in the
            model: ``DecompositionAugment`` arguments (``regions``,
            ``num_dynamic``, ``strong``, ``weak``, ``parents``, ``seed``).
            Needs ``frame_dir`` in the data samples' metainfo for the
            per-sample test-time perturbations. Hosted completion +
            decomposition give the same inputs as the two transforms.
    """

    def __init__(self,
                 backbone: dict,
                 cls_head: dict,
                 fusion: dict = dict(type='CrossAttentionFusion'),
                 accel_head: Optional[dict] = dict(
                     type='LagrangianAccelHead'),
                 streams: Sequence[str] = STREAMS,
                 loss_accel_weight: float = 1.,
                 completion: Optional[dict] = None,
                 decomposition: Optional[dict] = None,
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
        self.completion = None
        self.observed_marker = False
        if completion is not None:
            unknown = sorted(set(completion) - set(COMPLETION_KEYS))
            if unknown:
                raise ValueError(f'FineTecRecognizer: unknown completion '
                                 f'keys {unknown}; expected some of '
                                 f'{COMPLETION_KEYS}')
            self.completion = build_completion_model(
                completion['checkpoint'], completion.get('model'))
            self.observed_marker = bool(
                completion.get('observed_marker', False))
        self.decomposition = None
        if decomposition is not None:
            decomposition = dict(decomposition)
            self.decomposition = dict(
                regions=decomposition.get('regions', 'coco'),
                num_dynamic=decomposition.get('num_dynamic', 2),
                strong_cfg=perturb_config(decomposition.get('strong'),
                                          STRONG_DEFAULT),
                weak_cfg=perturb_config(decomposition.get('weak'),
                                        WEAK_DEFAULT),
                parents=decomposition.get('parents'))
            self.decomposition_seed = decomposition.get('seed', 0)
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
        restored frames is negated (:func:`mark_restored_frames`)."""
        if self.completion is None and self.decomposition is None:
            return inputs
        B, nc, M, T, V, _ = inputs.shape
        coords = inputs[..., :2].reshape(-1, T, V, 2)
        scores = inputs[..., 2].reshape(-1, T, V)
        if self.completion is not None:
            coords, scores, observed = self.completion.complete_sequences(
                coords, scores)
            if self.observed_marker:
                scores = mark_restored_frames(scores, observed)
        streams = dict(base=coords)
        if self.decomposition is not None:
            if self.training:
                # the ranks' main processes share numpy's seed
                rng = SequenceRandom.from_numpy(B * nc * M, salt=get_rank())
            else:
                if not data_samples or 'frame_dir' not in data_samples[
                        0].metainfo:
                    raise ValueError(
                        'FineTecRecognizer(decomposition=...) needs '
                        "'frame_dir' in the data samples at test time: add "
                        "it to PackActionInputs' meta_keys")
                rng = SequenceRandom.for_samples(
                    [d.metainfo['frame_dir'] for d in data_samples], nc, M,
                    self.decomposition_seed)
            dyna, stat, _ = decompose(coords, rng=rng,
                                      **self.decomposition)
            streams.update(dyna=dyna, stat=stat)
        out = torch.cat([streams[s] for s in self.streams] + [scores[..., None]],
                        dim=-1)
        return out.reshape(B, nc, M, T, V, -1)

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
            # all streams in one call of the (shared) head: S x fewer
            # kernel launches; the head has no batch statistics, and the
            # mean of S equal-sized per-stream MSEs is the MSE over all
            S = len(positions)
            stacked = torch.stack(positions).reshape(S * N * M, T, V, 2)
            out = self.accel_head(stacked)
            loss_accel = self.accel_head.loss(out)
            accels = torch.cat(out['accel'].reshape(S, N * M, T, V, 2).unbind(),
                               dim=-1)
        pos = inputs.reshape(N * M, T, V, -1)
        fused = self.fusion(pos, accels)
        return fused.reshape(N, M, T, V, -1), loss_accel

    def extract_feat(self,
                     inputs: Tensor,
                     stage: str = 'backbone',
                     data_samples=None,
                     **kwargs) -> Tuple:
        """Features of (B, num_clips, M, T, V, 2S+1) inputs (or (…, 3) with
        hosted completion/decomposition); in training the second element
        carries ``loss_aux = dict(loss_accel=...)``."""
        inputs = self.hosted_inputs(inputs, data_samples)
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
        """CE + λ·L_Ac (the paper's total loss).

        ``inputs`` (B, nc, M, T, V, C): with ``nc > 1`` clips per sample
        every clip is a training example with its sample's label (the
        backbone sees B·nc clips, sample-major)."""
        feats, extra = self.extract_feat(inputs, data_samples=data_samples)
        losses = self.cls_head.loss(feats,
                                    per_clip_samples(inputs, data_samples))
        losses.update(extra.get('loss_aux', {}))
        return losses

    def predict(self, inputs: Tensor, data_samples, **kwargs):
        """Class scores averaged over the clips of each sample."""
        feats, _ = self.extract_feat(inputs, data_samples=data_samples)
        return self.cls_head.predict(feats, data_samples)
