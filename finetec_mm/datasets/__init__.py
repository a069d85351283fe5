from . import transforms  # noqa: F401
from .pose_dataset import CheckedPoseDataset  # noqa: F401
from .skeleton_bank import SkeletonBank  # noqa: F401
