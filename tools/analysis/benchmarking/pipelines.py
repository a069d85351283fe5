"""Data-pipeline throughput: generated demo samples through the
configs' training pipelines, one process, one thread."""

import copy
import math
import os.path as osp
import pickle
import time

import torch

from .common import log


def generate_samples(args, out_dir):
    """``args.pipeline_samples`` demo samples (labels mod num_classes),
    written as a PoseDataset pickle with one split 'train'."""
    from finetec_mm.datasets.demo_data import (CLASS_NAMES,
                                               make_demo_annotations)
    per_class = math.ceil(args.pipeline_samples / len(CLASS_NAMES))
    data = make_demo_annotations(per_class, 0, seed=args.seed)
    annotations = data['annotations'][:args.pipeline_samples]
    for ann in annotations:
        ann['label'] = int(ann['label']) % args.num_classes
    path = osp.join(out_dir, 'bench_samples.pkl')
    with open(path, 'wb') as f:
        pickle.dump(dict(split=dict(train=[a['frame_dir']
                                           for a in annotations]),
                         annotations=annotations), f)
    return path


def build_dataset(pkl, pipeline, args):
    from mmaction.registry import DATASETS
    return DATASETS.build(dict(type='CheckedPoseDataset', ann_file=pkl,
                               pipeline=copy.deepcopy(pipeline),
                               split='train', num_classes=args.num_classes))


def bench_pipelines(datasets, args):
    """samples/s of each dataset (``dataset[i]`` = data info + pipeline) on
    one thread, passes interleaved between the pipelines so that a change
    of machine load hits all of them alike."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        n = len(next(iter(datasets.values())))
        for name, ds in datasets.items():  # warm-up: lazy model loading
            for i in range(min(4, n)):
                ds[i]
        elapsed = {name: 0.0 for name in datasets}
        for p in range(args.pipeline_passes):
            for name, ds in datasets.items():
                t0 = time.perf_counter()
                for i in range(n):
                    ds[i]
                elapsed[name] += time.perf_counter() - t0
            log(f'pipeline pass {p + 1}/{args.pipeline_passes}: ' + ', '.join(
                f'{k} {n * (p + 1) / v:.0f} samples/s'
                for k, v in elapsed.items()))
        return {k: n * args.pipeline_passes / v for k, v in elapsed.items()}
    finally:
        torch.set_num_threads(threads)
