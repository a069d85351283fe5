"""Train-time motion augmentation: involutions, rigid invariants, joints."""
import math

import pytest
import torch

from finetec_mm.functional.motion_augment import (MIRROR_PERMUTATIONS,
                                                  augment_clips, mirror_clips,
                                                  reverse_clips,
                                                  rotate_scale_clips)


def _clips(B=4, T=16, V=17, C=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(B, T, V, C, generator=g, dtype=torch.float64) + 5


def _pairwise(clips):
    flat = clips.reshape(clips.shape[0], -1, clips.shape[-1])
    return (flat[:, :, None] - flat[:, None]).norm(dim=-1)


@pytest.mark.parametrize('V', sorted(MIRROR_PERMUTATIONS))
def test_mirror_tables_are_involutions(V):
    perm = MIRROR_PERMUTATIONS[V]
    assert sorted(perm) == list(range(V))
    assert all(perm[perm[j]] == j for j in range(V))


def test_mirror_swaps_sides_and_reflects_x():
    clips = _clips()
    hit = torch.tensor([True, False, True, False])
    out = mirror_clips(clips, hit)
    assert torch.equal(out[1], clips[1]) and torch.equal(out[3], clips[3])
    c = clips[0, ..., 0].mean()
    # the mirror's left shoulder (5) sits where the right shoulder (6) was,
    # reflected about the clip's mean x; y is unchanged
    torch.testing.assert_close(out[0, :, 5, 0], 2 * c - clips[0, :, 6, 0])
    torch.testing.assert_close(out[0, :, 5, 1], clips[0, :, 6, 1])
    torch.testing.assert_close(out[0, :, 0, 0], 2 * c - clips[0, :, 0, 0])
    # involution, distances between the same joints preserved
    torch.testing.assert_close(mirror_clips(out, hit), clips)
    perm = list(MIRROR_PERMUTATIONS[17])
    torch.testing.assert_close(_pairwise(out[hit][:, :, perm]),
                               _pairwise(clips[hit]))


def test_mirror_needs_a_table_for_unknown_layouts():
    with pytest.raises(ValueError, match='left/right joint table'):
        mirror_clips(_clips(V=5), torch.ones(4, dtype=torch.bool))
    with pytest.raises(ValueError, match='not a permutation'):
        mirror_clips(_clips(V=3), torch.ones(4, dtype=torch.bool),
                     permutation=(0, 0, 1))


def test_reverse_is_an_involution_on_hit_rows_only():
    clips = _clips()
    hit = torch.tensor([True, True, False, False])
    out = reverse_clips(clips, hit)
    assert torch.equal(out[0, 0], clips[0, -1])
    assert torch.equal(out[2], clips[2])
    assert torch.equal(reverse_clips(out, hit), clips)


def test_rotation_is_rigid_and_scale_stretches_axes():
    clips = _clips(C=3)
    angle = torch.tensor([0.3, -1.2, math.pi, 0.])
    ones = torch.ones(4, 2, dtype=torch.float64)
    rot = rotate_scale_clips(clips, angle, ones)
    torch.testing.assert_close(_pairwise(rot[..., :2]),
                               _pairwise(clips[..., :2]))
    assert torch.equal(rot[..., 2], clips[..., 2])
    # the mean point is fixed; a half turn is a point reflection about it
    m = clips[..., :2].mean((1, 2), keepdim=True)
    torch.testing.assert_close(rot[..., :2].mean((1, 2), keepdim=True), m)
    torch.testing.assert_close(rot[2, ..., :2], 2 * m[2] - clips[2, ..., :2])
    # scale only (angle 0): offsets from the mean stretched per axis
    scale = torch.tensor([[2., 0.5]] * 4, dtype=torch.float64)
    out = rotate_scale_clips(clips, torch.zeros(4), scale)
    torch.testing.assert_close(out[..., :2] - m,
                               (clips[..., :2] - m) * scale[:, None, None])


def test_augment_identity_settings_and_determinism():
    clips = _clips()
    same = augment_clips(clips, mirror_prob=0, reverse_prob=0)
    assert torch.equal(same, clips)
    kw = dict(mirror_prob=0.5, reverse_prob=0.5, max_rotation=20.,
              scale_range=(0.8, 1.2))
    a = augment_clips(clips, generator=torch.Generator().manual_seed(3), **kw)
    b = augment_clips(clips, generator=torch.Generator().manual_seed(3), **kw)
    c = augment_clips(clips, generator=torch.Generator().manual_seed(4), **kw)
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert not torch.allclose(a, clips)
    with pytest.raises(ValueError, match='scale_range'):
        augment_clips(clips, scale_range=(1.2, 0.8))
