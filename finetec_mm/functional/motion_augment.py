# Copyright (c) FineTec authors. All rights reserved.
"""Train-time augmentation of clean motion clips for completion pre-training.

A completion bank of a few dozen motion-capture takes is small: the network
fits the training takes and stops improving on held-out ones. These
label-free transforms turn one clean 2D clip (B, T, V, C) into other
plausible human motion, each applied per clip:

* :func:`mirror_clips`: a left-right mirror image, ``x' = 2 c_x - x`` about
  the clip's mean x, with left and right joints swapped
  (:data:`MIRROR_PERMUTATIONS`), so a mirrored right-handed throw is a
  left-handed one on a valid skeleton;
* :func:`reverse_clips`: the motion played backwards;
* :func:`rotate_scale_clips`: an in-plane rotation and an anisotropic scale
  of the (x, y) plane about the clip's mean point (a camera roll and a
  change of aspect; other coordinates untouched).

:func:`augment_clips` draws all three per clip from one generator.
"""
from typing import Optional, Sequence, Tuple

import math

import torch
from torch import Tensor

#: Joint order of the mirror image, per layout size: COCO-17 (nose, then
#: left/right pairs eye, ear, shoulder, elbow, wrist, hip, knee, ankle) and
#: NTU-25 (left arm 4-7 / right arm 8-11, left leg 12-15 / right leg 16-19,
#: left hand tip and thumb 21-22 / right 23-24).
MIRROR_PERMUTATIONS = {
    17: (0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15),
    25: (0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 16, 17, 18, 19, 12, 13, 14,
         15, 20, 23, 24, 21, 22),
}


def _as_rows(hit: Tensor, like: Tensor) -> Tensor:
    return hit.to(like.device).bool()[:, None, None, None]


def mirror_clips(clips: Tensor, hit: Tensor,
                 permutation: Optional[Sequence[int]] = None) -> Tensor:
    """Left-right mirror of the clips where ``hit``.

    Args:
        clips (Tensor): (B, T, V, C), x in channel 0.
        hit (Tensor): bool (B, ), which clips to mirror.
        permutation (sequence[int], optional): Joint order of the mirror
            image; default :data:`MIRROR_PERMUTATIONS` for V.

    Returns:
        Tensor: (B, T, V, C). An involution: mirroring twice gives the clip
        back.
    """
    V = clips.shape[2]
    if permutation is None:
        if V not in MIRROR_PERMUTATIONS:
            raise ValueError(f'mirror_clips: no left/right joint table for '
                             f'{V} joints; pass `permutation`')
        permutation = MIRROR_PERMUTATIONS[V]
    if sorted(permutation) != list(range(V)):
        raise ValueError(f'mirror_clips: {list(permutation)} is not a '
                         f'permutation of {V} joints')
    x = clips[..., :1]
    centre = x.mean(dim=(1, 2), keepdim=True)
    mirrored = torch.cat([2 * centre - x, clips[..., 1:]], dim=-1)
    mirrored = mirrored[:, :, list(permutation)]
    return torch.where(_as_rows(hit, clips), mirrored, clips)


def reverse_clips(clips: Tensor, hit: Tensor) -> Tensor:
    """The clips where ``hit`` (bool (B, )) played backwards."""
    return torch.where(_as_rows(hit, clips), clips.flip(1), clips)


def rotate_scale_clips(clips: Tensor, angle: Tensor,
                       scale: Tensor) -> Tensor:
    """Rotate by ``angle`` and scale the (x, y) plane about the clip's mean
    point: ``p' = m + R(angle) diag(scale) (p - m)``.

    Args:
        clips (Tensor): (B, T, V, C) with C >= 2.
        angle (Tensor): (B, ) radians.
        scale (Tensor): (B, 2) scale of x and y.

    Returns:
        Tensor: (B, T, V, C); channels beyond the second unchanged.
    """
    xy = clips[..., :2]
    centre = xy.mean(dim=(1, 2), keepdim=True)
    cos, sin = angle.cos().to(clips), angle.sin().to(clips)
    d = (xy - centre) * scale.to(clips)[:, None, None, :]
    x = cos[:, None, None] * d[..., 0] - sin[:, None, None] * d[..., 1]
    y = sin[:, None, None] * d[..., 0] + cos[:, None, None] * d[..., 1]
    out = torch.stack([x, y], dim=-1) + centre
    return torch.cat([out, clips[..., 2:]], dim=-1)


def augment_clips(clips: Tensor,
                  mirror_prob: float = 0.5,
                  reverse_prob: float = 0.5,
                  max_rotation: float = 0.,
                  scale_range: Tuple[float, float] = (1., 1.),
                  generator: Optional[torch.Generator] = None) -> Tensor:
    """Mirror, reverse, rotate and scale each clip at random.

    Per clip: mirror with prob ``mirror_prob``, reverse time with prob
    ``reverse_prob``, rotate by an angle uniform in
    ``[-max_rotation, max_rotation]`` degrees and scale x and y by factors
    drawn independently and uniformly from ``scale_range``. The draws come
    from ``generator`` (on the CPU) or torch's global RNG, always the same
    number per clip, so a seeded generator gives the same batch.

    Args:
        clips (Tensor): (B, T, V, C).

    Returns:
        Tensor: (B, T, V, C).
    """
    low, high = scale_range
    if not 0 < low <= high:
        raise ValueError(f'augment_clips: scale_range={scale_range} needs '
                         f'0 < low <= high')
    B = clips.shape[0]
    u = torch.rand(B, 5, generator=generator, dtype=torch.float64)
    if mirror_prob > 0:
        clips = mirror_clips(clips, u[:, 0] < mirror_prob)
    clips = reverse_clips(clips, u[:, 1] < reverse_prob)
    angle = (2 * u[:, 2] - 1) * math.radians(max_rotation)
    scale = low + (high - low) * u[:, 3:5]
    if max_rotation == 0 and low == high == 1:
        return clips
    return rotate_scale_clips(clips, angle.to(clips.device),
                              scale.to(clips.device))
