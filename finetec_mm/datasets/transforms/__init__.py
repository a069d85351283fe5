from .corruption_protocol import CorruptionProtocol
from .corruption import (CORRUPTION_LEVELS, SkeletonCorrupt, corruption_masks,
                         drop_mask, num_dropped, occlusion_mask, sample_rng)
from .gap_filling import (GAP_FILL_METHODS, GapFill, fill_gaps, gap_sources,
                          observed_frames)
from .frozen_clips import FROZEN_FIELDS, LoadFrozenClips, check_frozen_sample
from .frozen_mask import ApplyFrozenMask

__all__ = [
    'CorruptionProtocol',
    'CORRUPTION_LEVELS', 'SkeletonCorrupt', 'corruption_masks', 'drop_mask',
    'num_dropped', 'occlusion_mask', 'sample_rng', 'GAP_FILL_METHODS',
    'GapFill', 'fill_gaps', 'gap_sources', 'observed_frames',
    'FROZEN_FIELDS', 'LoadFrozenClips', 'check_frozen_sample',
    'ApplyFrozenMask'
]
from .decomposition_augment import DecompositionAugment  # noqa: F401,E402
from .icl_completion import ICLCompletion, build_completion_model
