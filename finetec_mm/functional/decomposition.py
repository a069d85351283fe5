# Copyright (c) FineTec authors. All rights reserved.
"""The paper's skeleton-based spatial decomposition, in pure torch.

The same functions run on one sample in the data pipeline
(:class:`~finetec_mm.datasets.transforms.DecompositionAugment`) and on a
batch inside the model; with the same per-sequence random streams both
give bit-identical results on the same device.

Conventions:

* ``S`` is (N, T, V, C): N sequences (one per clip and person), T frames,
  V joints, C coordinates (2 for the FineTec data).
* Missing data (docs/corruption_protocol.md) are all-zero coordinates.
  ``valid`` (N, T, V) marks the observed joints; by default a joint is
  observed when any of its coordinates is non-zero, so missing frames (and occluded joints) are
  recognised from the data alone, identically in the pipeline and in the
  model. Frames filled by a completion step count as observed.
* Randomness comes from ``rng``, a
  :class:`~finetec_mm.functional.sequence_random.SequenceRandom`
  with one counter-based stream per sequence, evaluated on the data's
  device. Every draw of sequence ``i`` reads positions of its own stream
  that depend only on (T, V, C) and the perturbation settings, so the result
  of a sequence does not depend on the rest of the batch.
"""
import functools
from typing import Dict, Optional, Sequence, Tuple

import torch
from torch import Tensor

from .constants import device_constant
from .sequence_random import SequenceRandom

#: Body regions and kinematic trees of the supported joint layouts. The
#: parents follow MMAction2's ``Graph`` layouts (root: -1).
SKELETON_LAYOUTS = dict(
    coco=dict(
        regions=((0, 1, 2, 3, 4), (5, 7, 9), (6, 8, 10), (11, 13, 15),
                 (12, 14, 16)),
        region_names=('head', 'left_arm', 'right_arm', 'left_leg',
                      'right_leg'),
        parents=(-1, 0, 0, 1, 2, 0, 0, 5, 6, 7, 8, 5, 6, 11, 12, 13, 14)),
    ntu=dict(
        regions=((0, 1, 2, 3, 20), (4, 5, 6, 7, 21, 22),
                 (8, 9, 10, 11, 23, 24), (12, 13, 14, 15),
                 (16, 17, 18, 19)),
        region_names=('torso_head', 'left_arm', 'right_arm', 'left_leg',
                      'right_leg'),
        parents=(1, 20, 20, 2, 20, 4, 5, 6, 20, 8, 9, 10, 0, 12, 13, 14, 0,
                 16, 17, 18, -1, 22, 7, 24, 11)),
)

#: Perturbation settings, applied in this order (0 / None = off):
#: ``flip_prob`` mirror about the body centre, ``bone_scale`` max relative
#: bone length change r (scales in [1-r, 1+r]), ``crop_ratio`` (lo, hi)
#: crop length fraction resized back to T, ``drop_ratio`` per-frame drop
#: probability before re-interpolation, ``time_flip_prob``, ``noise_std``,
#: ``axis_mask_prob`` zero one random axis, ``dropout_prob`` per
#: joint x frame zeroing probability.
PERTURB_KEYS = ('flip_prob', 'bone_scale', 'crop_ratio', 'drop_ratio',
                'time_flip_prob', 'noise_std', 'axis_mask_prob',
                'dropout_prob')
#: Strong perturbation of the dynamic regions: all three families.
STRONG_DEFAULT = dict(flip_prob=0.5, bone_scale=0.2, crop_ratio=(0.5, 1.0),
                      drop_ratio=0.25, time_flip_prob=0.5, noise_std=0.02,
                      axis_mask_prob=0.2, dropout_prob=0.05)
#: Weak perturbation of the static regions: rare flip, small crop, noise.
WEAK_DEFAULT = dict(flip_prob=0.1, bone_scale=0., crop_ratio=(0.9, 1.0),
                    drop_ratio=0., time_flip_prob=0., noise_std=0.005,
                    axis_mask_prob=0., dropout_prob=0.)

def _check_rng(S: Tensor, rng: SequenceRandom) -> None:
    if len(rng) != S.shape[0]:
        raise ValueError(f'need one random stream per sequence: got '
                         f'{len(rng)} for {S.shape[0]} sequences')


# ------------------------------------------------------------------- motion
def observed_joints(S: Tensor) -> Tensor:
    """(N, T, V) bool: True where a joint has a non-zero coordinate."""
    return (S != 0).any(dim=-1)


def _joint_valid(S: Tensor, mask: Optional[Tensor]) -> Tensor:
    """Broadcast a (N, T) or (N, T, V) mask to (N, T, V) bool."""
    N, T, V = S.shape[:3]
    if mask is None:
        return torch.ones(N, T, V, dtype=torch.bool, device=S.device)
    mask = mask.to(device=S.device, dtype=torch.bool)
    if mask.dim() == 2:
        mask = mask[:, :, None]
    return mask.expand(N, T, V)


def joint_motion(S: Tensor, frame_mask: Optional[Tensor] = None) -> Tensor:
    """Per-joint mean frame-to-frame displacement (paper Eq. 2).

    ``m_v = mean_t ||S_{t+1, v} - S_{t, v}||_2`` over the consecutive pairs
    whose two ends are valid; a joint without any valid pair has motion 0.

    Args:
        S (Tensor): (N, T, V, C) positions.
        frame_mask (Tensor, optional): (N, T) or (N, T, V) bool, True =
            observed. None = all observed.

    Returns:
        Tensor: (N, V) motion.
    """
    valid = _joint_valid(S, frame_mask)
    disp = torch.linalg.vector_norm(S[:, 1:] - S[:, :-1], dim=-1)  # N,T-1,V
    pair = (valid[:, 1:] & valid[:, :-1]).to(S.dtype)
    total = (disp * pair).sum(dim=1)
    return total / pair.sum(dim=1).clamp(min=1)


def _region_list(regions) -> Tuple[Tuple[int, ...], ...]:
    if isinstance(regions, str):
        if regions not in SKELETON_LAYOUTS:
            raise ValueError(f'unknown skeleton layout {regions!r}, expected '
                             f'one of {list(SKELETON_LAYOUTS)}')
        return SKELETON_LAYOUTS[regions]['regions']
    out = tuple(tuple(int(j) for j in r) for r in regions)
    if not out or any(len(r) == 0 for r in out):
        raise ValueError(f'regions must be non-empty lists of joints, got '
                         f'{regions!r}')
    return out


def region_membership(regions, num_joints: int,
                      device=None) -> Tensor:
    """(R, V) bool: joint ``v`` belongs to region ``r``."""
    member = _membership(_region_list(regions), num_joints)
    return member.to(device, copy=True)  # never hand out the cached one


@functools.lru_cache(maxsize=64)
def _membership(regions: Tuple[Tuple[int, ...], ...],
                num_joints: int) -> Tensor:
    member = torch.zeros(len(regions), num_joints, dtype=torch.bool)
    for r, joints in enumerate(regions):
        if max(joints) >= num_joints or min(joints) < 0:
            raise ValueError(f'region {joints} does not fit {num_joints} '
                             f'joints')
        member[r, list(joints)] = True
    return member


@device_constant
def _membership_as(regions: Tuple[Tuple[int, ...], ...], num_joints: int,
                   dtype: torch.dtype) -> Tensor:
    """(R, V) 0/1 membership in ``dtype`` (built once per device)."""
    return _membership(regions, num_joints).to(dtype)


def region_scores(motion: Tensor, regions='coco') -> Tensor:
    """Per-region mean joint motion (paper Eq. 3).

    Args:
        motion (Tensor): (N, V), from :func:`joint_motion`.
        regions: a layout name (``'coco'``, ``'ntu'``) or a list of joint
            index lists.

    Returns:
        Tensor: (N, R) scores.
    """
    member = _membership_as(_region_list(regions), motion.shape[1],
                            motion.dtype, device=motion.device)
    # Explicit masked sum (no matmul) so the batch size never changes the
    # reduction order.
    total = (motion[:, None, :] * member[None]).sum(dim=-1)
    return total / member.sum(dim=-1)


def split_regions(scores: Tensor, num_dynamic: int = 2) -> Tensor:
    """Top-``num_dynamic`` regions are dynamic, the rest static.

    Ties go to the lower region index (stable sort), so an all-static clip
    always yields the same split.

    Args:
        scores (Tensor): (N, R).
        num_dynamic (int): Defaults to 2.

    Returns:
        Tensor: (N, R) bool, True = dynamic.
    """
    N, R = scores.shape
    if not 0 <= num_dynamic <= R:
        raise ValueError(f'num_dynamic={num_dynamic} with {R} regions')
    order = torch.sort(scores, dim=1, descending=True, stable=True).indices
    dyn = torch.zeros(N, R, dtype=torch.bool, device=scores.device)
    dyn.scatter_(1, order[:, :num_dynamic], True)
    return dyn


# ------------------------------------------------------------ interpolation
def interpolate_missing(S: Tensor, valid: Tensor) -> Tensor:
    """Fill unobserved entries linearly in time, per sequence and joint.

    Before the first / after the last observed frame the nearest observed
    value is copied; a joint never observed stays unchanged. Observed
    entries are returned bit-identical.

    Args:
        S (Tensor): (N, T, V, C).
        valid (Tensor): (N, T) or (N, T, V) bool.

    Returns:
        Tensor: (N, T, V, C).
    """
    valid = _joint_valid(S, valid)
    N, T, V, C = S.shape
    t = torch.arange(T, device=S.device).view(1, T, 1).expand(N, T, V)
    left = torch.where(valid, t, -1).cummax(dim=1).values
    right = torch.where(valid, t, T).flip(1).cummin(dim=1).values.flip(1)
    has_l, has_r = left >= 0, right < T
    left, right = (torch.where(has_l, left, right),
                   torch.where(has_r, right, left))
    left, right = left.clamp(0, T - 1), right.clamp(0, T - 1)
    xl = S.gather(1, left[..., None].expand(N, T, V, C))
    xr = S.gather(1, right[..., None].expand(N, T, V, C))
    span = (right - left).to(S.dtype)
    w = torch.where(span > 0, (t - left).to(S.dtype) / span.clamp(min=1),
                    torch.zeros_like(span))
    out = xl + w[..., None] * (xr - xl)
    keep = valid | ~(has_l | has_r)
    return torch.where(keep[..., None], S, out)


def _resample(S: Tensor, pos: Tensor) -> Tensor:
    """Linear resampling of (N, T, V, C) at positions ``pos`` (N, T')."""
    N, T, V, C = S.shape
    pos = pos.clamp(0, T - 1)
    i0 = pos.floor().long().clamp(0, T - 1)
    i1 = (i0 + 1).clamp(max=T - 1)
    w = (pos - i0.to(pos.dtype))[:, :, None, None]
    idx0 = i0[:, :, None, None].expand(N, -1, V, C)
    idx1 = i1[:, :, None, None].expand(N, -1, V, C)
    x0, x1 = S.gather(1, idx0), S.gather(1, idx1)
    return x0 + w * (x1 - x0)


# ------------------------------------------------------ spatial perturbations
def horizontal_flip(S: Tensor, rng: SequenceRandom,
                    prob: float = 1.) -> Tensor:
    """Mirror the x coordinate about the body centre, with prob ``prob``.

    ``x' = 2 c - x`` with ``c`` the sequence's mean x over all frames and
    joints (an involution: the centre of the mirror image is ``c`` again).
    Joint labels are not swapped. Draws: 1 uniform per sequence.
    """
    _check_rng(S, rng)
    hit = rng.uniform((1, ), S)[:, 0] < prob  # N
    x = S[..., 0]
    centre = x.sum(dim=2).sum(dim=1) / (x.shape[1] * x.shape[2])
    flipped = 2 * centre[:, None, None] - x
    x = torch.where(hit[:, None, None], flipped, x)
    return torch.cat([x[..., None], S[..., 1:]], dim=-1)


def gaussian_noise(S: Tensor, rng: SequenceRandom,
                   std: float) -> Tensor:
    """Add i.i.d. N(0, std^2) noise. Draws: T*V*C normals (as many
    uniforms, rounded up to even) per sequence."""
    _check_rng(S, rng)
    return S + std * rng.normal(S.shape[1:], S)


def axis_mask(S: Tensor, rng: SequenceRandom, prob: float = 1.) -> Tensor:
    """With prob ``prob``, zero one coordinate axis (uniform over C) of the
    whole sequence. Draws: 2 uniforms per sequence."""
    _check_rng(S, rng)
    C = S.shape[-1]
    u = rng.uniform((2, ), S)
    axis = (u[:, 1] * C).long().clamp(max=C - 1)
    hit = (torch.arange(C, device=S.device)[None] == axis[:, None])
    hit = hit & (u[:, :1] < prob)  # N, C
    return torch.where(hit[:, None, None, :], torch.zeros_like(S), S)


def kinematic_chains(parents: Sequence[int]) -> Tuple[Tensor, Tensor]:
    """The kinematic tree as matrices (cached per tree; do not modify).

    Returns:
        tuple: ``chain`` (V, V) bool, ``chain[v, u]`` = joint ``u`` is ``v``
        or one of its ancestors and not a root (its bone lies on the path
        from ``v``'s root to ``v``); ``root`` (V,) long, the root of each
        joint's tree. Raises on cycles and out-of-range parents.
    """
    return _chains(tuple(int(p) for p in parents))


@functools.lru_cache(maxsize=64)
def _chains(parents: Tuple[int, ...]) -> Tuple[Tensor, Tensor]:
    V = len(parents)
    chain = torch.zeros(V, V, dtype=torch.bool)
    root = torch.zeros(V, dtype=torch.long)
    for v in range(V):
        u, path = v, []
        while parents[u] >= 0:
            if u in path or len(path) > V:
                raise ValueError(f'parents {tuple(parents)} contain a cycle')
            if parents[u] >= V:
                raise ValueError(f'parent {parents[u]} of joint {u} does '
                                 f'not exist ({V} joints)')
            path.append(u)
            u = parents[u]
        chain[v, path] = True
        root[v] = u
    return chain, root


def bone_rescale(S: Tensor, rng: SequenceRandom, scale: float,
                 parents: Sequence[int]) -> Tensor:
    """Scale every bone (limb vector from the parent joint) by its own
    factor ``s_v ~ U[1 - scale, 1 + scale]`` (constant over time) and
    rebuild the skeleton from the roots outwards,
    ``S'_v = S'_p + s_v (S_v - S_p)``, i.e. in closed form
    ``S'_v = S_root(v) + sum_{u on the chain of v} s_u (S_u - S_p(u))``.
    Directions are preserved and roots do not move. Draws: V uniforms per
    sequence.
    """
    _check_rng(S, rng)
    V = S.shape[2]
    if len(parents) != V:
        raise ValueError(f'parents has {len(parents)} joints, S has {V}')
    s = 1 + scale * (2 * rng.uniform((V, ), S) - 1)  # N, V
    parent, chain, root = _bone_tables(tuple(int(p) for p in parents),
                                       S.dtype, device=S.device)
    bones = S - S[:, :, parent]  # N, T, V, C
    scaled = (s[:, None, :, None] * bones)[:, :, None]  # N, T, 1, V, C
    # explicit masked sum over u (no matmul: the batch size never changes
    # the reduction order)
    return S[:, :, root] + (chain[:, :, None] * scaled).sum(dim=3)


@device_constant
def _bone_tables(parents: Tuple[int, ...],
                 dtype: torch.dtype) -> Tuple[Tensor, Tensor, Tensor]:
    """:func:`bone_rescale`'s tables, built once per device: ``parent``
    (V,) long (roots are their own parents: bone 0), ``chain`` (V, V) of
    :func:`kinematic_chains` as 0/1 in ``dtype``, ``root`` (V,) long."""
    chain, root = _chains(parents)
    parent = torch.tensor([v if p < 0 else p for v, p in enumerate(parents)])
    return parent, chain.to(dtype), root.clone()


# ----------------------------------------------------- temporal perturbations
def crop_resize(S: Tensor, rng: SequenceRandom,
                ratio: Sequence[float] = (0.5, 1.)) -> Tensor:
    """Random temporal crop of relative length in ``ratio``, linearly
    resampled back to T frames. Draws: 2 uniforms per sequence."""
    _check_rng(S, rng)
    T = S.shape[1]
    if T < 2:
        return S.clone()
    lo, hi = ratio
    u = rng.uniform((2, ), S)
    length = (lo + (hi - lo) * u[:, 0]) * (T - 1)  # span in frames
    start = u[:, 1] * (T - 1 - length)
    grid = torch.arange(T, device=S.device, dtype=S.dtype) / (T - 1)
    return _resample(S, start[:, None] + length[:, None] * grid[None])


def frame_drop(S: Tensor, rng: SequenceRandom, ratio: float) -> Tensor:
    """Drop each frame with prob ``ratio`` and linearly re-interpolate it
    from the kept frames (a sequence with no kept frame is unchanged).
    Draws: T uniforms per sequence."""
    _check_rng(S, rng)
    keep = rng.uniform((S.shape[1], ), S) >= ratio  # N, T
    return interpolate_missing(S, keep)


def time_flip(S: Tensor, rng: SequenceRandom, prob: float = 1.) -> Tensor:
    """Reverse time with prob ``prob``. Draws: 1 uniform per sequence."""
    _check_rng(S, rng)
    hit = rng.uniform((1, ), S)[:, 0] < prob
    return torch.where(hit[:, None, None, None], S.flip(1), S)


# ----------------------------------------------- spatio-temporal perturbation
def joint_dropout(S: Tensor, rng: SequenceRandom, prob: float) -> Tensor:
    """Zero each (frame, joint) with prob ``prob`` (no rescaling: these are
    coordinates). Draws: T*V uniforms per sequence."""
    _check_rng(S, rng)
    drop = rng.uniform(S.shape[1:3], S) < prob
    return torch.where(drop[..., None], torch.zeros_like(S), S)


# ------------------------------------------------------------- composition
def perturb_config(cfg: Optional[Dict], default: Dict) -> Dict:
    """``default`` updated with ``cfg``; unknown keys raise."""
    out = dict(default)
    for key, value in (cfg or {}).items():
        if key not in PERTURB_KEYS:
            raise ValueError(f'unknown perturbation {key!r}, expected one of '
                             f'{PERTURB_KEYS}')
        out[key] = value
    if out['crop_ratio'] is not None:
        lo, hi = out['crop_ratio']
        if not 0 <= lo <= hi <= 1:
            raise ValueError(f'crop_ratio must be (lo, hi) with 0 <= lo <= '
                             f'hi <= 1, got {out["crop_ratio"]!r}')
    return out


def _enabled(cfg: Dict, key: str) -> bool:
    if key == 'crop_ratio':
        return cfg[key] is not None and tuple(cfg[key]) != (1, 1)
    return bool(cfg[key])


def perturb_draws(cfg: Dict, T: int, V: int, C: int) -> int:
    """Random numbers one sequence uses in :func:`perturb` with ``cfg``."""
    cfg = perturb_config(cfg, {k: None for k in PERTURB_KEYS})
    normals = (T * V * C + 1) // 2 * 2  # Box-Muller pairs
    per_key = dict(flip_prob=1, bone_scale=V, crop_ratio=2 if T >= 2 else 0,
                   drop_ratio=T, time_flip_prob=1, noise_std=normals,
                   axis_mask_prob=2, dropout_prob=T * V)
    return sum(n for key, n in per_key.items() if _enabled(cfg, key))


def perturb(S: Tensor, rng: SequenceRandom, cfg: Dict,
            parents: Optional[Sequence[int]] = None) -> Tensor:
    """Apply the enabled perturbations of ``cfg`` (see :data:`PERTURB_KEYS`)
    in the order spatial (flip, bone rescale), temporal (crop-resize, drop +
    interpolation, time flip), then noise, axis masking and joint dropout
    last so that the zeros they write stay zero."""
    cfg = perturb_config(cfg, {k: None for k in PERTURB_KEYS})
    if _enabled(cfg, 'bone_scale') and parents is None:
        raise ValueError('bone_scale needs the kinematic tree `parents`')
    steps = (('flip_prob', horizontal_flip), ('bone_scale', bone_rescale),
             ('crop_ratio', crop_resize), ('drop_ratio', frame_drop),
             ('time_flip_prob', time_flip), ('noise_std', gaussian_noise),
             ('axis_mask_prob', axis_mask), ('dropout_prob', joint_dropout))
    for key, step in steps:
        if not _enabled(cfg, key):
            continue
        if key == 'bone_scale':
            S = step(S, rng, cfg[key], parents)
        else:
            S = step(S, rng, cfg[key])
    return S


def decompose(S_base: Tensor,
              regions='coco',
              rng: Optional[SequenceRandom] = None,
              strong_cfg: Optional[Dict] = None,
              weak_cfg: Optional[Dict] = None,
              num_dynamic: int = 2,
              parents: Optional[Sequence[int]] = None,
              valid: Optional[Tensor] = None
              ) -> Tuple[Tensor, Tensor, Tensor]:
    """Spatial decomposition of S_base into S_dyna and S_stat (the paper's
    skeleton-based spatial decomposition).

    1. Joint motion over the observed pairs, region means, top-
       ``num_dynamic`` regions dynamic (:func:`joint_motion`,
       :func:`region_scores`, :func:`split_regions`).
    2. Missing entries are linearly interpolated in time (so temporal
       perturbations never smear zeros into observed frames), then the whole
       skeleton is perturbed strongly and, separately, weakly (strong draws
       first, then weak, from the same per-sequence random stream).
    3. ``S_dyna`` = S_base with the observed joints of the dynamic regions
       taken from the strong version; ``S_stat`` = S_base with the observed
       joints of the static regions taken from the weak version. Missing
       entries stay exactly as in S_base (zero), so the kept
       ``keypoint_score`` still marks them in all three streams; joints in no
       region are never changed.

    Args:
        S_base (Tensor): (N, T, V, C).
        regions: layout name (``'coco'``, ``'ntu'``) or joint index lists.
        rng (SequenceRandom, optional): N random streams; None = streams
            keyed from numpy's global RNG (training).
        strong_cfg / weak_cfg (dict, optional): updates of
            :data:`STRONG_DEFAULT` / :data:`WEAK_DEFAULT`.
        num_dynamic (int): Dynamic regions per sequence. Defaults to 2.
        parents (Sequence[int], optional): kinematic tree for bone
            rescaling; defaults to the layout's when ``regions`` is a name.
        valid (Tensor, optional): (N, T) or (N, T, V) bool; defaults to
            :func:`observed_joints`.

    Returns:
        tuple: ``S_dyna`` (N, T, V, C), ``S_stat`` (N, T, V, C),
        ``dyn_region_mask`` (N, R) bool.
    """
    if S_base.dim() != 4:
        raise ValueError(f'S_base must be (N, T, V, C), got shape '
                         f'{tuple(S_base.shape)}')
    N, T, V, C = S_base.shape
    if parents is None and isinstance(regions, str):
        parents = _layout_parents(regions)
    if rng is None:
        rng = SequenceRandom.from_numpy(N)
    _check_rng(S_base, rng)
    strong_cfg = perturb_config(strong_cfg, STRONG_DEFAULT)
    weak_cfg = perturb_config(weak_cfg, WEAK_DEFAULT)
    # all numbers of both perturbations in one batch of integer hashing
    rng.reserve(perturb_draws(strong_cfg, T, V, C) +
                perturb_draws(weak_cfg, T, V, C), S_base.device)
    valid = observed_joints(S_base) if valid is None else _joint_valid(
        S_base, valid)

    member = region_membership(regions, V, S_base.device)  # R, V
    dyn = split_regions(
        region_scores(joint_motion(S_base, valid), regions), num_dynamic)
    dyn_joint = (dyn[:, :, None] & member[None]).any(dim=1)  # N, V
    stat_joint = (~dyn[:, :, None] & member[None]).any(dim=1)

    filled = interpolate_missing(S_base, valid)
    strong = perturb(filled, rng, strong_cfg, parents)
    weak = perturb(filled, rng, weak_cfg, parents)
    take_dyn = (dyn_joint[:, None] & valid)[..., None]
    take_stat = (stat_joint[:, None] & valid)[..., None]
    S_dyna = torch.where(take_dyn, strong, S_base)
    S_stat = torch.where(take_stat, weak, S_base)
    return S_dyna, S_stat, dyn


def _layout_parents(name: str) -> Tuple[int, ...]:
    if name not in SKELETON_LAYOUTS:
        raise ValueError(f'unknown skeleton layout {name!r}, expected one of '
                         f'{list(SKELETON_LAYOUTS)}')
    return SKELETON_LAYOUTS[name]['parents']
