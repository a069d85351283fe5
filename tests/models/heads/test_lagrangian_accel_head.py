# Copyright (c) FineTec authors. All rights reserved.
import numpy as np
import pytest
import torch
from mmaction.registry import MODELS

import finetec_mm  # noqa: F401
from finetec_mm.models.heads import (LagrangianAccelHead, pseudo_acceleration,
                                     sym_to_triu, triu_to_sym, velocity)

SMALL = dict(vec_hidden=(32, 16), mat_hidden=(32, 32), gate_hidden=(16, ))
D = 34


def head(**kwargs):
    torch.manual_seed(0)
    cfg = dict(SMALL)
    cfg.update(kwargs)
    return LagrangianAccelHead(**cfg)


def clip(N=2, T=16, seed=0, scale=1.):
    g = torch.Generator().manual_seed(seed)
    S = 0.3 + 0.02 * torch.randn(N, T, 17, 2, generator=g).cumsum(1)
    return scale * S


def test_registered_and_shapes_default_widths():
    torch.manual_seed(0)
    h = MODELS.build(dict(type='LagrangianAccelHead'))
    h.init_weights()
    out = h(clip(N=3))
    for key in ('accel', 'lagrangian', 'pseudo'):
        assert out[key].shape == (3, 16, 17, 2)
    assert out['gate'].shape == (3, 16, 17, 1)
    assert h.m_net[-1].out_features == 595 and h.g_net[0].in_features == 68
    assert h.m_net[0].in_features == 4 * D
    assert h.loss(out).dim() == 0


def test_triu_round_trip():
    vec = torch.randn(3, 595)
    mat = triu_to_sym(vec, D)
    assert mat.shape == (3, D, D)
    assert torch.equal(mat, mat.transpose(-1, -2))
    assert torch.equal(sym_to_triu(mat), vec)
    sym = torch.randn(D, D)
    sym = sym + sym.T
    assert torch.equal(triu_to_sym(sym_to_triu(sym), D), sym)
    assert triu_to_sym(torch.arange(6.), 3).tolist() == [[0, 1, 2], [1, 3, 4],
                                                         [2, 4, 5]]


def test_estimated_matrices_are_exactly_symmetric_and_bounded():
    h = head()
    for net in (h.m_net, h.c_net):  # as if trained to large outputs
        torch.nn.init.normal_(net[-1].weight, std=5.)
    est = h.estimate(h.features(clip()))
    for key in ('M', 'C'):
        assert torch.equal(est[key], est[key].transpose(-1, -2))
    eig_m = torch.linalg.eigvalsh(est['M'].double())
    assert eig_m.min() >= 1 - h.m_scale - 1e-6  # positive-definite
    assert eig_m.max() <= 1 + h.m_scale + 1e-6
    eig_c = torch.linalg.eigvalsh(est['C'].double())
    assert eig_c.abs().max() <= h.c_scale + 1e-6


@pytest.mark.parametrize('dt', [1., 0.5])
def test_differences_on_a_quadratic(dt):
    T = 10
    t = torch.arange(T, dtype=torch.float64)[None, :, None] * dt
    a = torch.tensor([1.5, -2., 0.25], dtype=torch.float64)
    b = torch.tensor([0.5, 3., -1.], dtype=torch.float64)
    c = torch.tensor([2., 0., 1.], dtype=torch.float64)
    S = a * t**2 + b * t + c  # (1, T, 3)
    vel = velocity(S, dt)
    torch.testing.assert_close(vel[:, 1:-1], (2 * a * t + b)[:, 1:-1])
    torch.testing.assert_close(vel[:, 0], (S[:, 1] - S[:, 0]) / dt)
    torch.testing.assert_close(vel[:, -1], (S[:, -1] - S[:, -2]) / dt)
    acc = pseudo_acceleration(S, dt)
    torch.testing.assert_close(acc, (2 * a).expand(1, T, 3))
    # degenerate lengths
    assert (velocity(S[:, :1], dt) == 0).all()
    assert (pseudo_acceleration(S[:, :2], dt) == 0).all()


def test_features_match_the_design():
    h = head(dt=0.5)
    S = clip(N=1)
    f = h.features(S)
    pos = S.reshape(1, 16, D)
    assert torch.equal(f['pos'], pos)
    torch.testing.assert_close(f['pos_g'], pos.mean(1))
    torch.testing.assert_close(f['vel'][:, 3], (pos[:, 4] - pos[:, 2]) / 1.)
    torch.testing.assert_close(f['vel_g'], f['vel'].mean(1))


def test_tau_is_time_independent():
    h = head()
    torch.nn.init.normal_(h.tau_net[-1].weight, std=1.)
    torch.nn.init.normal_(h.m_net[-1].weight, std=1.)
    S = clip(N=2).double()
    h = h.double()
    out = h(S)
    feats = h.features(S)
    est = h.estimate(feats)
    assert est['tau'].shape == (2, D)
    # recover tau from every frame: M_t^{-1} (S̈_t + C_t v_t + g_t)
    rhs = (out['lagrangian'].reshape(2, 16, D) +
           torch.einsum('ntij,ntj->nti', est['C'], feats['vel']) + est['g'])
    tau_t = torch.linalg.solve(est['M'], rhs)
    torch.testing.assert_close(tau_t,
                               est['tau'][:, None].expand(2, 16, D))


def test_lagrangian_by_hand_for_one_sample():
    h = head().double()
    for net in (h.g_net, h.tau_net, h.m_net, h.c_net):
        torch.nn.init.normal_(net[-1].weight, std=0.5)
    S = clip(N=3).double()
    out = h(S)
    x = S[1].reshape(16, D).numpy()
    v = np.empty_like(x)  # finite differences by hand
    v[1:-1] = (x[2:] - x[:-2]) / 2
    v[0], v[-1] = x[1] - x[0], x[-1] - x[-2]
    xg, vg = x.mean(0), v.mean(0)
    iu = np.triu_indices(D)

    def net(module, inp):
        return module(torch.from_numpy(inp)).detach().numpy()

    with torch.no_grad():
        for t in range(16):
            f4 = np.concatenate([xg, x[t], vg, v[t]])[None]
            g = h.g_scale * np.tanh(net(h.g_net, np.concatenate(
                [xg, x[t]])[None]))[0]
            tau = h.tau_scale * np.tanh(net(h.tau_net, np.concatenate(
                [xg, vg])[None]))[0]
            M = np.zeros((D, D))
            M[iu] = np.tanh(net(h.m_net, f4))[0]
            M = np.eye(D) + h.m_scale / D * (M + np.triu(M, 1).T)
            C = np.zeros((D, D))
            C[iu] = np.tanh(net(h.c_net, f4))[0]
            C = h.c_scale / D * (C + np.triu(C, 1).T)
            lag = M @ tau - C @ v[t] - g
            np.testing.assert_allclose(
                out['lagrangian'][1, t].reshape(D).detach().numpy(), lag,
                rtol=1e-10, atol=1e-12)
    acc = (x[2:] - 2 * x[1:-1] + x[:-2])
    np.testing.assert_allclose(
        out['pseudo'][1, 1:-1].reshape(14, D).detach().numpy(), acc,
        rtol=1e-10, atol=1e-12)
    gate = out['gate'][1]
    torch.testing.assert_close(
        out['accel'][1],
        gate * out['lagrangian'][1] + (1 - gate) * out['pseudo'][1])


def test_gradients_flow():
    for target in ('fused', 'lagrangian'):
        h = head(loss_target=target)
        S = clip().requires_grad_(True)
        out = h(S)
        (h.loss(out) + out['accel'].pow(2).mean()).backward()
        for name, p in h.named_parameters():
            assert p.grad is not None, name
            assert torch.isfinite(p.grad).all(), name
        for net in (h.g_net, h.tau_net, h.m_net, h.c_net, h.gate_net):
            assert net[-1].weight.grad.abs().sum() > 0
        assert S.grad is not None and torch.isfinite(S.grad).all()


def test_loss_targets():
    h = head()
    out = h(clip())
    gap = torch.nn.functional.mse_loss(out['lagrangian'], out['pseudo'])
    # gate starts at 0.5: a - â = 0.5 (S̈ - â)
    torch.testing.assert_close(h.loss(out), 0.25 * gap)
    h2 = head(loss_target='lagrangian', loss_weight=2.)
    torch.testing.assert_close(h2.loss(h2(clip())), 2 * gap)


def test_deterministic():
    S = clip()
    a, b = head()(S), head()(S)
    for key in a:
        assert torch.equal(a[key], b[key])
    h = head()
    first = h(S)['accel']
    torch.testing.assert_close(h(S[:1])['accel'], first[:1])


@pytest.mark.parametrize('case', ['zeros', 'huge', 'missing', 'single'])
def test_stability_on_degenerate_inputs(case):
    h = head()
    for net in (h.g_net, h.tau_net, h.m_net, h.c_net, h.gate_net):
        torch.nn.init.normal_(net[-1].weight, std=3.)  # a "trained" head
    S = clip()
    if case == 'zeros':
        S = torch.zeros_like(S)
    elif case == 'huge':
        S = S * 100
    elif case == 'missing':
        S[:, [2, 3, 7, 8, 9, 15]] = 0
    elif case == 'single':
        S = S[:, :1]
    S.requires_grad_(True)
    out = h(S)
    for key, value in out.items():
        assert torch.isfinite(value).all(), key
    vel = h.features(S)['vel']  # (N, T, D)
    bound = ((1 + h.m_scale) * h.tau_scale * D**0.5 +
             h.c_scale * vel.norm(dim=-1) + h.g_scale * D**0.5)
    lag = out['lagrangian'].reshape(vel.shape).norm(dim=-1)
    assert (lag <= bound + 1e-4).all()
    acc = out['accel'].reshape(vel.shape).norm(dim=-1)
    pseudo = out['pseudo'].reshape(vel.shape).norm(dim=-1)
    assert (acc <= torch.maximum(bound, pseudo) + 1e-4).all()
    h.loss(out).backward()
    assert torch.isfinite(S.grad).all()


def test_config_errors():
    with pytest.raises(ValueError, match='m_scale'):
        LagrangianAccelHead(m_scale=1.)
    with pytest.raises(ValueError, match='loss_target'):
        LagrangianAccelHead(loss_target='gate')
    with pytest.raises(ValueError, match='expects'):
        head()(torch.zeros(2, 16, 25, 2))


def test_accel_loss_decreases_on_a_toy_problem():
    """Trained on ballistic (constant-acceleration) clips, the Lagrangian
    branch learns the acceleration: L_Ac ('lagrangian' target) falls."""
    torch.manual_seed(0)
    head = LagrangianAccelHead(vec_hidden=(64, ), mat_hidden=(64, ),
                               gate_hidden=(8, ), loss_target='lagrangian')
    t = torch.arange(16.)[None, :, None, None]
    v0 = 0.01 * torch.randn(32, 1, 17, 2)
    S = 0.1 * torch.randn(32, 1, 17, 2) + v0 * t + 0.5 * 0.002 * t**2
    opt = torch.optim.Adam(head.parameters(), lr=3e-3)
    losses = []
    for _ in range(60):
        loss = head.loss(head(S))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.2 * losses[0]
