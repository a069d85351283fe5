from . import transforms  # noqa: F401
from .pose_dataset import CheckedPoseDataset
from .skeleton_bank import SkeletonBank

__all__ = ['CheckedPoseDataset', 'SkeletonBank']
