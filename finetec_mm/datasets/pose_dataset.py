# Copyright (c) FineTec authors. All rights reserved.
"""``PoseDataset`` that validates its annotation file while loading."""
import os.path as osp
from typing import Callable, Dict, List, Optional, Union

import numpy as np
from mmengine.logging import MMLogger

from mmaction.datasets import PoseDataset
from mmaction.registry import DATASETS
from .annotation_io import load_annotation_file
from .validation import (IGNORED_KEYS, check_annotation, check_duplicates,
                         check_split, check_top_level, raise_on_errors,
                         sample_name)


def frozen_protocol(meta: dict) -> str:
    """How the clips of a frozen evaluation set (``frozen_meta``) were
    masked: ``'shared'`` (sequence-consistent, every clip of a sample drops
    the same positions) or ``'independent'`` (one pattern per clip). Files
    frozen before ``clip_masks`` existed carry no such field and were
    frozen with independent clip masks."""
    return str(meta.get('clip_masks', 'independent'))


@DATASETS.register_module()
class CheckedPoseDataset(PoseDataset):
    """MMAction2 ``PoseDataset`` with strict loading.

    While loading it

    * raises FileNotFoundError naming ``ann_file`` when it does not exist;
    * raises ValueError if ``split`` is not in the file (listing the
      available splits), if the split names samples that are not annotated,
      or if a ``frame_dir`` occurs twice in the file;
    * checks every annotation of the selected split with
      :func:`~finetec_mm.datasets.validation.check_annotation` (keys, 4-D
      ``keypoint`` (M, T, V, C) with V == ``num_joints`` and C in {2, 3},
      T > 0, ``total_frames`` == T, ``keypoint_score`` (M, T, V), no NaN/inf,
      integer label in ``[0, num_classes)``) and raises a ValueError naming
      the file, the sample and the fault. No sample is ever dropped;
      warnings (e.g. scores outside [0, 1]) do not stop loading;
    * drops the extra fields ``kp_w_gt`` / ``kp_wo_gt`` (Gym288-skeleton) and
      casts float16 ``keypoint`` / ``keypoint_score`` to float32.

    A file holding a bare list of annotations is accepted with
    ``split=None`` (as in ``PoseDataset``); ``split=None`` on a dict loads
    every annotation.

    Args:
        ann_file (str): Path to the annotation pickle.
        pipeline (list[dict | callable]): Data transforms.
        split (str, optional): Split to load. Defaults to None (all).
        num_classes (int, optional): Number of classes; labels are checked
            against it when given. Defaults to None.
        num_joints (int, optional): Expected joints per person (17 for
            COCO); None skips the check. Defaults to 17.
        **kwargs: Other ``PoseDataset`` / ``BaseActionDataset`` arguments.
    """

    def __init__(self,
                 ann_file: str,
                 pipeline: List[Union[Dict, Callable]],
                 split: Optional[str] = None,
                 num_classes: Optional[int] = None,
                 num_joints: Optional[int] = 17,
                 **kwargs) -> None:
        self.num_joints = num_joints
        super().__init__(
            ann_file, pipeline, split=split, num_classes=num_classes,
            **kwargs)

    def _select(self, data, path: str) -> list:
        """Annotations of ``self.split`` after the file-level checks."""
        prefix = type(self).__name__
        if isinstance(data, list) and self.split is None:
            data = dict(annotations=data)
        raise_on_errors(
            check_top_level(data, path, require_split=self.split is not None),
            prefix)
        problems = check_duplicates(data, path)
        annos = data['annotations']
        if self.split is None:
            raise_on_errors(problems, prefix)
            return list(annos)
        names = [sample_name(a, i) for i, a in enumerate(annos)]
        problems += check_split(data, self.split, path, names)
        raise_on_errors(problems, prefix)
        wanted = {str(n) for n in data['split'][self.split]}
        return [a for a, n in zip(annos, names) if n in wanted]

    @staticmethod
    def _slim(anno: dict) -> None:
        """Drop ``IGNORED_KEYS`` and cast float16 keypoints/scores, in place.
        """
        for key in IGNORED_KEYS:
            anno.pop(key, None)
        for key in ('keypoint', 'keypoint_score'):
            value = anno.get(key)
            if isinstance(value, np.ndarray) and value.dtype == np.float16:
                anno[key] = value.astype(np.float32)

    def load_data_list(self) -> List[Dict]:
        """Load, check and slim the annotations of the selected split."""
        path = self.ann_file
        data = load_annotation_file(path)
        if isinstance(data, dict) and isinstance(data.get('frozen_meta'),
                                                 dict):
            MMLogger.get_current_instance().info(
                f'{path}: frozen evaluation set, clip masks '
                f'{frozen_protocol(data["frozen_meta"])!r}')
        data_list = self._select(data, path)
        problems = []
        for i, anno in enumerate(data_list):
            if isinstance(anno, dict):
                self._slim(anno)
            problems += check_annotation(anno, i, self.num_classes,
                                         self.num_joints, path)
        raise_on_errors(problems, type(self).__name__)
        if 'video' in self.data_prefix:
            for anno in data_list:
                for key in ('filename', 'frame_dir'):
                    if key in anno:
                        anno[key] = osp.join(self.data_prefix['video'],
                                             anno[key])
        return data_list
