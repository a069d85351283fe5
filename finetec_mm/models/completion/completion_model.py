# Copyright (c) FineTec authors. All rights reserved.
"""Pre-training and evaluation wrapper of the in-context completion."""
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from torch import Tensor

from mmaction.registry import DATASETS, MODELS
from finetec_mm.functional.clip_norm import (clip_frame, default_root_joints,
                                             denormalize_clip, normalize_clip)
from finetec_mm.functional.corruption import num_dropped
from finetec_mm.functional.gap_filling import (GAP_FILL_METHODS, fill_gaps,
                                               linear_fill)
from finetec_mm.functional.motion_augment import augment_clips
from finetec_mm.functional.prompt_retrieval import (nearest_clips,
                                                    sequence_key)
from .masking import STRATEGIES, random_frames_mask, random_strategy_masks

#: How the prompt of a query is chosen, in pre-training and at inference.
PROMPT_MODES = ('retrieve', 'random', 'none')


def _note_pool_filled(module, incompatible_keys) -> None:
    """After ``load_state_dict``: note whether the loaded prompt pool holds
    clips (one device read per load instead of one per forward)."""
    module._pool_filled = bool(module.prompt_pool.abs().sum() > 0)


@MODELS.register_module()
class ICLCompletionModel(BaseModel):
    """Trains :class:`ICLCompletionNet` on a skeleton bank and runs it.

    **One prompt rule in pre-training and at inference** (``prompt_mode``):

    * ``'retrieve'`` (default): the prompt of a query is the prompt-pool clip
      nearest to it on its observed frames, both clip-normalised on those
      frames (:func:`nearest_clips`); in pre-training, pool clips of the
      query's own source sequence are excluded (at test time the query is
      never in the bank);
    * ``'random'``: a random pool clip (ablation; fixed generator at
      inference, so results are reproducible);
    * ``'none'``: no exemplar, an all-missing zero prompt (the paper's
      "w/o ICL"; prior only).

    ``prompt_dropout`` replaces the prompt of that fraction of training
    queries by the empty one, so a single network also serves
    ``prompt_mode='none'`` for the ablation.

    **Clip-normalised completion** (``normalize=True``): each clip is
    centred and scaled from its *observed* frames
    (:func:`~finetec_mm.functional.clip_norm.clip_frame`: root = mean of
    ``root_joints``, scale = RMS joint distance from the root) before the
    network and restored after it; the prior and the pool are stored
    normalised. One network then serves any image size and framing;
    translating or scaling a query translates or scales its completion.

    ``mode='loss'``: ``inputs`` are clean bank clips (B, T, V, C) and
    ``data_samples`` carry their ``sequence``. Each query is corrupted at a
    ratio drawn per sample from ``train_ratios`` (exactly
    ``num_dropped(T, ratio)`` random frames, as ``SkeletonCorrupt``); its
    prompt is masked by a strategy drawn from ``strategies`` (as many
    missing frames as the query). Losses, in normalised units when
    ``normalize``: ``loss_query = MSE(S_gt, S_base)`` over all frames (the
    paper's), ``loss_prompt = MSE(S_context, prompt reconstruction)`` where
    the reconstruction never sees the clean context
    (:meth:`ICLCompletionNet.reconstruct`), and with
    ``loss_velocity_weight > 0`` ``loss_velocity = MSE(ΔS_gt, ΔS_base)``
    (not in the paper: against the jitter MPJVE measures). With
    ``augment`` (keyword arguments of :func:`augment_clips`: mirror, time
    reversal, in-plane rotation, anisotropic scale), the clean clips are
    augmented first (not in the paper: against over-fitting a small bank);
    the prompt pool is not.

    ``mode='predict'``: ``inputs`` are corrupted clips (B, T, V, C), each
    data sample a dict with ``frame_mask`` (T, ) (else frames with any
    nonzero coordinate count as observed) and optionally ``gt_keypoint``.
    The prompt is masked like the query (``test_strategy='pattern'``) or
    not at all (``'none'``). Returns one dict per sample: ``pred``
    (T, V, C), ``frame_mask``, and ``gt`` / ``frame_dir`` / ``img_shape`` /
    ``label`` when given, as :class:`RestorationMetric` reads them. With
    ``baseline`` set (``'linear'``, ``'copy_lr'``, ``'copy_rl'``), ``pred``
    comes from :func:`fill_gaps` instead of the network. ``mode='tensor'``: the
    completed clips.

    The prior (T, V, C), the prompt pool (pool_size, T, V, C) and the
    pool's source-sequence ids are buffers filled from ``bank`` (a
    ``SkeletonBank`` config or instance; pool = ``bank.pool_indices``), so a
    checkpoint holds everything inference needs.

    Args:
        net (dict): :class:`ICLCompletionNet` config.
        bank (dict | SkeletonBank, optional): Bank of clean clips.
        pool_size (int): Prompt pool size. Defaults to 1024.
        prompt_mode (str): One of :data:`PROMPT_MODES`. Defaults to
            ``'retrieve'``.
        prompt_dropout (float): Training share of empty prompts. Defaults
            to 0.
        normalize (bool): Clip-normalised completion. Defaults to True.
        root_joints (sequence[int], optional): Root joints of the
            normalisation; default: the hips of COCO-17, else joint 0.
        train_ratios (sequence[float]): Query drop ratios in training.
        strategies (sequence[str]): Prompt masking strategies in training.
        test_strategy (str): ``'pattern'`` or ``'none'``.
        loss_prompt_weight (float): Weight of ``loss_prompt`` (0 = off).
        loss_velocity_weight (float): Weight of ``loss_velocity``.
        augment (dict, optional): Train-time clip augmentation, see above.
        baseline (str, optional): Gap-filling baseline for ``predict``.
        data_preprocessor (dict, optional): Defaults to None.
        init_cfg (dict, optional): Defaults to None.
    """

    def __init__(self,
                 net: dict,
                 bank=None,
                 pool_size: int = 1024,
                 prompt_mode: str = 'retrieve',
                 prompt_dropout: float = 0.,
                 normalize: bool = True,
                 root_joints: Optional[Sequence[int]] = None,
                 train_ratios: Sequence[float] = (0.25, 0.5, 0.75),
                 strategies: Sequence[str] = STRATEGIES,
                 test_strategy: str = 'pattern',
                 loss_prompt_weight: float = 1.,
                 loss_velocity_weight: float = 0.,
                 augment: Optional[dict] = None,
                 baseline: Optional[str] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        for name, value, choices in (
                ('baseline', baseline, GAP_FILL_METHODS + (None, )),
                ('test_strategy', test_strategy, ('pattern', 'none')),
                ('prompt_mode', prompt_mode, PROMPT_MODES)):
            if value not in choices:
                raise ValueError(f'ICLCompletionModel: {name}={value!r} not '
                                 f'in {choices}')
        if not 0 <= prompt_dropout <= 1:
            raise ValueError(f'ICLCompletionModel: prompt_dropout='
                             f'{prompt_dropout} not in [0, 1]')
        self.net = MODELS.build(net)
        self.baseline, self.test_strategy = baseline, test_strategy
        self.prompt_mode, self.prompt_dropout = prompt_mode, prompt_dropout
        self.normalize = normalize
        T, V, C = self.net.clip_len, self.net.num_joints, self.net.coord_dim
        self.root_joints = tuple(root_joints or default_root_joints(V))
        self.strategies = tuple(strategies)
        self.train_ratios = tuple(float(r) for r in train_ratios)
        self.loss_prompt_weight = loss_prompt_weight
        self.loss_velocity_weight = loss_velocity_weight
        self.augment = dict(augment or {})
        if self.augment:
            # fail at build time on bad keys, ranges or an unknown layout
            augment_clips(torch.zeros(1, T, V, C), **self.augment)
        self.register_buffer('prior', torch.zeros(T, V, C))
        self.register_buffer('prompt_pool', torch.zeros(pool_size, T, V, C))
        self.register_buffer('pool_source',
                             torch.zeros(pool_size, dtype=torch.long))
        # drop counts of `train_ratios` (constant; not saved)
        self.register_buffer(
            'drop_counts',
            torch.tensor([num_dropped(T, r) for r in self.train_ratios],
                         dtype=torch.long), persistent=False)
        # Whether the prompt pool holds clips: settled where the buffers are
        # written (bank, checkpoint), so no forward reads the device for it.
        self._pool_filled = False
        self.register_load_state_dict_post_hook(_note_pool_filled)
        if bank is not None:
            self.fill_from_bank(bank)

    # ----------------------------------------------------------- buffers
    def _frame(self, clips: Tensor, mask: Tensor):
        """Centre and scale (identity without ``normalize``)."""
        if not self.normalize:
            return (clips.new_zeros(clips.shape[0], 1, 1, clips.shape[3]),
                    clips.new_ones(clips.shape[0], 1, 1, 1))
        return clip_frame(clips, mask, self.root_joints)

    def _normalized(self, clips: Tensor, mask: Tensor) -> Tensor:
        return normalize_clip(clips, *self._frame(clips, mask))

    @torch.no_grad()
    def fill_from_bank(self, bank) -> None:
        """Set the prior, the prompt pool and its sequence ids from a bank
        (config or object); clips are stored normalised on all frames."""
        if isinstance(bank, dict):
            bank = DATASETS.build(bank)
        clips = torch.from_numpy(bank.clips)
        if clips.shape[1:] != self.prior.shape:
            raise ValueError(f'ICLCompletionModel: bank clips '
                             f'{tuple(clips.shape[1:])} do not fit the net '
                             f'{tuple(self.prior.shape)}')
        clips = self._normalized(clips, torch.ones(clips.shape[:2],
                                                   dtype=torch.bool))
        self.prior.copy_(clips.double().mean(0).to(clips.dtype))
        idx = torch.from_numpy(bank.pool_indices(self.prompt_pool.shape[0]))
        self.prompt_pool.copy_(clips[idx])
        keys = [sequence_key(s) for s in bank.sequences()]
        self.pool_source.copy_(torch.tensor(keys)[idx])
        self._pool_filled = bool(self.prompt_pool.abs().sum() > 0)

    # ----------------------------------------------------------- prompts
    def _prompts(self, query: Tensor, query_mask: Tensor, mode: str,
                 source: Optional[Tensor] = None,
                 generator: Optional[torch.Generator] = None) -> Tensor:
        """Pool clips (B, T, V, C) chosen for the (normalised) queries."""
        if mode == 'random':
            idx = torch.randint(self.prompt_pool.shape[0],
                                (query.shape[0], ), generator=generator)
            return self.prompt_pool[idx.to(query.device)]
        if not self._pool_filled:
            raise RuntimeError('ICLCompletionModel: empty prompt pool; build '
                               'the model with `bank` or load a checkpoint')
        idx = nearest_clips(query, query_mask, self.prompt_pool,
                            self.root_joints if self.normalize else None,
                            source, self.pool_source if source is not None
                            else None)
        return self.prompt_pool[idx]

    @staticmethod
    def _empty_prompt(like: Tensor):
        """No exemplar: zero context, every frame missing."""
        return (torch.zeros_like(like),
                torch.zeros(like.shape[:2], dtype=torch.bool,
                            device=like.device))

    # ----------------------------------------------------------- training
    def loss(self, clips: Tensor, data_samples=None) -> Dict[str, Tensor]:
        """Self-supervised losses on clean clips (B, T, V, C)."""
        if self.augment:
            clips = augment_clips(clips, **self.augment)
        B, T = clips.shape[:2]
        if T != self.prior.shape[0]:
            raise ValueError(f'ICLCompletionModel: clips of {T} frames, the '
                             f'net takes {self.prior.shape[0]}')
        counts = self.drop_counts
        n_drop = counts[torch.randint(len(counts), (B, ),
                                      device=clips.device)]
        query_mask = random_frames_mask(n_drop, T)
        target = self._normalized(clips, query_mask)
        query = target * query_mask[:, :, None, None]
        losses = {}
        if self.prompt_mode == 'none':
            context, context_mask = self._empty_prompt(query)
        else:
            source = self._sources(data_samples, clips.device)
            context = self._prompts(query, query_mask, self.prompt_mode,
                                    source)
            context_mask = random_strategy_masks(query_mask, self.strategies)
            context = self._normalized(context, context_mask)
            if self.loss_prompt_weight > 0:
                recon = self.net.reconstruct(context, context_mask,
                                             self.prior)
                losses['loss_prompt'] = self.loss_prompt_weight * F.mse_loss(
                    recon, context)
            dropped = torch.rand(B, device=clips.device) < self.prompt_dropout
            context = context * ~dropped[:, None, None, None]
            context_mask = context_mask & ~dropped[:, None]
        completed = self.net(context, context_mask, query, query_mask,
                             self.prior)
        losses['loss_query'] = F.mse_loss(completed, target)
        if self.loss_velocity_weight > 0:
            losses['loss_velocity'] = self.loss_velocity_weight * F.mse_loss(
                completed.diff(dim=1), target.diff(dim=1))
        return losses

    def _sources(self, data_samples, device) -> Optional[Tensor]:
        """Source-sequence ids (B, ) of the training clips, if given."""
        samples = self._as_list(data_samples)
        if not samples or 'sequence' not in samples[0]:
            return None
        return torch.tensor([sequence_key(d['sequence']) for d in samples],
                            device=device)

    # ----------------------------------------------------------- inference
    def complete(self, query: Tensor, query_mask: Tensor,
                 prompt_mode: Optional[str] = None) -> Tensor:
        """Complete (B, T, V, C) clips, observed frames unchanged.

        ``prompt_mode`` overrides the model's for this call (ablations).
        """
        query_mask = query_mask.bool()
        if self.baseline is not None:
            out = [fill_gaps(q[None].cpu().numpy(), m.cpu().numpy(),
                             self.baseline)[0][0]
                   for q, m in zip(query, query_mask)]
            return torch.from_numpy(np.stack(out)).to(query)
        mode = prompt_mode or self.prompt_mode
        centre, scale = self._frame(query, query_mask)
        q = normalize_clip(query, centre, scale) * query_mask[:, :, None,
                                                              None]
        if mode == 'none':
            context, context_mask = self._empty_prompt(q)
        else:
            generator = (torch.Generator().manual_seed(0)
                         if mode == 'random' else None)
            context = self._prompts(q, query_mask, mode, generator=generator)
            context_mask = (query_mask if self.test_strategy == 'pattern'
                            else torch.ones_like(query_mask))
            context = self._normalized(context, context_mask)
        pred = self.net(context, context_mask, q, query_mask, self.prior)
        pred = denormalize_clip(pred, centre, scale)
        return torch.where(query_mask[:, :, None, None], query, pred)

    @torch.no_grad()
    def complete_sequences(self, coords: Tensor,
                           scores: Optional[Tensor] = None):
        """Complete person-clips as a pose pipeline delivers them.

        A frame of a sequence is observed when any of its joint scores is
        > 0 (without scores: any coordinate is non-zero). Sequences with at
        least one observed frame are completed by :meth:`complete`; the
        scores of completed frames are linearly interpolated from the
        observed ones; sequences with none (e.g. padded persons) stay as
        they are. Used by the ``ICLCompletion`` transform (one sample) and
        by ``FineTecRecognizer(completion=...)`` (a batch on the device), so
        both paths give the same S_base.

        Runs in float32 whatever the autocast context (the network was
        trained in fp32; ``--amp`` training must see the S_base that
        validation and test compute), and without host synchronisation:
        every row goes through the network and the rows without work keep
        their input by ``torch.where`` (no data-dependent branch, no
        boolean-mask gather), so the call is one static graph.

        Args:
            coords (Tensor): (N, T, V, C).
            scores (Tensor, optional): (N, T, V).

        Returns:
            tuple: completed coords (N, T, V, C) float32, scores (N, T, V)
            float32 or None, observed-frame mask (N, T) bool.
        """
        with torch.autocast(coords.device.type, enabled=False):
            coords = coords.float()
            if scores is not None:
                scores = scores.float()
                observed = scores.gt(0).any(dim=-1)
            else:
                observed = coords.ne(0).flatten(2).any(dim=-1)
            todo = observed.any(dim=1) & ~observed.all(dim=1)  # (N, )
            completed = self.complete(coords, observed)
            coords = torch.where(todo[:, None, None, None], completed, coords)
            if scores is not None:
                scores = torch.where(todo[:, None, None],
                                     linear_fill(scores, observed), scores)
        return coords, scores, observed

    # ----------------------------------------------------------- plumbing
    @staticmethod
    def _stack(inputs: Union[Tensor, List[Tensor]]) -> Tensor:
        return torch.stack(list(inputs)) if isinstance(
            inputs, (list, tuple)) else inputs

    @staticmethod
    def _as_list(data_samples) -> List[dict]:
        """``pseudo_collate`` turns a batch of dicts into a dict of lists;
        undo that."""
        if isinstance(data_samples, dict):
            keys = list(data_samples)
            return [dict(zip(keys, vals))
                    for vals in zip(*(data_samples[k] for k in keys))]
        return list(data_samples or [])

    def _masks(self, inputs: Tensor, data_samples) -> Tensor:
        if data_samples and 'frame_mask' in data_samples[0]:
            return torch.stack([torch.as_tensor(d['frame_mask'])
                                for d in data_samples]).bool().to(
                                    inputs.device)
        return inputs.flatten(2).ne(0).any(2)

    def forward(self,
                inputs: Union[Tensor, List[Tensor]],
                data_samples: Optional[List[dict]] = None,
                mode: str = 'tensor'):
        """See the class doc for the three modes."""
        inputs = self._stack(inputs)
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        data_samples = self._as_list(data_samples)
        masks = self._masks(inputs, data_samples)
        completed = self.complete(inputs, masks)
        if mode == 'tensor':
            return completed
        if mode != 'predict':
            raise RuntimeError(f'ICLCompletionModel: invalid mode {mode!r}')
        outputs = []
        for i, pred in enumerate(completed):
            out = dict(pred=pred, frame_mask=masks[i])
            sample = data_samples[i] if data_samples else {}
            if 'gt_keypoint' in sample:
                out['gt'] = torch.as_tensor(sample['gt_keypoint']).to(pred)
            for key in ('frame_dir', 'img_shape', 'label'):
                if key in sample:
                    out[key] = sample[key]
            outputs.append(out)
        return outputs
