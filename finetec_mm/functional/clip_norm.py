# Copyright (c) FineTec authors. All rights reserved.
"""Clip-normalised coordinates for the in-context completion.

A clip is centred and scaled from its *observed* frames only, so the
completion network sees the same numbers whatever the image size, the
person's size and position in the image, or the dataset's framing:

* root ``r_t``: the mean of the root joints of frame ``t`` (the two hips of
  COCO-17, joint 0 of NTU-25, see :func:`default_root_joints`);
* centre ``c = mean_{t observed} r_t`` (C, );
* scale ``s = sqrt(mean_{t observed, v} ||x_tv - r_t||^2)``, the RMS
  distance of the joints from the frame's root (rotation-invariant, so a
  gymnast upside down has the same scale as standing);
* ``x' = (x - c) / s`` and back ``x = x' s + c``.

Translating a clip by ``d`` moves ``c`` by ``d``; scaling it by ``a > 0``
about any point scales ``c``'s offset and ``s`` by ``a``: the normalised
clip is unchanged, so a completion computed on it comes back translated /
scaled exactly (up to float rounding).
"""
from typing import Sequence, Tuple

import torch
from torch import Tensor

from .constants import device_constant

#: Smallest scale: a clip whose observed joints all coincide keeps its
#: size instead of being blown up.
MIN_SCALE = 1e-6


def default_root_joints(num_joints: int) -> Tuple[int, ...]:
    """Root joints of the layouts this project ships: COCO-17 hips (11, 12);
    NTU-25 spine base (0); otherwise joint 0."""
    return (11, 12) if num_joints == 17 else (0, )


@device_constant
def _joint_index(joints: Tuple[int, ...]) -> Tensor:
    """(J, ) long index of ``joints`` (built once per device)."""
    return torch.tensor(joints, dtype=torch.long)


def clip_frame(coords: Tensor, mask: Tensor,
               root_joints: Sequence[int]) -> Tuple[Tensor, Tensor]:
    """Centre and scale of each clip from its observed frames.

    Args:
        coords (Tensor): (B, T, V, C).
        mask (Tensor): bool (B, T), True = observed. A row without observed
            frame gets centre 0 and scale 1 (left as it is).
        root_joints (sequence[int]): Joints whose mean is the frame's root.

    Returns:
        tuple[Tensor, Tensor]: centre (B, 1, 1, C), scale (B, 1, 1, 1),
        in the dtype of ``coords``.
    """
    B, T, V, C = coords.shape
    w = mask.to(coords.dtype)  # (B, T)
    count = w.sum(1)  # (B, )
    joints = _joint_index(tuple(int(j) for j in root_joints),
                          device=coords.device)
    root = coords[:, :, joints].mean(2)  # (B, T, C)
    centre = (w[:, :, None] * root).sum(1) / count.clamp(min=1)[:, None]
    spread = (coords - root[:, :, None]).square().sum((2, 3))  # (B, T)
    scale = ((w * spread).sum(1) / (count * V).clamp(min=1)).sqrt()
    scale = torch.where(count > 0, scale.clamp(min=MIN_SCALE),
                        torch.ones_like(scale))
    return centre[:, None, None], scale[:, None, None, None]


def normalize_clip(coords: Tensor, centre: Tensor, scale: Tensor) -> Tensor:
    """``(coords - centre) / scale`` (shapes as :func:`clip_frame`)."""
    return (coords - centre) / scale


def denormalize_clip(coords: Tensor, centre: Tensor, scale: Tensor) -> Tensor:
    """``coords * scale + centre``, the inverse of :func:`normalize_clip`."""
    return coords * scale + centre
