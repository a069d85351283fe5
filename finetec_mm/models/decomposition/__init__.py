# Copyright (c) FineTec authors. All rights reserved.
from .sequence_random import SequenceRandom, mix32, sample_key
from .spatial_decomposition import (PERTURB_KEYS, SKELETON_LAYOUTS,
                                    STRONG_DEFAULT, WEAK_DEFAULT, axis_mask,
                                    bone_rescale, crop_resize, decompose,
                                    frame_drop, gaussian_noise,
                                    horizontal_flip, interpolate_missing,
                                    joint_dropout, joint_motion,
                                    kinematic_chains, observed_joints,
                                    perturb, perturb_draws, region_membership,
                                    region_scores, split_regions, time_flip)

__all__ = [
    'PERTURB_KEYS', 'SKELETON_LAYOUTS', 'STRONG_DEFAULT', 'WEAK_DEFAULT',
    'SequenceRandom', 'axis_mask', 'bone_rescale', 'crop_resize',
    'decompose', 'frame_drop', 'gaussian_noise', 'horizontal_flip',
    'interpolate_missing', 'joint_dropout', 'joint_motion',
    'kinematic_chains', 'mix32', 'observed_joints', 'perturb',
    'perturb_draws', 'region_membership', 'region_scores', 'sample_key',
    'split_regions', 'time_flip'
]
