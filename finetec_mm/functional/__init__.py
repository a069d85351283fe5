# Copyright (c) FineTec authors. All rights reserved.
"""Pure functions shared by the data transforms and the models.

Layering: ``finetec_mm.datasets`` and ``finetec_mm.models`` both import
from here and never from each other's internals.

* :mod:`.corruption`: drop counts and frame-drop masks of the protocol.
* :mod:`.gap_filling`: interpolation / copy filling of missing frames.
* :mod:`.clip_norm`: centring and scaling of clips from observed frames.
* :mod:`.prompt_retrieval`: nearest bank clip on observed frames.
* :mod:`.motion_augment`: mirror / reversal / rotation of clean clips.
* :mod:`.observed_marker`: restored frames marked (negative score in
  transport, a 0/1 observed channel for the GCN).
* :mod:`.decomposition`, :mod:`.sequence_random`: dynamic / static
  decomposition and its counter-based random streams.
"""
from .clip_norm import (clip_frame, default_root_joints, denormalize_clip,
                        normalize_clip)
from .corruption import (CLIP_MASKS, CORRUPTION_LEVELS, corruption_masks,
                         drop_mask, num_dropped, occlusion_mask, sample_rng,
                         short_sequence_keep)
from .decomposition import (PERTURB_KEYS, SKELETON_LAYOUTS, STRONG_DEFAULT,
                            WEAK_DEFAULT, axis_mask, bone_rescale,
                            crop_resize, decompose, frame_drop,
                            gaussian_noise, horizontal_flip,
                            interpolate_missing, joint_dropout, joint_motion,
                            kinematic_chains, observed_joints, perturb,
                            perturb_draws, region_membership, region_scores,
                            split_regions, time_flip)
from .gap_filling import (GAP_FILL_METHODS, fill_gaps, gap_sources,
                          linear_fill, observed_frames)
from .motion_augment import (MIRROR_PERMUTATIONS, augment_clips,
                             mirror_clips, reverse_clips, rotate_scale_clips)
from .observed_marker import mark_restored_frames, marker_channels
from .prompt_retrieval import nearest_clips, sequence_key
from .sequence_random import SequenceRandom, mix32, sample_key

__all__ = [
    'clip_frame', 'default_root_joints', 'denormalize_clip',
    'normalize_clip', 'CLIP_MASKS',
    'CORRUPTION_LEVELS', 'corruption_masks', 'drop_mask', 'num_dropped',
    'occlusion_mask', 'sample_rng', 'short_sequence_keep', 'PERTURB_KEYS',
    'SKELETON_LAYOUTS', 'STRONG_DEFAULT', 'WEAK_DEFAULT', 'axis_mask',
    'bone_rescale', 'crop_resize', 'decompose', 'frame_drop',
    'gaussian_noise', 'horizontal_flip', 'interpolate_missing',
    'joint_dropout', 'joint_motion', 'kinematic_chains', 'observed_joints',
    'perturb', 'perturb_draws', 'region_membership', 'region_scores',
    'split_regions', 'time_flip', 'GAP_FILL_METHODS', 'fill_gaps',
    'gap_sources', 'linear_fill', 'observed_frames', 'MIRROR_PERMUTATIONS',
    'augment_clips', 'mirror_clips', 'reverse_clips', 'rotate_scale_clips',
    'mark_restored_frames', 'marker_channels', 'nearest_clips', 'sequence_key',
    'SequenceRandom', 'mix32', 'sample_key'
]
