# Copyright (c) FineTec authors. All rights reserved.
"""In-context completion that falls back to linear interpolation."""
from typing import Dict, Optional

import torch
import torch.nn as nn
from torch import Tensor

from mmaction.registry import MODELS
from finetec_mm.functional.clip_norm import normalize_clip
from finetec_mm.functional.gap_filling import linear_fill
from finetec_mm.functional.linear_fallback import (FEATURE_NAMES,
                                                   blend_with_linear,
                                                   fallback_features,
                                                   gate_error_terms,
                                                   gated_errors,
                                                   held_out_ends,
                                                   self_check_ratio)
from .completion_model import ICLCompletionModel

#: Channel of the ``edge`` feature (1 on missing frames before the first /
#: after the last observed frame).
EDGE = FEATURE_NAMES.index('edge')
#: Corruption levels, indexed by the ``level`` entry of fitting data.
LEVELS = ('minor', 'moderate', 'severe')
#: Objectives of :func:`fit_loss`.
OBJECTIVES = ('clip', 'pooled', 'worst_group')


@MODELS.register_module()
class LinearFallbackGate(nn.Module):
    """Gate in [0, 1]: ``g = max(0, (sigmoid(z) - threshold) / (1 -
    threshold))``, ``z = MLP(standardised features)``.

    The dead zone below ``threshold`` makes the gate exactly 0 (the output
    exactly linear interpolation) where the MLP gives the network little
    trust, instead of a small share of a correction that may be wrong.

    Args:
        num_features (int): F. Defaults to ``len(FEATURE_NAMES)``.
        hidden (int): Hidden units (``tanh``); 0 = logistic regression.
            Defaults to 16.
        init_bias (float): Output bias at construction: ``sigmoid(-6)`` =
            0.0025, so an untrained gate is linear interpolation. Defaults
            to -6.
        threshold (float): Dead zone, in [0, 1). Defaults to 0.
        edge_cap (float, optional): Bound of the gate on edge frames, in
            [0, 1]; needs the features of :data:`FEATURE_NAMES`. Defaults
            to None (no bound).

    The standardisation (``feat_mean``, ``feat_std``, buffers) is set by
    :meth:`set_standardisation` when the gate is fitted and saved with it.
    """

    def __init__(self, num_features: int = len(FEATURE_NAMES),
                 hidden: int = 16, init_bias: float = -6.,
                 threshold: float = 0.,
                 edge_cap: Optional[float] = None) -> None:
        super().__init__()
        if not 0 <= threshold < 1:
            raise ValueError(f'LinearFallbackGate: threshold={threshold} '
                             'not in [0, 1)')
        if edge_cap is not None:
            if not 0 <= edge_cap <= 1:
                raise ValueError(f'LinearFallbackGate: edge_cap={edge_cap} '
                                 'not in [0, 1]')
            if num_features != len(FEATURE_NAMES):
                raise ValueError(
                    'LinearFallbackGate: edge_cap reads the edge feature '
                    f'of FEATURE_NAMES ({len(FEATURE_NAMES)} features), '
                    f'got num_features={num_features}')
            edge_cap = float(edge_cap)
        self.num_features, self.threshold = num_features, float(threshold)
        self.edge_cap = edge_cap
        self.register_buffer('feat_mean', torch.zeros(num_features))
        self.register_buffer('feat_std', torch.ones(num_features))
        if hidden:
            self.mlp = nn.Sequential(nn.Linear(num_features, hidden),
                                     nn.Tanh(), nn.Linear(hidden, 1))
        else:
            self.mlp = nn.Sequential(nn.Linear(num_features, 1))
        out = self.mlp[-1]
        nn.init.zeros_(out.weight)
        nn.init.constant_(out.bias, init_bias)

    @torch.no_grad()
    def set_standardisation(self, features: Tensor) -> None:
        """Mean / std per channel of (N, F) training features (std floored
        at 1e-3; a constant channel is left centred)."""
        self.feat_mean.copy_(features.mean(0))
        self.feat_std.copy_(features.std(0).clamp(min=1e-3))

    def forward(self, features: Tensor) -> Tensor:
        """features (B, T, F) -> gate (B, T) in [0, 1]."""
        if features.shape[-1] != self.num_features:
            raise ValueError(f'LinearFallbackGate: {features.shape[-1]} '
                             f'features, expected {self.num_features}')
        x = (features - self.feat_mean) / self.feat_std
        g = torch.sigmoid(self.mlp(x.to(self.feat_mean.dtype)))[..., 0]
        if self.threshold:
            g = ((g - self.threshold) / (1 - self.threshold)).clamp(min=0)
        if self.edge_cap is not None:
            edge = features[..., EDGE] > 0.5
            g = torch.where(edge, g.clamp(max=self.edge_cap), g)
        return g


@MODELS.register_module()
class LinearFallbackCompletionModel(ICLCompletionModel):
    """:class:`ICLCompletionModel` whose completion of the missing frames is
    linear interpolation plus a gated share of the network's correction,

        S_base = linear + g * (net - linear),   g in [0, 1] per clip / frame,

    observed frames unchanged. ``g`` comes from :class:`LinearFallbackGate`
    on :func:`~finetec_mm.functional.linear_fallback.fallback_features`
    (missing share, distance to the retrieved exemplar, the network's
    departure from linear interpolation, how fast the clip moves, a
    self-check on the clip's first and last observed frames, hidden one at
    a time: two more network passes per clip; the frame's place in its
    gap). Where
    the network has no evidence of beating interpolation the gate closes
    and the output is linear interpolation (``g = 0`` gives it exactly).
    ``gate=dict(edge_cap=c)`` bounds the gate by ``c`` on the missing frames
    before the first / after the last observed frame (``c = 0``: those come
    out as linear interpolation bit for bit, the nearest observed pose).

    The network is pre-trained as :class:`ICLCompletionModel` (``loss`` is
    unchanged and never touches the gate); the gate is fitted afterwards on
    the frozen network by ``tools/fit_fallback_gate.py``. With
    ``baseline`` set, predictions are that baseline, ungated.

    Args:
        gate (dict, optional): :class:`LinearFallbackGate` config.
        **kwargs: :class:`ICLCompletionModel` arguments.
    """

    def __init__(self, gate: Optional[dict] = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.gate = MODELS.build(dict(type='LinearFallbackGate',
                                      **(gate or {})))

    @torch.no_grad()
    def gate_inputs(self, query: Tensor, query_mask: Tensor,
                    prompt_mode: Optional[str] = None) -> Dict[str, Tensor]:
        """Everything the gate and its fitting need.

        Args:
            query (Tensor): (B, T, V, C) corrupted clips.
            query_mask (Tensor): bool (B, T), True = observed.
            prompt_mode (str, optional): as :meth:`complete`.

        Returns:
            dict: ``net`` (the network's completion) and ``linear`` (linear
            interpolation), both (B, T, V, C) in the query's coordinates
            with observed frames equal to it; ``features`` (B, T, F);
            ``scale`` (B, 1, 1, 1), the clip's normalisation scale (errors
            divided by it are in normalised units).
        """
        mask = query_mask.bool()
        B, T, V, C = query.shape
        centre, scale = self._frame(query, mask)
        q = normalize_clip(query, centre, scale) * mask[:, :, None, None]
        net = super().complete(query, mask, prompt_mode)
        lin = linear_fill(query.reshape(B, T, -1), mask).reshape(B, T, V, C)
        lin = torch.where(mask[:, :, None, None], query, lin)
        exemplar = self._normalized(self._prompts(q, mask, 'retrieve'),
                                    mask)
        hidden, valid = held_out_ends(mask)  # (2, B, T)
        K = hidden.shape[0]
        masks = (mask[None] & ~hidden).reshape(K * B, T)
        rep = q[None].expand(K, B, T, V, C).reshape(K * B, T, V, C)
        # the variants run in the clip's own normalised frame (q), so their
        # errors are in normalised units
        net_k = super().complete(rep, masks, prompt_mode).reshape(
            K, B, T, V, C)
        lin_k = linear_fill(rep.reshape(K * B, T, -1), masks).reshape(
            K, B, T, V, C)
        h = hidden.to(q.dtype)[..., None, None]

        def err(x):
            return ((x - q[None]).square() * h).sum((2, 3, 4)) / V

        check = self_check_ratio(err(net_k), err(lin_k), valid)
        feats = fallback_features(q, mask, normalize_clip(net, centre, scale),
                                  normalize_clip(lin, centre, scale),
                                  exemplar, check)
        return dict(net=net, linear=lin, features=feats, scale=scale)

    def complete(self, query: Tensor, query_mask: Tensor,
                 prompt_mode: Optional[str] = None) -> Tensor:
        """Gated completion (B, T, V, C); observed frames unchanged, and
        exactly :func:`linear_fill` where the gate is 0."""
        if self.baseline is not None:
            return super().complete(query, query_mask, prompt_mode)
        mask = query_mask.bool()
        parts = self.gate_inputs(query, mask, prompt_mode)
        gate = self.gate(parts['features'])
        return blend_with_linear(parts['linear'], parts['net'], gate, mask)


def error_terms(data):
    """:func:`gate_error_terms` of the fitting data (cached in ``data``)."""
    if 'frame_terms' not in data:
        data['frame_terms'], data['pair_terms'] = gate_error_terms(
            data['net'], data['linear'], data['gt'], data['scale'])
    return data['frame_terms'], data['pair_terms']


def fit_loss(gate, data, velocity_weight=1.0, objective='clip',
             temperature=0.01):
    """Error of the gated completion relative to linear interpolation's on
    the missing frames (squared errors, clip-normalised units): position
    plus ``velocity_weight`` times velocity.

    ``objective``: ``'pooled'``, the ratio of the summed errors;
    ``'clip'`` (default), the mean over clips of each clip's ratio (every
    clip weighs the same, so slow clips that linear interpolation restores
    well count as much as fast ones); ``'worst_group'``, a soft maximum (``temperature``) over the groups (label x
    level) of the group's pooled ratio, position and velocity each, plus
    the pooled ratio: the gate is fitted so that no action at no level gets
    worse than linear interpolation, not so that the average gains most.
    """
    frame, pair = error_terms(data)
    pos, vel = gated_errors(gate(data['features']), frame, pair)
    lin_pos, lin_vel = frame[..., 0].sum(1), pair[..., 0].sum(1)
    pooled = pos.sum() / lin_pos.sum() + velocity_weight * (
        vel.sum() / lin_vel.sum())
    if objective == 'pooled':
        return pooled
    if objective == 'clip':
        eps = 1e-6
        return ((pos + eps) / (lin_pos + eps)).mean() + velocity_weight * (
            (vel + eps) / (lin_vel + eps)).mean()
    if objective != 'worst_group':
        raise ValueError(f'fit_loss: unknown objective {objective!r}')
    group = data['label'] * len(LEVELS) + data['level']
    _, group = group.unique(return_inverse=True)
    n = int(group.max()) + 1

    def per_group(x):
        return torch.zeros(n, dtype=x.dtype).index_add(0, group, x)

    ratios_ = torch.cat([per_group(pos) / per_group(lin_pos),
                         per_group(vel) / per_group(lin_vel)])
    worst = temperature * torch.logsumexp(ratios_ / temperature, 0)
    return worst + 0.1 * pooled


def fit_gate(gate, data, iters=400, lr=0.05, weight_decay=1e-3,
        velocity_weight=2.0, objective='clip', seed=0):
    """Fit ``gate`` (in place) on ``data`` by full-batch Adam.

    Args:
        gate (LinearFallbackGate): its MLP is re-initialised (seeded) and
            its standardisation set from the missing frames' features.
        data (dict): ``features`` (N, T, F), ``mask`` bool (N, T), and
            either ``frame_terms`` / ``pair_terms`` or ``net``, ``linear``,
            ``gt`` (N, T, V, C) and ``scale`` (N, 1, 1, 1) to compute them
            (:func:`gate_error_terms`); ``label`` / ``level`` (N, ) for
            ``objective='worst_group'``.
        iters, lr, weight_decay (float): Adam steps, rate, and the factor
            of the squared MLP weights added to the loss.
        velocity_weight, objective: see :func:`fit_loss`.
        seed (int): Seed of the initialisation.

    Returns:
        float: the final :func:`fit_loss`.
    """
    torch.manual_seed(seed)
    for p in gate.mlp.parameters():  # fresh start, deterministic
        if p.dim() > 1:
            torch.nn.init.normal_(p, std=0.1)
        else:
            torch.nn.init.zeros_(p)
    miss = ~data['mask']
    gate.set_standardisation(data['features'][miss])
    opt = torch.optim.Adam(gate.mlp.parameters(), lr=lr)
    weights = [p for p in gate.mlp.parameters() if p.dim() > 1]
    for _ in range(iters):
        opt.zero_grad()
        loss = fit_loss(gate, data, velocity_weight, objective)
        total = loss + weight_decay * sum(w.square().sum() for w in weights)
        total.backward()
        opt.step()
    return float(loss.detach())
