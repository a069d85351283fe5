"""Clip normalisation from observed frames: invariances and masks."""
import torch

from finetec_mm.functional.clip_norm import (clip_frame, default_root_joints,
                                             denormalize_clip, normalize_clip)

ROOTS = default_root_joints(17)


def _clip(seed=0, B=3, T=16):
    g = torch.Generator().manual_seed(seed)
    coords = torch.randn(B, T, 17, 2, generator=g, dtype=torch.float64)
    mask = torch.rand(B, T, generator=g) < 0.4
    mask[:, 3] = True
    return coords, mask


def test_roundtrip_and_moments():
    x, m = _clip()
    c, s = clip_frame(x, m, ROOTS)
    xn = normalize_clip(x, c, s)
    assert torch.allclose(denormalize_clip(xn, c, s), x)
    # on observed frames: root centre 0, RMS distance from the root 1
    root = xn[:, :, list(ROOTS)].mean(2)
    w = m.double()
    centre = (w[..., None] * root).sum(1) / w.sum(1, keepdim=True)
    assert torch.allclose(centre, torch.zeros_like(centre), atol=1e-12)
    rms = ((xn - root[:, :, None]).square().sum((2, 3)) * w).sum(1) / (
        w.sum(1) * 17)
    assert torch.allclose(rms, torch.ones_like(rms))


def test_translation_and_scale_invariance():
    x, m = _clip(1)
    xn = normalize_clip(x, *clip_frame(x, m, ROOTS))
    moved = 3.5 * x + torch.tensor([40., -7.], dtype=torch.float64)
    assert torch.allclose(normalize_clip(moved, *clip_frame(moved, m, ROOTS)),
                          xn)


def test_only_observed_frames_count():
    x, m = _clip(2)
    c, s = clip_frame(x, m, ROOTS)
    y = x.clone()
    y[~m] = 1e6  # garbage in missing frames
    c2, s2 = clip_frame(y, m, ROOTS)
    assert torch.equal(c, c2) and torch.equal(s, s2)


def test_rotation_keeps_scale():
    x, m = _clip(3)
    a = torch.tensor(0.7, dtype=torch.float64)
    rot = torch.stack([torch.stack([a.cos(), -a.sin()]),
                       torch.stack([a.sin(), a.cos()])])
    _, s = clip_frame(x, m, ROOTS)
    _, s_rot = clip_frame(x @ rot.T, m, ROOTS)
    assert torch.allclose(s, s_rot)


def test_unobserved_row_and_degenerate_clip():
    x, m = _clip(4)
    m[0] = False
    x[1] = 2.0  # every joint at one point: scale clamps, nothing explodes
    c, s = clip_frame(x, m, ROOTS)
    assert torch.equal(c[0], torch.zeros_like(c[0])) and s[0].item() == 1.
    assert torch.isfinite(normalize_clip(x, c, s)).all()
    assert s[1].item() > 0
