# Copyright (c) FineTec authors. All rights reserved.
"""Missing frames of real input, written the way the corruption protocol
writes dropped frames."""
from typing import Dict

from mmcv.transforms import BaseTransform

from mmaction.registry import TRANSFORMS
from .skeleton_checks import check_skeleton


@TRANSFORMS.register_module()
class MarkMissingFrames(BaseTransform):
    """Zero the coordinates of every person-frame whose scores are all 0.

    A pose estimator that loses a person in a frame reports score 0; in pixel
    coordinates such a frame is stored as 0, which ``PreNormalize2D`` moves
    to (-1, -1). ``SkeletonCorrupt`` writes dropped frames as 0 *after*
    normalisation, and gap filling, ``ICLCompletion`` and the models trained
    on it expect that. Placed where the ``CorruptionProtocol`` slot is (after
    ``PoseDecode``), this transform gives frames that are missing in the
    input itself the same representation: coordinates 0 and scores 0, with
    observed frames bit-identical. ``tools/infer.py`` puts it into the test
    pipeline of every config.

    Required Keys:

        - keypoint (M, T, V, C)
        - keypoint_score (M, T, V) (optional; without it channel 2 of a C=3
          keypoint is the score, and without any score nothing changes)

    Modified Keys:

        - keypoint
    """

    def transform(self, results: Dict) -> Dict:
        """The transform function of :class:`MarkMissingFrames`.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict.
        """
        _, kp, score = check_skeleton(results, 'MarkMissingFrames')
        if score is None:
            if kp.shape[-1] != 3:
                return results
            score = kp[..., 2]
        missing = ~(score != 0).any(-1)  # (M, T)
        if missing.any():
            kp = kp.copy()
            kp[missing] = 0
            results['keypoint'] = kp
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}()'
