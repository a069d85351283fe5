# Copyright (c) FineTec authors. All rights reserved.
"""Pre-training and evaluation wrapper of the in-context completion."""
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from torch import Tensor

from mmaction.registry import DATASETS, MODELS
from finetec_mm.functional.corruption import num_dropped
from finetec_mm.functional.gap_filling import (GAP_FILL_METHODS, fill_gaps,
                                               linear_fill)
from finetec_mm.functional.prompt_retrieval import nearest_clips
from .masking import STRATEGIES, random_frames_mask, random_strategy_masks


@MODELS.register_module()
class ICLCompletionModel(BaseModel):
    """Trains :class:`ICLCompletionNet` on a skeleton bank and runs it.

    ``mode='loss'``: ``inputs`` are clean bank clips (B, T, V, C). Each query
    is corrupted on the fly at a ratio drawn per sample from
    ``train_ratios`` (exactly ``num_dropped(T, ratio)`` uniformly random
    frames, as ``SkeletonCorrupt``), its prompt is the next clip of the batch
    (``roll(inputs, 1)``) masked by a strategy drawn per sample from
    ``strategies`` (same number of missing frames as its query). Returns
    ``loss_query = MSE(S_gt, S_base)`` and ``loss_prompt = MSE(S_context,
    prompt reconstruction)``, both averaged over all frames (the paper's
    losses), and, with ``loss_velocity_weight > 0``, ``loss_velocity =
    MSE(ΔS_gt, ΔS_base)`` on first time-differences (not in the paper: it
    penalises the frame-to-frame jitter that MPJVE measures).

    ``mode='predict'``: ``inputs`` are corrupted clips (B, T, V, C) and each
    data sample a dict with ``frame_mask`` (T, ) (else frames with any
    nonzero coordinate count as observed) and optionally ``gt_keypoint``.
    The prompt of each query is the nearest clip of the prompt pool on the
    observed frames (:func:`nearest_clips`, deterministic), masked like the
    query (``test_strategy``, default ``'pattern'``). Returns one dict per
    sample: ``pred`` (T, V, C), ``frame_mask``, and ``gt`` / ``frame_dir``
    when given, as :class:`RestorationMetric` reads them. With ``baseline``
    set to ``'linear'``, ``'copy_lr'`` or ``'copy_rl'``, ``pred`` comes from
    :func:`fill_gaps` instead of the network.

    ``mode='tensor'``: the completed clips (B, T, V, C).

    The prior S_prior (T, V, C) and the prompt pool (pool_size, T, V, C) are
    buffers, filled at construction from ``bank`` (a ``SkeletonBank``
    config or instance; the pool is ``bank.pool_indices(pool_size)``), so a
    checkpoint's ``state_dict`` holds everything inference needs. With
    ``bank=None`` they stay zero until a checkpoint is loaded.

    Args:
        net (dict): :class:`ICLCompletionNet` config.
        bank (dict | SkeletonBank, optional): Bank of clean clips.
        pool_size (int): Prompt pool size. Defaults to 256.
        train_ratios (sequence[float]): Query drop ratios in training.
            Defaults to (0.25, 0.5, 0.75).
        strategies (sequence[str]): Prompt masking strategies in training.
            Defaults to all five.
        test_strategy (str): Prompt masking at inference: ``'pattern'`` or
            ``'none'`` (unmasked prompt). Defaults to ``'pattern'``.
        loss_prompt_weight (float): Weight of ``loss_prompt``. Defaults to 1.
        loss_velocity_weight (float): Weight of ``loss_velocity``; 0 (the
            paper's losses only) by default.
        use_prompt (bool): False gives the paper's "w/o ICL" ablation: the
            prompt stream gets an all-missing, all-zero context (no example
            to learn from) and there is no ``loss_prompt``. Defaults to True.
        baseline (str, optional): Gap-filling baseline for ``predict``.
        data_preprocessor (dict, optional): Defaults to None.
        init_cfg (dict, optional): Defaults to None.
    """

    def __init__(self,
                 net: dict,
                 bank=None,
                 pool_size: int = 256,
                 train_ratios: Sequence[float] = (0.25, 0.5, 0.75),
                 strategies: Sequence[str] = STRATEGIES,
                 test_strategy: str = 'pattern',
                 loss_prompt_weight: float = 1.,
                 loss_velocity_weight: float = 0.,
                 use_prompt: bool = True,
                 baseline: Optional[str] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        if baseline is not None and baseline not in GAP_FILL_METHODS:
            raise ValueError(f'ICLCompletionModel: baseline {baseline!r} not '
                             f'in {GAP_FILL_METHODS}')
        if test_strategy not in ('pattern', 'none'):
            raise ValueError(f'ICLCompletionModel: test_strategy '
                             f"{test_strategy!r} not in ('pattern', 'none')")
        self.net = MODELS.build(net)
        self.baseline, self.test_strategy = baseline, test_strategy
        self.strategies = tuple(strategies)
        self.train_ratios = tuple(float(r) for r in train_ratios)
        self.loss_prompt_weight = loss_prompt_weight
        self.loss_velocity_weight = loss_velocity_weight
        self.use_prompt = use_prompt
        T, V, C = self.net.clip_len, self.net.num_joints, self.net.coord_dim
        self.register_buffer('prior', torch.zeros(T, V, C))
        self.register_buffer('prompt_pool', torch.zeros(pool_size, T, V, C))
        if bank is not None:
            self.fill_from_bank(bank)

    @torch.no_grad()
    def fill_from_bank(self, bank) -> None:
        """Set the prior and the prompt pool from a bank (config or object)."""
        if isinstance(bank, dict):
            bank = DATASETS.build(bank)
        clips = torch.from_numpy(bank.clips)
        if clips.shape[1:] != self.prior.shape:
            raise ValueError(f'ICLCompletionModel: bank clips '
                             f'{tuple(clips.shape[1:])} do not fit the net '
                             f'{tuple(self.prior.shape)}')
        self.prior.copy_(torch.from_numpy(bank.prior()))
        idx = torch.from_numpy(bank.pool_indices(self.prompt_pool.shape[0]))
        self.prompt_pool.copy_(clips[idx])

    @staticmethod
    def _stack(inputs: Union[Tensor, List[Tensor]]) -> Tensor:
        return torch.stack(list(inputs)) if isinstance(
            inputs, (list, tuple)) else inputs

    def loss(self, clips: Tensor) -> Dict[str, Tensor]:
        """Self-supervised losses on clean clips (B, T, V, C)."""
        B, T = clips.shape[:2]
        counts = torch.tensor([num_dropped(T, r) for r in self.train_ratios],
                              device=clips.device)
        n_drop = counts[torch.randint(len(counts), (B, ),
                                      device=clips.device)]
        query_mask = random_frames_mask(n_drop, T)
        context = clips.roll(1, dims=0)
        context_mask = random_strategy_masks(query_mask, self.strategies)
        if not self.use_prompt:
            context, context_mask = self._no_prompt(clips)
        query = clips * query_mask[:, :, None, None]
        completed, recon = self.net(context, context_mask, query, query_mask,
                                    self.prior)
        losses = dict(loss_query=F.mse_loss(completed, clips))
        if self.use_prompt:
            losses['loss_prompt'] = self.loss_prompt_weight * F.mse_loss(
                recon, context)
        if self.loss_velocity_weight > 0:
            losses['loss_velocity'] = self.loss_velocity_weight * F.mse_loss(
                completed.diff(dim=1), clips.diff(dim=1))
        return losses

    @staticmethod
    def _no_prompt(like: Tensor):
        """An empty prompt: zero context, every frame missing."""
        return (torch.zeros_like(like),
                torch.zeros(like.shape[:2], dtype=torch.bool,
                            device=like.device))

    def complete(self, query: Tensor, query_mask: Tensor) -> Tensor:
        """Complete (B, T, V, C) clips, observed frames unchanged."""
        query_mask = query_mask.bool()
        if self.baseline is not None:
            out = [fill_gaps(q[None].cpu().numpy(), m.cpu().numpy(),
                             self.baseline)[0][0]
                   for q, m in zip(query, query_mask)]
            return torch.from_numpy(np.stack(out)).to(query)
        if not self.use_prompt:
            context, context_mask = self._no_prompt(query)
            return self.net(context, context_mask, query, query_mask,
                            self.prior)[0]
        if not self.prompt_pool.abs().sum() > 0:
            raise RuntimeError('ICLCompletionModel: empty prompt pool; build '
                               'the model with `bank` or load a checkpoint')
        idx = nearest_clips(query, query_mask, self.prompt_pool)
        context = self.prompt_pool[idx]
        context_mask = (query_mask if self.test_strategy == 'pattern' else
                        torch.ones_like(query_mask))
        return self.net(context, context_mask, query, query_mask,
                        self.prior)[0]

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

        Args:
            coords (Tensor): (N, T, V, C).
            scores (Tensor, optional): (N, T, V).

        Returns:
            tuple: completed coords (N, T, V, C), scores (N, T, V) or None,
            observed-frame mask (N, T) bool.
        """
        if scores is not None:
            observed = scores.gt(0).any(dim=-1)
        else:
            observed = coords.ne(0).flatten(2).any(dim=-1)
        todo = observed.any(dim=1) & ~observed.all(dim=1)
        coords = coords.clone()
        if todo.any():
            coords[todo] = self.complete(coords[todo], observed[todo])
            if scores is not None:
                scores = scores.clone()
                scores[todo] = linear_fill(scores[todo], observed[todo])
        return coords, scores, observed

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
            return self.loss(inputs)
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
            for key in ('frame_dir', 'img_shape'):
                if key in sample:
                    out[key] = sample[key]
            outputs.append(out)
        return outputs
