"""Context-aware completion of corrupted clips inside the data pipeline."""
import os.path as osp
from typing import Dict, Optional

import numpy as np
import torch
from mmcv.transforms import BaseTransform

from mmaction.registry import TRANSFORMS
from finetec_mm.functional.observed_marker import mark_restored_frames
from finetec_mm.models.completion.loading import build_completion_model


@TRANSFORMS.register_module()
class ICLCompletion(BaseTransform):
    """Restore S_base from S_corrupt with a frozen, pre-trained
    ``ICLCompletionModel`` (the paper's context-aware sequence
    completion), one clip at a time.

    Runs after ``SkeletonCorrupt``: reads ``keypoint`` (M, nc·T, V, 2) and
    ``keypoint_score`` (M, nc·T, V); a frame of a person is missing when all
    its scores are 0 (what ``SkeletonCorrupt`` and real pose pipelines
    write). Every clip of every person is completed in one batch on
    ``device`` by ``ICLCompletionModel.complete_sequences``. Observed frames
    are unchanged; the scores of completed frames are linearly interpolated
    from the observed ones, so later steps see them as present.
    ``filled_mask`` (M, nc·T) marks them.

    Observed marker (``observed_marker=True``, the FineTec ``*_pipeline``
    configs): the scores of restored frames are then negated, so the
    recognizer, which sees only the score channel, can tell them from
    observed frames. The sign says observed (> 0) or restored (< 0), the
    magnitude is the interpolated score, and zero scores (absent joints,
    absent persons) stay exactly 0: a joint is present iff its score is
    non-zero, with or without the marker. The rule is
    :func:`~finetec_mm.functional.mark_restored_frames`, which the hosted
    path uses too.

    The model is loaded lazily on first use, so every dataloader worker
    loads its own copy (one small network; CPU-friendly). The same network
    can instead run batched inside the recognizer (see
    ``FineTecRecognizer(completion=...)``); both give the same S_base.

    Args:
        checkpoint (str): Pre-training checkpoint (``tools/train.py
            configs/completion/...``).
        model (dict, optional): Completion model config; defaults to the one
            stored in the checkpoint.
        device (str): Where to run. Defaults to ``'cpu'``.
        test_mode (bool): Accepted for pipeline symmetry; completion is
            deterministic in both modes.
        observed_marker (bool): Negate the scores of restored frames (see
            above). Needs ``keypoint_score``. Defaults to False (the
            behaviour before the marker; the FineTec configs set True).
    """

    def __init__(self, checkpoint: Optional[str], model: Optional[dict] = None,
                 device: str = 'cpu', test_mode: bool = False,
                 observed_marker: bool = False) -> None:
        if checkpoint is None:
            raise ValueError(
                'ICLCompletion: no completion checkpoint given; set the '
                "config's `completion_checkpoint` (dataset pieces name one) "
                'or `checkpoint=` of the transform.')
        if not osp.isfile(checkpoint):
            raise FileNotFoundError(
                f'ICLCompletion: completion checkpoint {checkpoint!r} does '
                'not exist. Pre-train one with `python tools/train.py '
                'configs/completion/icl_<dataset>.py` (docs/completion.md).')
        self.checkpoint, self.model_cfg = checkpoint, model
        self.device, self.test_mode = device, test_mode
        self.observed_marker = bool(observed_marker)
        self._model = None

    @property
    def model(self):
        if self._model is None:
            self._model = build_completion_model(self.checkpoint,
                                                 self.model_cfg, self.device)
        return self._model

    def transform(self, results: Dict) -> Dict:
        keypoint = results['keypoint']
        name = results.get('frame_dir', '<unknown>')
        M, total, V, C = keypoint.shape
        clip_len = results.get('clip_len', total)
        num_clips = results.get('num_clips', 1)
        if clip_len != self.model.net.clip_len:
            raise ValueError(
                f'ICLCompletion: sample {name!r}: clips have {clip_len} '
                f'frames but the completion checkpoint {self.checkpoint!r} '
                f'was trained for {self.model.net.clip_len}')
        if clip_len * num_clips != total:
            raise ValueError(f'ICLCompletion: sample {name!r}: {total} '
                             f'frames != num_clips {num_clips} x clip_len '
                             f'{clip_len}')
        score = results.get('keypoint_score')
        if self.observed_marker and score is None:
            raise ValueError(
                f'ICLCompletion: sample {name!r}: observed_marker=True marks '
                'restored frames in keypoint_score, which the sample lacks')
        # (M, nc*T, ...) -> (M*nc, T, ...): one sequence per person-clip
        coords = torch.from_numpy(np.ascontiguousarray(
            keypoint, np.float32)).reshape(M * num_clips, clip_len, V, C)
        scores = None if score is None else torch.from_numpy(
            np.ascontiguousarray(score, np.float32)).reshape(
                M * num_clips, clip_len, V)
        coords, scores, observed = self.model.complete_sequences(
            coords.to(self.device),
            None if scores is None else scores.to(self.device))
        results['keypoint'] = coords.cpu().numpy().reshape(
            M, total, V, C).astype(keypoint.dtype)
        if scores is not None:
            if self.observed_marker:
                scores = mark_restored_frames(scores, observed)
            results['keypoint_score'] = scores.cpu().numpy().reshape(
                M, total, V).astype(score.dtype)
        results['filled_mask'] = ~observed.cpu().numpy().reshape(M, total)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(checkpoint={self.checkpoint!r}, '
                f'device={self.device!r}, '
                f'observed_marker={self.observed_marker})')
