"""Mathematics of the linear-fallback gate (pure functions)."""
import torch

from finetec_mm.functional.gap_filling import linear_fill
from finetec_mm.functional.linear_fallback import (FEATURE_NAMES,
                                                   blend_with_linear,
                                                   fallback_features,
                                                   gap_features,
                                                   gate_error_terms,
                                                   gated_errors,
                                                   held_out_ends,
                                                   self_check_ratio)


def _clips(B=5, T=16, V=17, C=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(B, T, V, C, generator=g)
    mask = torch.rand(B, T, generator=g) > 0.5
    mask[:, 3] = True
    mask[0] = False
    mask[0, 5] = mask[0, 9] = True
    lin = linear_fill(x.flatten(2), mask).reshape(x.shape)
    lin = torch.where(mask[:, :, None, None], x, lin)
    # a network's completion: observed frames are the input
    net = torch.where(mask[:, :, None, None], x,
                      lin + torch.randn(x.shape, generator=g))
    return x, mask, lin, net


def test_blend_zero_gate_is_exactly_linear_and_one_is_the_network():
    x, mask, lin, net = _clips()
    zero = blend_with_linear(lin, net, torch.zeros(mask.shape), mask)
    assert torch.equal(zero, lin)
    one = blend_with_linear(lin, net, torch.ones(mask.shape), mask)
    assert torch.equal(one[~mask], net[~mask])
    assert torch.equal(one[mask], x[mask])  # observed = input


def test_blend_keeps_observed_frames_and_is_affine_in_the_gate():
    x, mask, lin, net = _clips()
    gate = torch.rand(mask.shape, generator=torch.Generator().manual_seed(1))
    out = blend_with_linear(lin, net, gate, mask)
    assert torch.equal(out[mask], x[mask])
    expect = lin + gate[:, :, None, None] * (net - lin)
    assert torch.allclose(out[~mask], expect[~mask])


def test_gap_features_on_a_known_mask():
    mask = torch.tensor([[0, 1, 0, 0, 1, 1, 0, 0]], dtype=torch.bool)
    f = gap_features(mask)[0]
    T = 8
    assert torch.allclose(f[:, 0] * T, torch.tensor(
        [1, 0, 1, 1, 0, 0, 1, 2.]))  # frames to the nearest observed
    assert f[:, 1].tolist() == [1, 0, 0, 0, 0, 0, 1, 1]  # clip ends
    assert torch.allclose(f[:, 2] * T, torch.tensor(
        [1, 0, 2, 2, 0, 0, 2, 2.]))  # length of the frame's gap


def test_held_out_ends_hides_the_first_and_last_observed_frame():
    mask = torch.tensor([[0, 1, 0, 1, 1, 0], [0, 0, 1, 0, 0, 0]],
                        dtype=torch.bool)
    hidden, valid = held_out_ends(mask)
    assert valid.tolist() == [[True, False], [True, False]]
    assert hidden[0, 0].nonzero().flatten().tolist() == [1]
    assert hidden[1, 0].nonzero().flatten().tolist() == [4]
    assert not hidden[:, 1].any()  # one observed frame: nothing to hide
    ratio = self_check_ratio(torch.ones(2, 2), torch.ones(2, 2) * 4, valid)
    assert ratio[:, 1].eq(0).all() and ratio[:, 0].lt(0).all()


def test_features_shape_and_exemplar_distance_floor():
    x, mask, lin, net = _clips()
    check = torch.zeros(2, x.shape[0])
    f = fallback_features(x, mask, net, lin, x, check)
    assert f.shape == (*mask.shape, len(FEATURE_NAMES))
    assert torch.isfinite(f).all()
    # exemplar equal to the query: the log distance is the floor
    assert torch.allclose(f[:, 0, 1], torch.log(torch.tensor(1e-4)))


def test_error_terms_give_the_squared_errors_of_any_gate():
    x, mask, lin, net = _clips()
    scale = torch.rand(x.shape[0], 1, 1, 1) + 0.5
    frame, pair = gate_error_terms(net, lin, x, scale)
    for seed in range(3):
        gate = torch.rand(mask.shape,
                          generator=torch.Generator().manual_seed(seed))
        out = blend_with_linear(lin, net, gate, mask)
        d = ((out - x) / scale).double()
        pos, vel = gated_errors(gate, frame, pair)
        assert torch.allclose(pos, d.square().sum((1, 2, 3)))
        assert torch.allclose(vel, d.diff(dim=1).square().sum((1, 2, 3)))
    pos0, _ = gated_errors(torch.zeros(mask.shape), frame, pair)
    assert torch.allclose(pos0, frame[..., 0].sum(1))  # linear's error
