# Copyright (c) FineTec authors. All rights reserved.
"""Completion that falls back to linear interpolation (pure functions).

A completion network's output ``net`` is blended with the linear
interpolation ``linear`` of the same clip on the missing frames,

    out = linear + g * (net - linear),      g in [0, 1] per clip and frame,

and observed frames are returned unchanged (:func:`blend_with_linear`).
``g = 0`` is exactly linear interpolation; ``g = 1`` is the network. The
gate ``g`` is computed from what can be measured at test time
(:func:`fallback_features`):

* the missing share of the clip;
* the distance of the query's observed frames to its retrieved exemplar
  (both clip-normalised on the query's observed frames);
* how far the network departs from linear interpolation on the missing
  frames;
* how fast the clip moves (linear interpolation's velocities);
* a **self-check** on the clip itself: its first and its last observed
  frame are hidden one at a time (:func:`held_out_ends`), and the network
  and linear interpolation restore them; the log ratio of their squared
  errors says whether, on this very clip, the network beats interpolation
  at the clip's ends, where most of its gain (and its risk) lies;
* per frame: its distance to the nearest observed frame, whether it lies
  before the first / after the last observed frame (held by linear
  interpolation), the length of its gap.

All coordinates are clip-normalised (:mod:`.clip_norm`), so every feature is
invariant to translating or scaling the clip.
"""
from typing import Tuple

import torch
from torch import Tensor

#: Names of the channels of :func:`fallback_features`, in order.
FEATURE_NAMES = ('missing_share', 'log_exemplar_dist', 'log_departure',
                 'log_motion', 'check_start', 'check_end', 'check_side',
                 'gap_dist', 'edge', 'gap_len')
#: Floor of the squared errors / distances before their log (normalised
#: units: joints lie about 1 from the root).
LOG_EPS = 1e-4


def gap_features(mask: Tensor) -> Tensor:
    """Per-frame position of each missing frame in its gap.

    Args:
        mask (Tensor): bool (B, T), True = observed.

    Returns:
        Tensor: float32 (B, T, 3): ``gap_dist`` = frames to the nearest
        observed frame / T (0 on observed frames); ``edge`` = 1 on missing
        frames before the first or after the last observed frame; ``gap_len``
        = length of the run of missing frames holding the frame / T (0 on
        observed frames). A clip without observed frame counts as one edge
        gap of length T.
    """
    mask = mask.bool()
    B, T = mask.shape
    pos = torch.arange(T, device=mask.device).expand(B, T)
    big = torch.full_like(pos, 2 * T)
    left = torch.cummax(torch.where(mask, pos, -big), dim=1).values
    right = torch.cummin(torch.where(mask, pos, big).flip(1),
                         dim=1).values.flip(1)
    has_left, has_right = left >= 0, right < T
    dist = torch.minimum(torch.where(has_left, pos - left, big),
                         torch.where(has_right, right - pos, big))
    dist = torch.where(has_left | has_right, dist, torch.full_like(pos, T))
    edge = ~mask & ~(has_left & has_right)
    # gap length: from the observed frame on the left (or -1) to the one on
    # the right (or T), exclusive
    lo = torch.where(has_left, left, torch.full_like(pos, -1))
    hi = torch.where(has_right, right, torch.full_like(pos, T))
    gap_len = torch.where(mask, torch.zeros_like(pos), hi - lo - 1)
    return torch.stack([dist.float() / T, edge.float(),
                        gap_len.float() / T], dim=-1)


def held_out_ends(mask: Tensor) -> Tuple[Tensor, Tensor]:
    """The first and the last observed frame of each clip, to hide for the
    self-check (hidden, they become missing frames at the clip's ends,
    where linear interpolation holds the nearest pose and where a
    completion network gains or loses most).

    Args:
        mask (Tensor): bool (B, T), True = observed.

    Returns:
        tuple[Tensor, Tensor]: ``hidden`` bool (2, B, T), one True per
        valid variant (0: the first observed frame, 1: the last); ``valid``
        bool (2, B): the clip has at least 2 observed frames.
    """
    mask = mask.bool()
    rank = mask.long().cumsum(1) - 1
    count = mask.long().sum(1)
    valid = (count >= 2)[None].expand(2, -1)
    first = mask & (rank == 0)
    last = mask & (rank == (count - 1)[:, None])
    hidden = torch.stack([first, last]) & valid[:, :, None]
    return hidden, valid


def self_check_ratio(net_err: Tensor, linear_err: Tensor,
                     valid: Tensor) -> Tensor:
    """Log ratio of the network's to linear's error on each hidden frame.

    Args:
        net_err (Tensor): (k, B) squared errors of the network on the
            hidden frame of each variant (normalised units, summed over the
            coordinates, averaged over the joints).
        linear_err (Tensor): (k, B), the same for linear interpolation.
        valid (Tensor): bool (k, B), variants that hid a frame.

    Returns:
        Tensor: ``log((net_err + eps) / (linear_err + eps))`` (k, B), 0
        where the variant is not valid (no evidence either way).
    """
    ratio = torch.log((net_err + LOG_EPS) / (linear_err + LOG_EPS))
    return torch.where(valid, ratio, torch.zeros_like(ratio))


def fallback_features(query: Tensor, mask: Tensor, net: Tensor,
                      linear: Tensor, exemplar: Tensor,
                      self_check: Tensor) -> Tensor:
    """Gate inputs (B, T, F), F = ``len(FEATURE_NAMES)``.

    Args:
        query (Tensor): normalised query (B, T, V, C); only observed frames
            are read.
        mask (Tensor): bool (B, T), True = observed.
        net (Tensor): normalised network completion (B, T, V, C).
        linear (Tensor): normalised linear interpolation (B, T, V, C).
        exemplar (Tensor): retrieved exemplar (B, T, V, C), normalised on
            the query's observed frames.
        self_check (Tensor): (2, B) from :func:`self_check_ratio` on
            :func:`held_out_ends` (first / last observed frame hidden).

    Returns:
        Tensor: (B, T, F) in the dtype of ``query``; channels as
        :data:`FEATURE_NAMES`: the clip features repeated over the frames
        (missing share; log mean squared distance per joint to the
        exemplar on the observed frames; log mean squared departure of
        ``net`` from ``linear`` per joint on the missing frames; log mean
        squared velocity per joint of ``linear``; the two self-checks), the
        self-check of the frame's own end (start for frames before the
        first observed frame, end after the last, 0 between), then
        :func:`gap_features`.
    """
    mask = mask.bool()
    B, T, V, _ = query.shape
    obs = mask.to(query.dtype)
    miss = 1 - obs
    k_obs, k_miss = obs.sum(1), miss.sum(1)
    ex = ((query - exemplar).square().sum((2, 3)) * obs).sum(1) / (
        k_obs * V).clamp(min=1)
    dep = ((net - linear).square().sum((2, 3)) * miss).sum(1) / (
        k_miss * V).clamp(min=1)
    motion = linear.diff(dim=1).square().sum((2, 3)).mean(1) / V
    check = self_check.to(query.dtype)
    clip = torch.stack([k_miss / T, torch.log(ex + LOG_EPS),
                        torch.log(dep + LOG_EPS),
                        torch.log(motion + LOG_EPS), check[0], check[1]],
                       dim=-1)  # (B, 6)
    gaps = gap_features(mask).to(query.dtype)  # (B, T, 3)
    rank = mask.long().cumsum(1)
    leading = ~mask & (rank == 0)
    trailing = ~mask & (rank == mask.long().sum(1, keepdim=True)) & ~leading
    side = (leading * check[0][:, None] + trailing * check[1][:, None])
    return torch.cat([clip[:, None].expand(B, T, clip.shape[1]),
                      side[..., None], gaps], dim=-1)


def blend_with_linear(linear: Tensor, net: Tensor, gate: Tensor,
                      mask: Tensor) -> Tensor:
    """``linear + gate * (net - linear)`` on missing frames.

    Args:
        linear (Tensor): (B, T, V, C), observed frames = the input.
        net (Tensor): (B, T, V, C).
        gate (Tensor): (B, T) in [0, 1].
        mask (Tensor): bool (B, T), True = observed; these frames come out
            equal to ``linear`` bit for bit.

    Returns:
        Tensor: (B, T, V, C).
    """
    g = gate.to(linear.dtype)[:, :, None, None]
    out = linear + g * (net - linear)
    return torch.where(mask.bool()[:, :, None, None], linear, out)


def gate_error_terms(net: Tensor, linear: Tensor, gt: Tensor,
                     scale: Tensor) -> Tuple[Tensor, Tensor]:
    """Sufficient statistics of the gated completion's squared errors.

    With ``r = gt - linear`` and ``d = net - linear`` (divided by
    ``scale``: clip-normalised units), the squared error of frame ``t`` of
    ``linear + g * d`` is ``a_t - 2 g_t b_t + g_t^2 c_t`` and that of the
    velocity between frames ``t`` and ``t + 1`` is ``va - 2 g_{t+1} vb1 +
    2 g_t vb0 + g_{t+1}^2 c_{t+1} + g_t^2 c_t - 2 g_t g_{t+1} vx``, so a gate
    is fitted on these numbers instead of the clips (:func:`gated_errors`).
    On observed frames ``r = d = 0``.

    Args:
        net, linear, gt (Tensor): (N, T, V, C).
        scale (Tensor): (N, 1, 1, 1).

    Returns:
        tuple[Tensor, Tensor]: frame terms (N, T, 3) = ``a, b, c`` and pair
        terms (N, T - 1, 4) = ``va, vb1, vb0, vx``, summed over the joints
        and coordinates, float64.
    """
    r = ((gt - linear) / scale).double().flatten(2)
    d = ((net - linear) / scale).double().flatten(2)
    frame = torch.stack([r.square().sum(-1), (r * d).sum(-1),
                         d.square().sum(-1)], dim=-1)
    dr = r.diff(dim=1)
    pair = torch.stack([dr.square().sum(-1), (dr * d[:, 1:]).sum(-1),
                        (dr * d[:, :-1]).sum(-1),
                        (d[:, :-1] * d[:, 1:]).sum(-1)], dim=-1)
    return frame, pair


def gated_errors(gate: Tensor, frame: Tensor,
                 pair: Tensor) -> Tuple[Tensor, Tensor]:
    """Per-clip summed squared errors of positions and velocities of
    ``linear + gate * (net - linear)`` from :func:`gate_error_terms`.

    Args:
        gate (Tensor): (N, T).
        frame (Tensor): (N, T, 3).
        pair (Tensor): (N, T - 1, 4).

    Returns:
        tuple[Tensor, Tensor]: (N, ) position and velocity sums; with
        ``gate = 0`` they are linear interpolation's.
    """
    g = gate.to(frame.dtype)
    a, b, c = frame.unbind(-1)
    pos = (a - 2 * g * b + g.square() * c).sum(1)
    va, vb1, vb0, vx = pair.unbind(-1)
    g0, g1, c0, c1 = g[:, :-1], g[:, 1:], c[:, :-1], c[:, 1:]
    vel = (va - 2 * g1 * vb1 + 2 * g0 * vb0 + g1.square() * c1 +
           g0.square() * c0 - 2 * g0 * g1 * vx).sum(1)
    return pos, vel
