# Copyright (c) FineTec authors. All rights reserved.
"""Clean skeleton clips for the in-context completion (FineTec §1.2)."""
from typing import Callable, Dict, List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.dataset import BaseDataset
from mmengine.logging import MMLogger

from mmaction.datasets.transforms import UniformSampleFrames
from mmaction.registry import DATASETS
from .annotation_io import load_annotation_file
from finetec_mm.functional.gap_filling import fill_gaps

_MISSING = ('interpolate', 'exclude')


def normalize_2d(keypoint: np.ndarray, img_shape: Sequence[int]) -> np.ndarray:
    """PreNormalize2D: ``x' = (x - w/2) / (w/2)``, ``y' = (y - h/2) / (h/2)``.

    Args:
        keypoint (np.ndarray): (..., 2) pixels.
        img_shape (tuple): (h, w).
    """
    h, w = img_shape
    half = np.array([w / 2., h / 2.], dtype=np.float64)
    return ((keypoint[..., :2] - half) / half).astype(np.float32)


@DATASETS.register_module()
class SkeletonBank(BaseDataset):
    """Clean, normalised clips of ``clip_len`` frames from a PoseDataset pickle.

    Built from any ``PoseDataset`` split (or a Human3.6M bank converted by
    ``tools/data/h36m_to_bank.py``, same format). For every sample and every
    person with at least one observed frame: coordinates are normalised with
    the sample's ``img_shape`` (as ``PreNormalize2D``), and ``num_clips``
    clips are sampled with MMAction2's ``UniformSampleFrames`` in test mode
    (deterministic). A clip in which some frames are missing (all scores 0):

    * ``missing='interpolate'`` (default): the missing frames are filled by
      linear interpolation (:func:`fill_gaps`) and counted in
      ``num_filled_frames`` / ``num_filled_clips``;
    * ``missing='exclude'``: the clip is left out and counted in
      ``num_excluded_clips``.

    Clips without any observed frame are always excluded (and counted), as
    are samples without any observed frame (``num_empty_samples``); a person
    that is never observed (an absent second person) is no sequence. The
    counts are logged once loading is done.

    Each item is packed for :class:`ICLCompletionModel`: ``inputs`` is the
    clip (T, V, 2) float32 after ``pipeline``, ``data_samples`` a dict with
    ``gt_keypoint`` (T, V, 2, the clean clip), ``frame_mask`` (T, ) bool
    (all True unless a ``SkeletonCorrupt`` in the pipeline wrote one),
    ``frame_dir``, ``clip_idx``, ``label`` (the annotation's class, -1
    without one), ``sequence`` (the annotation's
    source-sequence key, else its ``frame_dir``) and ``img_shape`` (h, w;
    the restoration metrics' isotropic units need it). The pipeline sees the usual pose keys
    (``keypoint`` (1, T, V, 2), ``keypoint_score`` (1, T, V), ``clip_len``,
    ``num_clips=1``, ``frame_dir``), so the config's ``CorruptionProtocol``
    slot works here too; the ``frame_dir`` of clip ``j > 0`` (or person
    ``m > 0``) gets the suffix ``#m.j`` so test-mode drops differ per clip,
    while clip 0 of person 0 keeps the sample's name, hence the drops of the
    recognition test pipeline.

    Args:
        ann_file (str): PoseDataset pickle.
        clip_len (int): T. Defaults to 16.
        split (str, optional): Split to read; None = all annotations.
        num_clips (int): Clips per sample and person. Defaults to 1.
        missing (str): ``'interpolate'`` or ``'exclude'``.
        max_samples (int, optional): Read only the first samples of the
            split (quick runs). Defaults to None.
        pipeline (list): Transforms applied to each clip. Defaults to [].
        test_mode (bool): Defaults to False.
        **kwargs: Other ``BaseDataset`` arguments.
    """

    def __init__(self,
                 ann_file: str,
                 clip_len: int = 16,
                 split: Optional[str] = None,
                 num_clips: int = 1,
                 missing: str = 'interpolate',
                 max_samples: Optional[int] = None,
                 pipeline: List[Union[Dict, Callable]] = [],
                 test_mode: bool = False,
                 **kwargs) -> None:
        if missing not in _MISSING:
            raise ValueError(f'SkeletonBank: missing={missing!r} not in '
                             f'{_MISSING}')
        self.clip_len, self.split = int(clip_len), split
        self.num_clips, self.missing = int(num_clips), missing
        self.max_samples = max_samples
        self.num_filled_frames = self.num_filled_clips = 0
        self.num_excluded_clips = self.num_empty_samples = 0
        self._clips = None
        kwargs.setdefault('serialize_data', False)
        super().__init__(ann_file=ann_file, pipeline=pipeline,
                         test_mode=test_mode, **kwargs)

    def _annotations(self) -> list:
        data = load_annotation_file(self.ann_file)
        if isinstance(data, list):
            annos = data
        else:
            annos = data['annotations']
        if self.split is not None:
            if not isinstance(data, dict) or self.split not in data.get(
                    'split', {}):
                avail = list(data.get('split', {})) if isinstance(
                    data, dict) else []
                raise ValueError(f'SkeletonBank: split {self.split!r} not in '
                                 f'{self.ann_file} (has {avail})')
            wanted = set(data['split'][self.split])
            annos = [a for a in annos if a['frame_dir'] in wanted]
        return annos[:self.max_samples]

    def _person_clips(self, anno: dict) -> List[dict]:
        kp = np.asarray(anno['keypoint'], dtype=np.float32)
        score = anno.get('keypoint_score')
        score = (np.asarray(score, np.float32) if score is not None else
                 kp[..., 2] if kp.shape[-1] == 3 else np.ones(kp.shape[:3]))
        kp = normalize_2d(kp, anno['img_shape'])
        T = kp.shape[1]
        sampler = UniformSampleFrames(self.clip_len, self.num_clips,
                                      test_mode=True)
        state = np.random.get_state()  # the sampler reseeds np.random
        try:
            inds = sampler(dict(total_frames=T,
                                start_index=0))['frame_inds']
        finally:
            np.random.set_state(state)
        inds = inds.reshape(self.num_clips, self.clip_len) % T
        items = []
        if not (score != 0).any():
            self.num_empty_samples += 1
        for m in range(kp.shape[0]):
            if not (score[m] != 0).any():
                continue  # an absent second person is no sequence
            for j in range(self.num_clips):
                observed = (score[m, inds[j]] != 0).any(-1)
                clip = kp[m, inds[j]]
                if not observed.all():
                    if not observed.any() or self.missing == 'exclude':
                        self.num_excluded_clips += 1
                        continue
                    clip, filled = fill_gaps(clip[None], observed)
                    clip = clip[0]
                    self.num_filled_frames += int(filled.sum())
                    self.num_filled_clips += 1
                name = anno['frame_dir']
                items.append(dict(
                    keypoint=clip, frame_dir=name if m == j == 0 else
                    f'{name}#{m}.{j}', clip_idx=j, person=m,
                    label=int(anno.get('label', -1)),
                    sequence=str(anno.get('sequence', name)),
                    img_shape=tuple(int(v) for v in anno['img_shape'])))
        return items

    def load_data_list(self) -> List[dict]:
        """Clips of every sample of the split (see class doc)."""
        self.num_filled_frames = self.num_filled_clips = 0
        self.num_excluded_clips = self.num_empty_samples = 0
        self._clips = None
        items = []
        for anno in self._annotations():
            items.extend(self._person_clips(anno))
        if not items:
            raise ValueError(f'SkeletonBank: no usable clip in '
                             f'{self.ann_file} split {self.split!r}')
        MMLogger.get_current_instance().info(
            f'SkeletonBank {self.ann_file} [{self.split}]: {len(items)} clips '
            f'of {self.clip_len} frames; {self.num_filled_frames} missing '
            f'frames interpolated in {self.num_filled_clips} clips, '
            f'{self.num_excluded_clips} clips excluded, '
            f'{self.num_empty_samples} samples without any observed frame')
        return items

    @property
    def clips(self) -> np.ndarray:
        """All clips stacked, float32 (N, T, V, 2)."""
        if self._clips is None:
            self._clips = np.stack([
                self.get_data_info(i)['keypoint'] for i in range(len(self))])
        return self._clips

    def sequences(self) -> List[str]:
        """Source sequence of every clip: the annotation's ``sequence`` key
        (e.g. the take several views or windows were cut from), else its
        ``frame_dir``."""
        return [self.get_data_info(i)['sequence'] for i in range(len(self))]

    def prior(self) -> np.ndarray:
        """S_prior: the mean clip per frame position, float32 (T, V, 2)."""
        return self.clips.mean(0, dtype=np.float64).astype(np.float32)

    def pool_indices(self, size: int) -> np.ndarray:
        """``size`` clip indices spread evenly over the bank (deterministic;
        a bank smaller than ``size`` repeats its clips in order)."""
        return np.floor(np.arange(size) * len(self) / size).astype(np.int64)

    def choose_prompts(self, query, query_mask) -> np.ndarray:
        """Nearest bank clip of each query on its observed frames.

        Args:
            query: (B, T, V, 2) array or tensor.
            query_mask: bool (B, T), True = observed.

        Returns:
            np.ndarray: int64 (B, ) indices into the bank.
        """
        from finetec_mm.functional.prompt_retrieval import \
            nearest_clips
        return nearest_clips(
            torch.as_tensor(np.asarray(query)),
            torch.as_tensor(np.asarray(query_mask)).bool(),
            torch.from_numpy(self.clips)).numpy()

    def get_data_info(self, idx: int) -> dict:
        """Clip ``idx`` (a shallow copy; the arrays are never modified)."""
        return dict(self.data_list[idx])

    def prepare_data(self, idx: int) -> dict:
        """Run the pipeline on clip ``idx`` and pack it for the model."""
        info = self.get_data_info(idx)
        clip = info['keypoint']
        results = dict(
            keypoint=clip[None].copy(),
            keypoint_score=np.ones(clip.shape[:2], np.float32)[None],
            clip_len=self.clip_len, num_clips=1, total_frames=self.clip_len,
            frame_dir=info['frame_dir'], label=info['label'],
            test_mode=self.test_mode)
        results = self.pipeline(results)
        if results is None:
            return None
        mask = results.get('frame_mask', np.ones(self.clip_len, bool))
        return dict(
            inputs=torch.from_numpy(np.ascontiguousarray(
                results['keypoint'][0], dtype=np.float32)),
            data_samples=dict(
                gt_keypoint=torch.from_numpy(clip.copy()),
                frame_mask=torch.from_numpy(np.asarray(mask, dtype=bool)),
                frame_dir=info['frame_dir'], clip_idx=info['clip_idx'],
                sequence=info['sequence'], label=info['label'],
                # a tensor, not a tuple: pseudo_collate would transpose it
                img_shape=torch.tensor(info['img_shape'])))
