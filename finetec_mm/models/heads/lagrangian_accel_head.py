# Copyright (c) FineTec authors. All rights reserved.
"""The paper's physics-driven (Lagrangian) acceleration head."""
from typing import Dict, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor, nn

from finetec_mm.functional.constants import device_constant
from mmaction.registry import MODELS

_LOSS_TARGETS = ('fused', 'lagrangian')


@device_constant
def _sym_index(dim: int) -> Tensor:
    """(D, D) long: entry (i, j) of a symmetric matrix -> its position in
    the D(D+1)/2 upper-triangular entries (row-major, ``torch.triu_indices``
    order); (i, j) and (j, i) map to the same position."""
    rows, cols = torch.triu_indices(dim, dim)
    index = torch.empty(dim, dim, dtype=torch.long)
    k = torch.arange(rows.numel())
    index[rows, cols] = k
    index[cols, rows] = k
    return index


@device_constant
def _triu_index(dim: int) -> Tuple[Tensor, Tensor]:
    """``torch.triu_indices(dim, dim)`` as (rows, cols), each
    (D(D+1)/2, ) long."""
    rows, cols = torch.triu_indices(dim, dim)
    return rows, cols


@device_constant
def _identity(dim: int, dtype: torch.dtype) -> Tensor:
    """(D, D) identity of ``dtype``."""
    return torch.eye(dim, dtype=dtype)


def triu_to_sym(vec: Tensor, dim: int) -> Tensor:
    """(..., D(D+1)/2) upper-triangular entries (row-major, ``torch.triu_
    indices`` order) -> (..., D, D) symmetric matrix. Entries (i, j) and
    (j, i) read the same element, so the result is exactly symmetric. The
    index table is built once per (D, device)."""
    return vec[..., _sym_index(dim, device=vec.device)]


def sym_to_triu(mat: Tensor) -> Tensor:
    """(..., D, D) -> (..., D(D+1)/2) upper-triangular entries."""
    rows, cols = _triu_index(mat.shape[-1], device=mat.device)
    return mat[..., rows, cols]


def velocity(S: Tensor, dt: float = 1.) -> Tensor:
    """Central-difference velocity along dim 1.

    ``(S_{t+1} - S_{t-1}) / (2 dt)`` inside, one-sided ``(S_1 - S_0) / dt``
    and ``(S_{T-1} - S_{T-2}) / dt`` at the ends, 0 if T = 1.

    Args:
        S (Tensor): (N, T, ...).
    """
    T = S.shape[1]
    if T < 2:
        return torch.zeros_like(S)
    first = (S[:, 1:2] - S[:, :1]) / dt
    last = (S[:, -1:] - S[:, -2:-1]) / dt
    inner = (S[:, 2:] - S[:, :-2]) / (2 * dt)
    return torch.cat([first, inner, last], dim=1)


def pseudo_acceleration(S: Tensor, dt: float = 1.) -> Tensor:
    """Second difference ``(S_{t+1} - 2 S_t + S_{t-1}) / dt^2`` along dim 1;
    the ends replicate their neighbour (``a_0 = a_1``, ``a_{T-1} =
    a_{T-2}``); 0 if T < 3.

    Args:
        S (Tensor): (N, T, ...).
    """
    T = S.shape[1]
    if T < 3:
        return torch.zeros_like(S)
    inner = (S[:, 2:] - 2 * S[:, 1:-1] + S[:, :-2]) / (dt * dt)
    return torch.cat([inner[:, :1], inner, inner[:, -1:]], dim=1)


def temporal_smooth(S: Tensor, passes: int = 1) -> Tensor:
    """``passes`` applications of the binomial filter [1, 2, 1] / 4 along
    dim 1, ends replicated; ``passes = 0`` returns ``S``. The filter keeps
    constants and straight lines (constant velocity) exactly.

    Args:
        S (Tensor): (N, T, ...).
    """
    for _ in range(passes):
        if S.shape[1] < 2:
            break
        prev = torch.cat([S[:, :1], S[:, :-1]], dim=1)
        nxt = torch.cat([S[:, 1:], S[:, -1:]], dim=1)
        S = 0.25 * prev + 0.5 * S + 0.25 * nxt
    return S


def _mlp(in_dim: int, hidden: Sequence[int], out_dim: int) -> nn.Sequential:
    layers, width = [], in_dim
    for h in hidden:
        layers += [nn.Linear(width, h), nn.ReLU(inplace=True)]
        width = h
    layers.append(nn.Linear(width, out_dim))
    return nn.Sequential(*layers)


@MODELS.register_module()
class LagrangianAccelHead(BaseModule):
    """Lagrangian acceleration of a skeleton sequence (the paper's
    physics-driven acceleration).

    With D = V * C (34 for COCO-17 2D) and the features of :meth:`features`
    (local / global position s_t, s^(g) and velocity, ṡ_t, ṡ^(g)):

    * ĝ_t = g_scale * tanh(MLP_g([s^(g), s_t]))            (N, T, D)
    * τ̂ = tau_scale * tanh(MLP_τ([s^(g), ṡ^(g)]))          (N, D), time-free
    * M̂_t = I + (m_scale / D) * sym(tanh(MLP_M(f_t)))       (N, T, D, D)
    * Ĉ_t = (c_scale / D) * sym(tanh(MLP_C(f_t)))           (N, T, D, D)
      with f_t = [s^(g), s_t, ṡ^(g), ṡ_t] and sym() filling a symmetric
      matrix from D(D+1)/2 = 595 upper-triangular entries.
    * S̈_t = M̂_t τ̂ - Ĉ_t ṡ_t - ĝ_t,  â_t = second difference of S
      (after ``pseudo_smoothing`` passes of the [1, 2, 1] / 4 filter),
      a_t = γ S̈_t + (1 - γ) â_t with a gate γ = σ(MLP_γ(f_t)) per frame and
      joint.

    Stability: every entry of the tanh-bounded symmetric part is at most
    ``m_scale / D`` in magnitude, so by Gershgorin M̂'s eigenvalues lie in
    [1 - m_scale, 1 + m_scale]: with ``m_scale < 1`` M̂ is positive-definite
    with condition number <= (1 + m) / (1 - m), whatever the input.
    Likewise ||Ĉ||_2 <= c_scale, and ĝ, τ̂ are bounded, so
    ||S̈_t|| <= (1 + m_scale) ||τ̂|| + c_scale ||ṡ_t|| + ||ĝ_t||: finite, and
    linear in the input velocity even for huge or degenerate inputs. The
    last layers are initialised small (``init_std``), so training starts
    from M̂ ≈ I, Ĉ ≈ 0, ĝ ≈ 0, τ̂ ≈ 0 and a gate of 0.5.

    ``dt`` defaults to 1 frame: velocities and accelerations stay in the
    units of the (normalised) coordinates per frame, i.e. small values of
    the same order as the positions' frame-to-frame changes, which suits
    the MLP inputs and the MSE loss; a physical dt (1/fps) would scale
    â by fps².

    Loss (:meth:`loss`): the paper's L_Ac = MSE(â, a) (``loss_target=
    'fused'``). Since a - â = γ (S̈ - â), that loss can also be lowered by
    closing the gate (γ -> 0), which switches the physics branch off;
    ``loss_target='lagrangian'`` supervises S̈ directly with MSE(â, S̈),
    training the estimators to explain the observed acceleration and leaving
    the gate to the recognition loss. The target â is detached.

    Args:
        num_joints (int): V. Defaults to 17.
        in_channels (int): C. Defaults to 2.
        dt (float): Time step in frames. Defaults to 1.
        vec_hidden (Sequence[int]): hidden widths of MLP_g, MLP_τ.
            Defaults to (512, 256) (PhysMoP).
        mat_hidden (Sequence[int]): hidden widths of MLP_M, MLP_C.
            Defaults to (512, 512) (PhysMoP).
        gate_hidden (Sequence[int]): hidden widths of the gate MLP.
            Defaults to (128, ).
        m_scale (float): bound of M̂ - I (spectral). Must be in [0, 1).
            Defaults to 0.5.
        c_scale (float): bound of ||Ĉ||_2. Defaults to 0.5.
        g_scale (float): bound of |ĝ| per entry. Defaults to 1.
        tau_scale (float): bound of |τ̂| per entry. Defaults to 1.
        init_std (float): std of the output layers' weights. Defaults to
            1e-3.
        loss_target (str): ``'fused'`` or ``'lagrangian'``.
        pseudo_smoothing (int): passes of the binomial filter before the
            second difference of â (:func:`temporal_smooth`). On completed
            clips the restored frames are smoother than the observed ones,
            so a raw second difference is larger on observed frames and
            re-encodes the drop mask; one pass brings the two closer
            (docs/model.md). Defaults to 0 (the paper's plain difference).
        loss_weight (float): Defaults to 1.
    """

    def __init__(self,
                 num_joints: int = 17,
                 in_channels: int = 2,
                 dt: float = 1.,
                 vec_hidden: Sequence[int] = (512, 256),
                 mat_hidden: Sequence[int] = (512, 512),
                 gate_hidden: Sequence[int] = (128, ),
                 m_scale: float = 0.5,
                 c_scale: float = 0.5,
                 g_scale: float = 1.,
                 tau_scale: float = 1.,
                 init_std: float = 1e-3,
                 loss_target: str = 'fused',
                 loss_weight: float = 1.,
                 pseudo_smoothing: int = 0,
                 init_cfg: Optional[Dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if not 0 <= m_scale < 1:
            raise ValueError(f'm_scale must be in [0, 1) to keep M̂ '
                             f'positive-definite, got {m_scale}')
        if loss_target not in _LOSS_TARGETS:
            raise ValueError(f'loss_target must be one of {_LOSS_TARGETS}, '
                             f'got {loss_target!r}')
        if pseudo_smoothing < 0:
            raise ValueError(f'pseudo_smoothing must be >= 0, got '
                             f'{pseudo_smoothing}')
        self.pseudo_smoothing = int(pseudo_smoothing)
        if dt <= 0:
            raise ValueError(f'dt must be > 0, got {dt}')
        self.num_joints = num_joints
        self.in_channels = in_channels
        self.dim = D = num_joints * in_channels
        self.dt = float(dt)
        self.m_scale = m_scale
        self.c_scale = c_scale
        self.g_scale = g_scale
        self.tau_scale = tau_scale
        self.init_std = init_std
        self.loss_target = loss_target
        self.loss_weight = loss_weight
        tri = D * (D + 1) // 2
        self.g_net = _mlp(2 * D, vec_hidden, D)
        self.tau_net = _mlp(2 * D, vec_hidden, D)
        self.m_net = _mlp(4 * D, mat_hidden, tri)
        self.c_net = _mlp(4 * D, mat_hidden, tri)
        self.gate_net = _mlp(4 * D, gate_hidden, num_joints)
        self._init_outputs()

    def _init_outputs(self) -> None:
        for net in (self.g_net, self.tau_net, self.m_net, self.c_net):
            nn.init.normal_(net[-1].weight, std=self.init_std)
            nn.init.zeros_(net[-1].bias)
        nn.init.zeros_(self.gate_net[-1].weight)
        nn.init.zeros_(self.gate_net[-1].bias)

    def init_weights(self) -> None:
        """Default init (or ``init_cfg``), then the small output layers the
        stability argument relies on."""
        super().init_weights()
        self._init_outputs()

    def features(self, S: Tensor) -> Dict[str, Tensor]:
        """Local / global position and velocity.

        Args:
            S (Tensor): (N, T, V, C).

        Returns:
            dict: ``pos`` s_t (N, T, D), ``pos_g`` s^(g) = temporal mean
            (N, D), ``vel`` ṡ_t central differences (N, T, D), ``vel_g``
            ṡ^(g) = temporal mean of ṡ_t (N, D).
        """
        if S.dim() != 4 or S.shape[2:] != (self.num_joints,
                                           self.in_channels):
            raise ValueError(
                f'LagrangianAccelHead expects (N, T, {self.num_joints}, '
                f'{self.in_channels}), got {tuple(S.shape)}')
        N, T = S.shape[:2]
        pos = S.reshape(N, T, self.dim)
        vel = velocity(pos, self.dt)
        return dict(pos=pos, pos_g=pos.mean(dim=1), vel=vel,
                    vel_g=vel.mean(dim=1))

    def estimate(self, feats: Dict[str, Tensor]) -> Dict[str, Tensor]:
        """The learned terms from :meth:`features`.

        Returns:
            dict: ``M`` M̂ (N, T, D, D), ``C`` Ĉ (N, T, D, D), ``g`` ĝ
            (N, T, D), ``tau`` τ̂ (N, D), ``gate`` γ (N, T, V).
        """
        pos, vel = feats['pos'], feats['vel']
        N, T, D = pos.shape
        pos_g = feats['pos_g'][:, None].expand(N, T, D)
        vel_g = feats['vel_g'][:, None].expand(N, T, D)
        f_all = torch.cat([pos_g, pos, vel_g, vel], dim=-1)
        g = self.g_scale * torch.tanh(
            self.g_net(torch.cat([pos_g, pos], dim=-1)))
        tau = self.tau_scale * torch.tanh(
            self.tau_net(torch.cat([feats['pos_g'], feats['vel_g']], -1)))
        eye = _identity(D, pos.dtype, device=pos.device)
        M = eye + (self.m_scale / D) * triu_to_sym(
            torch.tanh(self.m_net(f_all)), D)
        C = (self.c_scale / D) * triu_to_sym(
            torch.tanh(self.c_net(f_all)), D)
        gate = torch.sigmoid(self.gate_net(f_all))
        return dict(M=M, C=C, g=g, tau=tau, gate=gate)

    def forward(self, S: Tensor) -> Dict[str, Tensor]:
        """Fused acceleration of positions ``S``.

        Args:
            S (Tensor): (N, T, V, C) positions (normalised coordinates).

        Returns:
            dict: ``accel`` a (N, T, V, C), ``lagrangian`` S̈ (N, T, V, C),
            ``pseudo`` â (N, T, V, C), ``gate`` γ (N, T, V, 1).
        """
        feats = self.features(S)
        est = self.estimate(feats)
        lag = (torch.einsum('ntij,nj->nti', est['M'], est['tau']) -
               torch.einsum('ntij,ntj->nti', est['C'], feats['vel']) -
               est['g'])
        lag = lag.reshape(S.shape)
        pseudo = pseudo_acceleration(
            temporal_smooth(S, self.pseudo_smoothing), self.dt)
        gate = est['gate'][..., None]
        accel = gate * lag + (1 - gate) * pseudo
        return dict(accel=accel, lagrangian=lag, pseudo=pseudo, gate=gate)

    def loss(self, outputs: Dict[str, Tensor]) -> Tensor:
        """L_Ac of one stream: ``loss_weight * MSE(â, a)`` (``'fused'``) or
        ``loss_weight * MSE(â, S̈)`` (``'lagrangian'``); â detached."""
        pred = outputs['accel' if self.loss_target == 'fused' else
                       'lagrangian']
        return self.loss_weight * F.mse_loss(pred,
                                             outputs['pseudo'].detach())
