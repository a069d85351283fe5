from .corruption import (CORRUPTION_LEVELS, SkeletonCorrupt, corruption_masks,
                         drop_mask, num_dropped, occlusion_mask, sample_rng)
from .corruption_protocol import CorruptionProtocol
from .decomposition_augment import DecompositionAugment
from .frozen_clips import FROZEN_FIELDS, LoadFrozenClips, check_frozen_sample
from .frozen_mask import ApplyFrozenMask
from .gap_filling import (GAP_FILL_METHODS, GapFill, fill_gaps, gap_sources,
                          observed_frames)
from .icl_completion import ICLCompletion, build_completion_model
from .missing_frames import MarkMissingFrames
from .test_time_perturb import (NOISE_UNITS, TestTimePerturb, bbox_size,
                                insert_perturbation)

__all__ = [
    'CORRUPTION_LEVELS', 'SkeletonCorrupt', 'corruption_masks', 'drop_mask',
    'num_dropped', 'occlusion_mask', 'sample_rng', 'CorruptionProtocol',
    'DecompositionAugment', 'FROZEN_FIELDS', 'LoadFrozenClips',
    'check_frozen_sample', 'ApplyFrozenMask', 'GAP_FILL_METHODS', 'GapFill',
    'fill_gaps', 'gap_sources', 'observed_frames', 'ICLCompletion',
    'build_completion_model', 'MarkMissingFrames', 'NOISE_UNITS',
    'TestTimePerturb', 'bbox_size', 'insert_perturbation'
]
