# Copyright (c) FineTec authors. All rights reserved.
"""The checks every input passes before inference."""
from typing import List, Optional

import numpy as np

from finetec_mm.datasets.validation import (Problem, check_annotation,
                                            frame_missing, raise_on_errors)


def check_samples(annos: List[dict], path: Optional[str], num_joints: int,
                  num_classes: Optional[int] = None) -> None:
    """The annotation checks of ``CheckedPoseDataset`` (shapes, joint count,
    NaN/inf, labels) plus: at least one observed frame per sample. Raises a
    ValueError naming the file (if any), the sample and every fault."""
    problems = []
    for i, anno in enumerate(annos):
        view = dict(anno)
        view.setdefault('label', 0)  # labels are optional here
        found = check_annotation(view, i, num_classes, num_joints, path)
        problems += found
        if any(q.level == 'error' for q in found):
            continue
        T = anno['keypoint'].shape[1]
        if frame_missing(anno).all():
            problems.append(Problem(
                'error', 'empty', f'empty sequence: all {T} frames are '
                'missing (every keypoint score is 0)',
                sample=anno['frame_dir'], file=path))
    if not annos:
        problems.append(Problem('error', 'empty', 'no sample in the input',
                                file=path))
    raise_on_errors(problems)


def finalize(annos: List[dict]) -> List[dict]:
    """Zero the coordinates of missing person-frames (all scores 0) and
    make ``img_shape`` a tuple of numbers; in place, returns ``annos``."""
    for anno in annos:
        missing = ~(anno['keypoint_score'] != 0).any(-1)
        anno['keypoint'][missing] = 0
        if 'img_shape' in anno:
            anno['img_shape'] = tuple(np.asarray(anno['img_shape']).tolist())
    return annos
