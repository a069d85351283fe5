# Copyright (c) FineTec authors. All rights reserved.
"""Classifying skeleton sequences held in memory.

As with ``mmaction.apis``: the model comes from :func:`init_recognizer`
and carries its config (``model.cfg``); the test pipeline is built from it
unless one is given; samples go through ``model.test_step`` under
``torch.no_grad``. Differences: the pipeline reads real input (frames
missing in the input are the corruption, see
:func:`~finetec_mm.apis.pipeline.inference_config`), several samples are
classified per call, and pose results with several people per frame are
reduced to one tracked person.
"""
import copy
from typing import List, Optional, Sequence, Union

import numpy as np
import torch

from .pipeline import build_pipeline, graph_joints, inference_config
from .samples import prepare_samples


def resolve_label_map(cfg, label_map=None):
    """(path, names) of the class names: ``label_map`` (a file or a list of
    names), else ``label_map.txt`` next to the config's test ``ann_file``
    if it exists, else (None, None)."""
    from finetec_mm.datasets.label_map import (default_label_map,
                                               read_label_map)
    if isinstance(label_map, (list, tuple)):
        return None, [str(n) for n in label_map]
    if label_map is None:
        ann_file = (cfg.get('test_dataloader', None) or {}).get(
            'dataset', {}).get('ann_file')
        label_map = default_label_map(ann_file)
    if label_map is None:
        return None, None
    return str(label_map), read_label_map(str(label_map))


def model_device(model) -> torch.device:
    param = next(iter(model.parameters()), None)
    return torch.device('cpu') if param is None else param.device


def test_pipeline_of(model, simulate_corruption: bool = False):
    """The test pipeline for real input of ``model.cfg``."""
    cfg = inference_config(model.cfg, simulate_corruption)
    return build_pipeline(cfg, model_device(model))


def restored_base(model, pipeline, data) -> np.ndarray:
    """S_base as the model saw it: (B, num_clips, M, T, V, 3) of normalised
    (x, y) and score, after gap filling or completion (the pipeline's, or
    the completion hosted by a ``FineTecRecognizer``)."""
    for step in pipeline.transforms:
        feats = getattr(step, 'feats', ['j'])
        if type(step).__name__ == 'GenSkeFeat' and list(feats) != ['j']:
            raise ValueError(f'the model reads {feats} features, not joint '
                             'positions: there is no S_base to return')
    processed = model.data_preprocessor(data, False)
    inputs = processed['inputs']
    if not hasattr(model, 'split_streams'):  # a plain GCN: (x, y, score)
        return inputs[..., :3].float().cpu().numpy()
    if 'base' not in model.streams:
        raise ValueError(f'the model has no base stream (streams '
                         f'{model.streams}): there is no S_base to return')
    x = model.hosted_inputs(inputs, processed['data_samples'])
    positions, score = model.split_streams(x)
    base = positions[model.streams.index('base')]
    return torch.cat([base, score], -1).float().cpu().numpy()


def forward(model, pipeline, annos: List[dict], batch_size: int,
            return_base: bool = False) -> tuple:
    """``model.test_step`` outputs (one ``ActionDataSample`` per
    annotation, in order) and, with ``return_base``, the S_base per
    sample (else None)."""
    from mmengine.dataset import pseudo_collate
    outputs, bases = [], [] if return_base else None
    for start in range(0, len(annos), batch_size):
        batch = []
        for anno in annos[start:start + batch_size]:
            results = {k: copy.deepcopy(v) for k, v in anno.items()
                       if k != 'track'}
            results.update(modality='Pose', start_index=0)
            try:
                batch.append(pipeline(results))
            except Exception as err:
                raise ValueError(f'sample {anno["frame_dir"]!r}: the test '
                                 f'pipeline failed: {err}') from err
        data = pseudo_collate(batch)
        with torch.no_grad():
            outputs += model.test_step(data)
            if return_base:
                bases += list(restored_base(model, pipeline, data))
    return outputs, bases


def record(index: int, anno: dict, scores: np.ndarray, topk: int,
           names) -> dict:
    """One result: id, index, top-k indices / names / scores, the label if
    the sample has one, the track of pose-estimator input."""
    from finetec_mm.datasets.label_map import class_name
    top = np.argsort(-scores, kind='stable')[:topk]
    out = dict(id=anno['frame_dir'], index=index,
               topk_indices=[int(c) for c in top],
               topk_names=[class_name(int(c), names) for c in top],
               topk_scores=[float(scores[c]) for c in top])
    if isinstance(anno.get('label'), (int, np.integer)):
        out['label'] = int(anno['label'])
        out['label_name'] = class_name(int(anno['label']), names)
    if anno.get('track') is not None:
        out['track'] = anno['track'].to_dict()
    return out


def inference_skeletons(model, sequences: Sequence,
                        img_shape: Optional[Sequence[int]] = None,
                        topk: int = 5, return_base: bool = False,
                        ids: Optional[Sequence[str]] = None,
                        person: Union[str, int] = 'auto',
                        label_map=None, batch_size: Optional[int] = None,
                        simulate_corruption: bool = False,
                        test_pipeline=None) -> List[dict]:
    """Classify a list of skeleton sequences.

    Args:
        model: From :func:`~finetec_mm.apis.init_recognizer`.
        sequences (list): Samples as described in
            :mod:`finetec_mm.apis.samples` (arrays (T, V, 3) / (M, T, V, 3)
            in pixels, per-frame pose results, annotation dicts, or what
            :func:`~finetec_mm.apis.load_input` read from a file).
        img_shape ((h, w), optional): Image size of samples that state
            none (else ``PreNormalize2D``'s default, 1080 x 1920).
        topk (int): Classes listed per sample.
        return_base (bool): Add ``base``: the restored S_base the model
            saw, (num_clips, M, clip_len, V, 3) float32 of normalised
            (x, y) and score.
        ids (list[str], optional): Sample ids (default: an annotation's
            ``frame_dir``, else ``#<position>``).
        person ('auto' | int): Whom to follow in per-frame pose results
            (:mod:`finetec_mm.apis.tracking`).
        label_map (str | list[str], optional): Class names (default: the
            ``label_map.txt`` next to the config's test ``ann_file``).
        batch_size (int, optional): Samples per forward pass (default: the
            config's test batch size).
        simulate_corruption (bool): Also drop frames with the config's
            corruption, as ``tools/test.py`` does.
        test_pipeline (Compose, optional): A pipeline built before (by
            :func:`test_pipeline_of`); built from ``model.cfg`` if None.

    Returns:
        list[dict]: Per sample ``id``, ``index``, ``topk_indices``,
        ``topk_names``, ``topk_scores`` (class scores as the head returns
        them: probabilities averaged over the test clips), ``label`` /
        ``label_name`` when the sample has a label, ``track`` for per-frame
        pose results (see :class:`~finetec_mm.apis.tracking.Track`) and
        ``base`` on request.
    """
    from mmengine.registry import init_default_scope
    cfg = model.cfg
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    if topk < 1:
        raise ValueError(f'topk must be >= 1, got {topk}')
    annos = prepare_samples(sequences, graph_joints(cfg), ids, person,
                            cfg.get('num_classes', None))
    for anno in annos:
        if img_shape is not None:
            anno.setdefault('img_shape', tuple(img_shape))
    _, names = resolve_label_map(cfg, label_map)
    pipeline = test_pipeline or test_pipeline_of(model, simulate_corruption)
    size = batch_size or int(cfg.test_dataloader.get('batch_size', 8))
    outputs, bases = forward(model, pipeline, annos, size, return_base)
    results = []
    for i, (anno, out) in enumerate(zip(annos, outputs)):
        scores = out.pred_scores.item.float().cpu().numpy()
        results.append(record(i, anno, scores, min(topk, len(scores)),
                              names))
        if return_base:
            results[-1]['base'] = bases[i]
    return results


def inference_skeleton(model, pose_results: list, img_shape: Sequence[int],
                       test_pipeline=None):
    """``mmaction.apis.inference_skeleton`` for this package's models: one
    sequence of per-frame pose results (one person followed through it, see
    :mod:`finetec_mm.apis.tracking`) → the ``ActionDataSample`` of
    ``model.test_step`` (``pred_scores.item``: class scores)."""
    from mmengine.registry import init_default_scope
    cfg = model.cfg
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    (anno, ) = prepare_samples([pose_results], graph_joints(cfg))
    anno['img_shape'] = tuple(img_shape)
    pipeline = test_pipeline or test_pipeline_of(model)
    return forward(model, pipeline, [anno], 1)[0][0]
