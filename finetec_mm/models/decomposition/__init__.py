# Copyright (c) FineTec authors. All rights reserved.
from .spatial_decomposition import (PERTURB_KEYS, SKELETON_LAYOUTS,
                                    STRONG_DEFAULT, WEAK_DEFAULT, axis_mask,
                                    bone_rescale, build_generators,
                                    crop_resize, decompose, frame_drop,
                                    gaussian_noise, horizontal_flip,
                                    interpolate_missing, joint_dropout,
                                    joint_motion, observed_joints, perturb,
                                    random_generator, region_membership,
                                    region_scores, sample_generator,
                                    split_regions, time_flip)

__all__ = [
    'PERTURB_KEYS', 'SKELETON_LAYOUTS', 'STRONG_DEFAULT', 'WEAK_DEFAULT',
    'axis_mask', 'bone_rescale', 'build_generators', 'crop_resize',
    'decompose', 'frame_drop', 'gaussian_noise', 'horizontal_flip',
    'interpolate_missing', 'joint_dropout', 'joint_motion', 'observed_joints',
    'perturb', 'random_generator', 'region_membership', 'region_scores',
    'sample_generator', 'split_regions', 'time_flip'
]
