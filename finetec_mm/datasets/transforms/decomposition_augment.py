# Copyright (c) FineTec authors. All rights reserved.
"""The paper's skeleton-based spatial decomposition in the data pipeline."""
from typing import Dict, Optional, Sequence

import numpy as np
import torch
from mmcv.transforms import BaseTransform

from mmaction.registry import TRANSFORMS
from .skeleton_checks import check_clips, check_skeleton
from finetec_mm.functional.decomposition import (
    SKELETON_LAYOUTS, decompose, perturb_config, region_membership,
    STRONG_DEFAULT, WEAK_DEFAULT)
from finetec_mm.functional.sequence_random import SequenceRandom


@TRANSFORMS.register_module()
class DecompositionAugment(BaseTransform):
    """Build S_dyna and S_stat from S_base and stack the three streams.

    Place it after clip sampling + ``PoseDecode`` (+ corruption and
    completion), before ``FormatGCNInput`` (not ``GenSkeFeat``, which only
    accepts 2 coordinates). Each clip of each person is one sequence of
    :func:`~finetec_mm.functional.decompose`; missing (all-zero)
    joints stay zero in every stream, so the unchanged ``keypoint_score``
    marks them in all three. ``FormatGCNInput`` then yields
    (num_clips, M, T, V, 7) = [base xy, dyna xy, stat xy, score].

    Randomness: in training, a stream keyed from numpy's global RNG. In
    test mode nothing is perturbed (S_dyna = S_stat = S_base, as in the
    recognizer's hosted path: the test path is deterministic and the
    recognizer reads only S_base there) unless ``test_perturb=True``, which
    gives clip ``k`` / person ``m`` the fixed stream keyed by
    ``sample_key(frame_dir, k, seed, m)`` (for inspecting the streams).

    Required Keys:

        - keypoint (M, num_clips * clip_len, V, 2)
        - keypoint_score (M, num_clips * clip_len, V) (optional)
        - clip_len, num_clips (optional: without ``clip_len`` the sequence is
          one clip)
        - frame_dir (required in test mode, names the sample in errors)

    Modified Keys:

        - keypoint: (M, T, V, 2 * len(streams)) float32, default
          [S_base, S_dyna, S_stat]

    Added Keys:

        - dynamic_regions (num_clips, M, R): bool, True = dynamic region

    Args:
        regions (str | list[list[int]]): ``'coco'``, ``'ntu'`` or joint
            index lists. Defaults to ``'coco'``.
        num_dynamic (int): Dynamic regions per clip. Defaults to 2.
        strong (dict, optional): updates of ``STRONG_DEFAULT``.
        weak (dict, optional): updates of ``WEAK_DEFAULT``.
        parents (list[int], optional): kinematic tree for bone rescaling;
            defaults to the layout's.
        streams (tuple[str]): Streams to emit, in order, from ('base',
            'dyna', 'stat'); a subset gives the S_dyna-only / S_stat-only
            ablations. Defaults to all three.
        test_mode (bool): Test mode: no perturbation (see
            ``test_perturb``).
        test_perturb (bool): In test mode, perturb with per-sample fixed
            streams instead of copying S_base. Defaults to False.
        seed (int): Seed of the test-mode perturbations. Defaults to 0.
    """

    def __init__(self,
                 regions='coco',
                 num_dynamic: int = 2,
                 strong: Optional[Dict] = None,
                 weak: Optional[Dict] = None,
                 parents=None,
                 streams: Sequence[str] = ('base', 'dyna', 'stat'),
                 test_mode: bool = False,
                 test_perturb: bool = False,
                 seed: int = 0) -> None:
        if not streams or set(streams) - {'base', 'dyna', 'stat'}:
            raise ValueError(f'DecompositionAugment: streams must be a '
                             f"subset of ('base', 'dyna', 'stat'), got "
                             f'{streams}')
        self.streams = tuple(streams)
        if isinstance(regions, str) and regions not in SKELETON_LAYOUTS:
            raise ValueError(f'DecompositionAugment: unknown regions '
                             f'{regions!r}, expected one of '
                             f'{list(SKELETON_LAYOUTS)} or joint lists')
        num_regions = len(SKELETON_LAYOUTS[regions]['regions']) if isinstance(
            regions, str) else len(regions)
        if not 0 <= num_dynamic <= num_regions:
            raise ValueError(f'DecompositionAugment: num_dynamic='
                             f'{num_dynamic} with {num_regions} regions')
        self.strong = perturb_config(strong, STRONG_DEFAULT)
        self.weak = perturb_config(weak, WEAK_DEFAULT)
        if parents is None and not isinstance(regions, str) and (
                self.strong['bone_scale'] or self.weak['bone_scale']):
            raise ValueError('DecompositionAugment: custom regions with '
                             'bone_scale > 0 need `parents`')
        self.regions = regions
        self.num_dynamic = num_dynamic
        self.parents = parents
        self.test_mode = test_mode
        self.test_perturb = test_perturb
        self.seed = seed

    def _fail(self, name: str, fault: str):
        raise ValueError(f'DecompositionAugment: sample {name!r}: {fault}')

    def transform(self, results: Dict) -> Dict:
        """The transform function of :class:`DecompositionAugment`.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict.
        """
        name, kp, score = check_skeleton(results, 'DecompositionAugment')
        M, T, V, C = kp.shape
        if C != 2:
            self._fail(name, f'keypoint must have C = 2 coordinates, got '
                       f'shape {kp.shape} (apply DecompositionAugment once, '
                       'before FormatGCNInput / GenSkeFeat)')
        try:
            region_membership(self.regions, V)
        except ValueError as err:
            self._fail(name, str(err))
        clip_len, num_clips = check_clips(results, T, 'DecompositionAugment',
                                          name)
        if self.test_mode and 'frame_dir' not in results:
            self._fail(name, 'test mode needs `frame_dir` (the sample '
                       'identity) to seed the perturbations')

        # (M, nc*L, V, 2) -> (nc*M, L, V, 2), the (clip, person) order of
        # FormatGCNInput.
        base = torch.from_numpy(np.ascontiguousarray(kp, dtype=np.float32))
        base = base.reshape(M, num_clips, clip_len, V, C).transpose(0, 1)
        base = base.reshape(num_clips * M, clip_len, V, C)
        if self.test_mode:
            rng = SequenceRandom.for_samples([name], num_clips, M, self.seed)
        else:
            rng = SequenceRandom.from_numpy(num_clips * M)
        with torch.no_grad():
            dyna, stat, dyn = decompose(base, self.regions, rng,
                                        self.strong, self.weak,
                                        self.num_dynamic, self.parents)
        if self.test_mode and not self.test_perturb:
            dyna, stat = base, base
        by_name = dict(base=base, dyna=dyna, stat=stat)
        out = torch.cat([by_name[s] for s in self.streams], dim=-1)
        width = len(self.streams) * C
        out = out.reshape(num_clips, M, clip_len, V, width).transpose(0, 1)
        results['keypoint'] = np.ascontiguousarray(
            out.reshape(M, T, V, width).numpy())
        results['dynamic_regions'] = dyn.reshape(num_clips, M, -1).numpy()
        return results

    def __repr__(self) -> str:
        repr_str = (f'{self.__class__.__name__}('
                    f'regions={self.regions}, '
                    f'num_dynamic={self.num_dynamic}, '
                    f'strong={self.strong}, '
                    f'weak={self.weak}, '
                    f'parents={self.parents}, '
                    f'streams={self.streams}, '
                    f'test_mode={self.test_mode}, '
                    f'test_perturb={self.test_perturb}, '
                    f'seed={self.seed})')
        return repr_str
