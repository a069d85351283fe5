# Copyright (c) FineTec authors. All rights reserved.
"""Inference API, as ``mmaction.apis`` for this package's models::

    from finetec_mm.apis import init_recognizer, inference_skeletons
    model = init_recognizer('configs/finetec_demo_severe.py', 'epoch_16.pth')
    results = inference_skeletons(model, [array_tvc, pose_results],
                                  img_shape=(1080, 1920), return_base=True)

:class:`StreamRecognizer` classifies a live pose stream frame by frame
(docs/streaming.md). :func:`load_input` reads files (ours, MMPose, OpenPose, COCO results,
PoseDataset pickles, NumPy); ``tools/infer.py`` is the command line over
these functions.
"""
from .inference import (inference_skeleton, inference_skeletons,
                        resolve_label_map, test_pipeline_of)
from .model import init_recognizer, load_config
from .pipeline import build_pipeline, graph_joints, inference_config
from .readers import detect_format, load_input
from .stream import (StreamRecognizer, early_recognition, protocol_keep,
                     replay)
from .tracking import Person, Track, select_person

__all__ = [
    'init_recognizer', 'load_config', 'inference_skeletons',
    'inference_skeleton', 'test_pipeline_of', 'resolve_label_map',
    'inference_config', 'build_pipeline', 'graph_joints', 'load_input',
    'detect_format', 'select_person', 'Person', 'Track', 'StreamRecognizer',
    'replay', 'early_recognition', 'protocol_keep'
]
