"""Speed, size and memory of FineTec against MMAction2's ST-GCN, every
figure next to a baseline measured in the same run.

Examples::

    python tools/analysis/benchmark.py --device cpu --json bench_cpu.json
    python tools/analysis/benchmark.py --device cuda --amp --json bench_gpu.json
    python tools/analysis/benchmark.py --device cpu --quick      # smoke run
    python tools/analysis/benchmark.py --device cpu --sweep      # + cost growth

What is measured (docs/benchmarks.md explains each figure and the targets):

* ``pipeline_ratio``: samples/s of FineTec's *training* data pipeline (the
  config's, composed by the config (``finetec_mm.engine.protocol``): SkeletonCorrupt and plain
  joint features for the default configs, whose recognizer hosts completion
  and decomposition; + ICLCompletion, DecompositionAugment for the
  ``*_pipeline`` configs) over samples/s of MMAction2's
  plain skeleton training pipeline (PreNormalize2D, GenSkeFeat joint,
  UniformSampleFrames, PoseDecode, FormatGCNInput, PackActionInputs), on the
  same generated demo samples, one process, one thread.
* ``train_step_ratio``: seconds of one training step (data preprocessor,
  forward, backward, optimizer step) of the FineTec model over the ST-GCN
  baseline's, same batch, clip length and classes, synthetic inputs already
  on the device.
* ``train_samples_per_s``: a DataLoader-fed training loop (pipeline in
  ``--num-workers`` workers, 0 = in this process) for FineTec and for the
  baseline (plain pipeline + ST-GCN).
* ``infer_samples_per_s``: predict mode on the device (with a hosted
  completion + decomposition they are included), data loading excluded.
* parameters, FLOPs (mmengine's counter: multiply-adds of convolutions,
  matmuls, ... per sample) and peak training memory (Table 10 of the paper).
"""
import argparse
import copy
import ctypes
import json
import math
import os
import os.path as osp
import pickle
import platform
import random
import resource
import statistics
import sys
import tempfile
import time
import warnings

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import numpy as np  # noqa: E402
import torch  # noqa: E402

DEFAULT_CONFIG = 'configs/finetec_demo_severe.py'
DEFAULT_PIPELINED = 'configs/finetec_demo_severe_pipeline.py'
DEFAULT_BASELINE = 'configs/stgcn_demo_severe.py'
GYM288_TEST_SAMPLES = 9484

# The targets: (name, figure key, op, threshold, devices it applies to)
TARGETS = [
    ('CPU data pipeline >= 0.5x plain, per core', 'pipeline_ratio', '>=',
     0.5, ('cpu', 'cuda')),
    ('CPU train step FineTec <= 2.5x ST-GCN', 'train_step_ratio', '<=', 2.5,
     ('cpu', )),
    ('GPU end to end >= 2,000 samples/s', 'train_samples_per_s', '>=', 2000,
     ('cuda', )),
    ('GPU end to end >= 0.5x ST-GCN', 'train_samples_per_s_ratio', '>=', 0.5,
     ('cuda', )),
    (f'inference of {GYM288_TEST_SAMPLES:,} samples < 10 s',
     'infer_gym288_test_s', '<', 10, ('cuda', )),
]

# ratio key -> (figure key, baseline key): every ratio is figure / baseline
RATIOS = {
    'pipeline_ratio': ('pipeline_samples_per_s',
                       'pipeline_samples_per_s_baseline'),
    'pipeline_pipelined_ratio': ('pipeline_samples_per_s_pipelined',
                                 'pipeline_samples_per_s_baseline'),
    'train_step_ratio': ('train_step_s', 'train_step_s_baseline'),
    'train_step_pipelined_ratio': ('train_step_s_pipelined',
                                   'train_step_s_baseline'),
    'train_samples_per_s_ratio': ('train_samples_per_s',
                                  'train_samples_per_s_baseline'),
    'train_samples_per_s_pipelined_ratio': ('train_samples_per_s_pipelined',
                                            'train_samples_per_s_baseline'),
    'infer_ratio': ('infer_samples_per_s', 'infer_samples_per_s_baseline'),
    'infer_pipelined_ratio': ('infer_samples_per_s_pipelined',
                              'infer_samples_per_s_baseline'),
    'params_ratio': ('params_finetec', 'params_baseline'),
    'params_pipelined_ratio': ('params_finetec_pipelined', 'params_baseline'),
    'flops_ratio': ('flops_finetec', 'flops_baseline'),
    'flops_pipelined_ratio': ('flops_finetec_pipelined', 'flops_baseline'),
    'peak_memory_ratio': ('peak_memory_mb_finetec',
                          'peak_memory_mb_baseline'),
    'peak_memory_pipelined_ratio': ('peak_memory_mb_finetec_pipelined',
                                    'peak_memory_mb_baseline'),
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('--device', choices=('cpu', 'cuda'), default='cpu')
    parser.add_argument('--json', help='write every figure to this file')
    parser.add_argument('--config', default=DEFAULT_CONFIG,
                        help='FineTec config (its training pipeline and model)')
    parser.add_argument(
        '--pipeline-config',
        help='FineTec config with completion + decomposition in the data '
        f'pipeline (default: {DEFAULT_PIPELINED} when --config is the '
        "default; 'none' skips this variant)")
    parser.add_argument('--baseline-config', default=DEFAULT_BASELINE,
                        help='config of the ST-GCN baseline model')
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--clip-len', type=int, default=16)
    parser.add_argument('--num-classes', type=int, default=288)
    parser.add_argument('--num-person', type=int, default=1)
    parser.add_argument('--iters', type=int,
                        help='timed iterations (default: 3 on cpu, 30 on '
                        'cuda, 1 with --quick)')
    parser.add_argument('--warmup', type=int,
                        help='untimed iterations first (default: 1 on cpu, '
                        '5 on cuda)')
    parser.add_argument('--pipeline-samples', type=int,
                        help='generated demo samples (default 64, 16 with '
                        '--quick)')
    parser.add_argument('--pipeline-passes', type=int,
                        help='timed passes over them per pipeline (default '
                        '4, 1 with --quick)')
    parser.add_argument('--num-workers', type=int,
                        help='DataLoader workers of the end-to-end loops '
                        '(default 0 on cpu, min(8, cores) on cuda)')
    parser.add_argument('--infer-batch-size', type=int,
                        help='samples per inference batch (default 256 on '
                        'cuda, 32 on cpu, --batch-size with --quick)')
    parser.add_argument('--infer-clips', type=int,
                        help="clips per sample at inference (default: the "
                        "--config test pipeline's, 10 for the Gym configs; "
                        '1 with --quick)')
    parser.add_argument('--threads', type=int,
                        help='torch threads for the model parts (default 1 '
                        'on cpu; the pipeline always runs on 1)')
    parser.add_argument('--amp', action='store_true',
                        help='mixed precision (cuda only): AmpOptimWrapper '
                        'for training, fp16 autocast for inference')
    parser.add_argument('--quick', action='store_true',
                        help='smoke run: few samples, one timed iteration')
    parser.add_argument('--sweep', action='store_true',
                        help='also time the train step over --sweep-batch x '
                        '--sweep-clip x --sweep-person')
    parser.add_argument('--sweep-batch', type=int, nargs='+', default=[8, 32])
    parser.add_argument('--sweep-clip', type=int, nargs='+', default=[16, 32])
    parser.add_argument('--sweep-person', type=int, nargs='+', default=[1, 2])
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)
    if args.device == 'cuda' and not torch.cuda.is_available():
        parser.error('--device cuda: CUDA is not available')
    if args.amp and args.device != 'cuda':
        parser.error('--amp needs --device cuda')
    cuda = args.device == 'cuda'
    if args.iters is None:
        args.iters = 1 if args.quick else (30 if cuda else 3)
    if args.warmup is None:
        args.warmup = 1 if args.quick or not cuda else 5
    if args.pipeline_samples is None:
        args.pipeline_samples = 16 if args.quick else 64
    if args.pipeline_passes is None:
        args.pipeline_passes = 1 if args.quick else 4
    if args.num_workers is None:
        args.num_workers = min(8, os.cpu_count() or 1) if cuda else 0
    if args.infer_batch_size is None:
        args.infer_batch_size = (args.batch_size if args.quick else
                                 256 if cuda else 32)
    if args.infer_clips is None and args.quick:
        args.infer_clips = 1
    if args.threads is None and not cuda:
        args.threads = 1
    if args.pipeline_config is None:
        args.pipeline_config = (DEFAULT_PIPELINED
                                if args.config == DEFAULT_CONFIG else 'none')
    if args.pipeline_config.lower() == 'none':
        args.pipeline_config = None
    for name in ('batch_size', 'clip_len', 'num_classes', 'num_person',
                 'iters', 'pipeline_samples', 'pipeline_passes',
                 'infer_batch_size', 'infer_clips'):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            parser.error(f'--{name.replace("_", "-")} must be >= 1')
    return args


def log(msg):
    print(f'[benchmark] {msg}', flush=True)


# ---------------------------------------------------------------------------
# configs and models
# ---------------------------------------------------------------------------


def load_config(path, args):
    """The config at ``path``, recomposed with the benchmark's
    number of classes, clip length and persons."""
    from mmengine.config import Config

    from finetec_mm.engine.protocol import pipeline_datasets, recompose
    if not osp.exists(path) and osp.exists(osp.join(ROOT, path)):
        path = osp.join(ROOT, path)
    cfg = Config.fromfile(path)
    cfg.num_classes = args.num_classes
    recompose(cfg)
    if 'cls_head' in cfg.model:
        cfg.model.cls_head.num_classes = args.num_classes
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        for dataset in pipeline_datasets((cfg.get(loader) or {}).get(
                'dataset')):
            dataset['pipeline'] = adapt_pipeline(dataset['pipeline'], args)
    _absolute_checkpoints(cfg)
    return cfg


def _absolute_checkpoints(cfg):
    """Completion checkpoints relative to the repository root work from any
    working directory."""
    def fix(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == 'checkpoint' and isinstance(value, str) and (
                        not osp.isabs(value) and not osp.exists(value)):
                    node[key] = osp.join(ROOT, value)
                else:
                    fix(value)
        elif isinstance(node, list):
            for child in node:
                fix(child)
    fix(cfg._cfg_dict)


def adapt_pipeline(pipeline, args):
    """Clip length and persons of the benchmark in a pipeline config."""
    out = copy.deepcopy(list(pipeline))
    for step in out:
        if step.get('type') == 'UniformSampleFrames':
            step['clip_len'] = args.clip_len
        elif step.get('type') == 'FormatGCNInput':
            step['num_person'] = args.num_person
    return out


def plain_pipeline(args):
    """MMAction2's skeleton training pipeline (its ST-GCN joint configs)."""
    return [
        dict(type='PreNormalize2D'),
        dict(type='GenSkeFeat', dataset='coco', feats=['j']),
        dict(type='UniformSampleFrames', clip_len=args.clip_len),
        dict(type='PoseDecode'),
        dict(type='FormatGCNInput', num_person=args.num_person),
        dict(type='PackActionInputs'),
    ]


def train_pipeline(cfg):
    from finetec_mm.engine.protocol import pipeline_datasets
    return next(pipeline_datasets(cfg.train_dataloader.dataset))['pipeline']


def build_model(cfg, device):
    from mmaction.registry import MODELS
    return MODELS.build(copy.deepcopy(cfg.model)).to(device)


def input_channels(model):
    """Channels per joint the model expects: (x, y, score) for plain GCNs and
    for FineTec with hosted completion/decomposition, else 2·streams + 1."""
    streams = getattr(model, 'streams', None)
    if streams is None or getattr(model, 'decomposition', None) is not None:
        return 3
    return 2 * len(streams) + 1


def is_hosted(model):
    return getattr(model, 'completion', None) is not None or getattr(
        model, 'decomposition', None) is not None


def hosted_clip_len(model):
    """Clip length the hosted completion network was trained for, None
    without one."""
    if getattr(model, 'completion', None) is not None:
        return model.completion.net.clip_len
    return None


def test_num_clips(cfg):
    """Clips per sample of the config's test pipeline (1 without
    ``UniformSampleFrames``)."""
    from finetec_mm.engine.protocol import pipeline_datasets
    dataset = next(pipeline_datasets(cfg.test_dataloader.dataset))
    for step in dataset['pipeline']:
        if step.get('type') == 'UniformSampleFrames':
            return int(step.get('num_clips', 1))
    return 1


def pipeline_clip_len(cfg):
    """Clip length of the training pipeline's completion network, None
    without ``ICLCompletion``."""
    for step in train_pipeline(cfg):
        if step.get('type') == 'ICLCompletion':
            from finetec_mm.datasets.transforms.icl_completion import \
                build_completion_model
            return build_completion_model(step['checkpoint'],
                                          step.get('model')).net.clip_len
    return None


def build_optim(model, cfg, amp):
    from mmengine.optim import build_optim_wrapper
    optimizer = copy.deepcopy((cfg.get('optim_wrapper') or {}).get(
        'optimizer', dict(type='SGD', lr=0.1, momentum=0.9,
                          weight_decay=5e-4, nesterov=True)))
    return build_optim_wrapper(
        model, dict(type='AmpOptimWrapper' if amp else 'OptimWrapper',
                    optimizer=optimizer))


def count_params(model):
    return sum(p.numel() for p in model.parameters())


# ---------------------------------------------------------------------------
# timing and memory helpers
# ---------------------------------------------------------------------------


def sync(device):
    if device == 'cuda':
        torch.cuda.synchronize()


def _malloc_trim():
    try:
        ctypes.CDLL('libc.so.6').malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _status_kb(field):
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith(field + ':'):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


class PeakMemory:
    """Peak memory of a block above what was allocated when it started.

    cuda: ``torch.cuda.max_memory_allocated``; cpu: the resident set's
    high-water mark (VmHWM, reset through /proc/self/clear_refs; freed heap
    returned first with malloc_trim). Where VmHWM cannot be reset, the
    process's ``ru_maxrss`` is used and the figure is process-wide."""

    def __init__(self, device):
        self.device = device
        self.method = None

    def __enter__(self):
        if self.device == 'cuda':
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
            self.start = torch.cuda.memory_allocated()
            self.method = 'torch.cuda.max_memory_allocated'
            return self
        _malloc_trim()
        try:
            with open('/proc/self/clear_refs', 'w') as f:
                f.write('5')
            self.start = _status_kb('VmRSS') * 1024
            self.method = 'peak RSS (VmHWM after /proc/self/clear_refs)'
        except (OSError, TypeError):
            self.start = _status_kb('VmRSS')
            self.start = (self.start or 0) * 1024
            self.method = 'resource.getrusage ru_maxrss (process-wide)'
        return self

    def __exit__(self, *exc):
        if self.device == 'cuda':
            torch.cuda.synchronize()
            self.peak = torch.cuda.max_memory_allocated()
        elif self.method.startswith('peak RSS'):
            self.peak = (_status_kb('VmHWM') or 0) * 1024
        else:
            self.peak = resource.getrusage(
                resource.RUSAGE_SELF).ru_maxrss * 1024
        self.increase = max(0, self.peak - self.start)
        return False


def state_bytes(model, optim_wrapper):
    """Bytes of what training keeps between steps: parameters, buffers,
    gradients and optimizer state."""
    total = 0
    for p in model.parameters():
        total += p.numel() * p.element_size()
        if p.grad is not None:
            total += p.grad.numel() * p.grad.element_size()
    for b in model.buffers():
        total += b.numel() * b.element_size()
    for state in optim_wrapper.optimizer.state.values():
        for value in state.values():
            if torch.is_tensor(value):
                total += value.numel() * value.element_size()
    return total


# ---------------------------------------------------------------------------
# synthetic model inputs
# ---------------------------------------------------------------------------


def corruption_ratio(cfg):
    from finetec_mm.datasets.transforms.corruption import CORRUPTION_LEVELS
    corruption = dict(cfg.get('corruption') or {})
    if corruption.get('ratio'):
        return float(corruption['ratio'])
    return CORRUPTION_LEVELS.get(corruption.get('level'), 0.0)


def make_inputs(batch, clips, persons, clip_len, channels, device,
                drop_ratio=0.0, generator=None):
    """(B, clips, M, T, 17, C) synthetic inputs: coordinates in [-1, 1],
    scores in (0, 1] in the last channel; with ``drop_ratio`` the frames
    SkeletonCorrupt would drop (``num_dropped`` random frames per clip) are
    zero, coordinates and scores, as the pipeline delivers them."""
    from finetec_mm.datasets.transforms.corruption import num_dropped
    shape = (batch, clips, persons, clip_len, 17, channels)
    x = torch.rand(shape, generator=generator) * 2 - 1
    x[..., -1] = torch.rand(shape[:-1], generator=generator) * 0.9 + 0.1
    if drop_ratio > 0:
        n_drop = num_dropped(clip_len, drop_ratio)
        order = torch.rand((batch, clips, persons, clip_len),
                           generator=generator).argsort(-1)
        keep = order >= n_drop
        x = x * keep[..., None, None]
    return x.to(device)


def make_batch(inputs, labels=None, names=None):
    """What pseudo_collate gives: a list of per-sample tensors and
    ActionDataSamples (label, frame_dir)."""
    from mmaction.structures import ActionDataSample
    samples = []
    for i in range(inputs.shape[0]):
        sample = ActionDataSample(metainfo=dict(
            frame_dir=names[i] if names else f'bench_{i:05d}'))
        if labels is not None:
            sample.set_gt_labels(int(labels[i]))
        samples.append(sample)
    return dict(inputs=list(inputs.unbind(0)), data_samples=samples)


# ---------------------------------------------------------------------------
# the measurements
# ---------------------------------------------------------------------------


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


def _error(what, err):
    msg = f'{what}: {type(err).__name__}: {err}'.splitlines()[0][:500]
    log(f'FAILED {msg}')
    return msg


def bench_train_steps(runs, args, batch, clip_len, persons, measure_memory,
                      errors, label=''):
    """Median seconds of one train step per model, iterations interleaved
    between the models; with ``measure_memory`` also the peak memory of one
    extra step per model. A model that fails is reported in ``errors``
    (name -> message) and left out."""
    gen = torch.Generator().manual_seed(args.seed)
    batches = {}
    for name, run in runs.items():
        x = make_inputs(batch, 1, persons, clip_len, run['channels'],
                        args.device, run['drop_ratio'], gen)
        labels = torch.randint(args.num_classes, (batch, ), generator=gen)
        batches[name] = make_batch(x, labels)
    times = {name: [] for name in runs}
    for it in range(args.warmup + args.iters):
        for name, run in runs.items():
            if name in errors:
                continue
            run['model'].train()
            try:
                sync(args.device)
                t0 = time.perf_counter()
                run['model'].train_step(batches[name], run['optim'])
                sync(args.device)
            except Exception as err:  # noqa: BLE001  (reported)
                errors[name] = _error(f'train step{label} {name}', err)
                continue
            if it >= args.warmup:
                times[name].append(time.perf_counter() - t0)
        if it >= args.warmup:
            log(f'train step{label} {it - args.warmup + 1}/{args.iters}: ' +
                ', '.join(f'{k} {statistics.median(v) * 1e3:.0f} ms'
                          for k, v in times.items() if v))
    out = {name: statistics.median(t) for name, t in times.items() if t}
    memory, method = {}, None
    if measure_memory:
        for name, run in runs.items():
            if name not in out:
                continue
            with PeakMemory(args.device) as mem:
                run['model'].train_step(batches[name], run['optim'])
            method = mem.method
            memory[name] = (mem.increase +
                            state_bytes(run['model'], run['optim'])) / 2**20
            memory[name + '_process_peak'] = mem.peak / 2**20
    return out, memory, method


class _Cycle(torch.utils.data.Sampler):
    """Indices 0..n-1 repeated up to ``length``."""

    def __init__(self, n, length):
        self.n, self.length = n, length

    def __iter__(self):
        return iter([i % self.n for i in range(self.length)])

    def __len__(self):
        return self.length


def bench_end_to_end(dataset, run, args):
    """samples/s of a DataLoader-fed training loop (collate, data
    preprocessor, forward, backward, optimizer step)."""
    from mmengine.dataset import pseudo_collate
    warmup = args.warmup + (2 * args.num_workers if args.num_workers else 0)
    total = warmup + args.iters
    loader = torch.utils.data.DataLoader(
        dataset, batch_size=args.batch_size,
        sampler=_Cycle(len(dataset), total * args.batch_size),
        num_workers=args.num_workers, collate_fn=pseudo_collate,
        pin_memory=args.device == 'cuda', drop_last=True)
    model, optim = run['model'], run['optim']
    model.train()
    t0 = None
    for i, data in enumerate(loader):
        if i == warmup:
            sync(args.device)
            t0 = time.perf_counter()
        model.train_step(data, optim)
    sync(args.device)
    return args.iters * args.batch_size / (time.perf_counter() - t0)


def bench_inference(runs, args, errors):
    """samples/s of predict mode (data preprocessor + model), inputs on the
    device, iterations interleaved between the models; failures go to
    ``errors`` as in :func:`bench_train_steps`."""
    gen = torch.Generator().manual_seed(args.seed + 1)
    B = args.infer_batch_size
    names = [f'bench_{i:05d}' for i in range(B)]
    batches = {
        name: make_batch(make_inputs(B, args.infer_clips, args.num_person,
                                     args.clip_len, run['channels'],
                                     args.device, run['drop_ratio'], gen),
                         names=names)
        for name, run in runs.items()
    }
    times = {name: [] for name in runs}
    for it in range(args.warmup + args.iters):
        for name, run in runs.items():
            if name in errors:
                continue
            run['model'].eval()
            try:
                sync(args.device)
                t0 = time.perf_counter()
                with torch.no_grad(), torch.autocast(
                        'cuda', dtype=torch.float16, enabled=args.amp):
                    run['model'].test_step(batches[name])
                sync(args.device)
            except Exception as err:  # noqa: BLE001  (reported)
                errors[name] = _error(f'inference {name}', err)
                continue
            if it >= args.warmup:
                times[name].append(time.perf_counter() - t0)
        if it >= args.warmup:
            log(f'inference {it - args.warmup + 1}/{args.iters}: ' +
                ', '.join(f'{k} {B / statistics.median(v):.0f} samples/s'
                          for k, v in times.items() if v))
    return {name: B / statistics.median(t) for name, t in times.items() if t}


class _Completion(torch.nn.Module):
    """The hosted completion as a module of (coords, scores), for the FLOP
    counter."""

    def __init__(self, completion):
        super().__init__()
        self.completion = completion

    def forward(self, coords, scores):
        return self.completion.complete_sequences(coords, scores)[0]


def _sdpa_flop_jit(inputs, outputs):
    """Multiply-adds of scaled_dot_product_attention: Q·Kᵀ and the
    attention-weighted sum of V, (..., L, E) x (..., S, E) x (..., S, Ev)."""
    from mmengine.analysis.jit_handles import get_shape
    q, k, v = (get_shape(x) for x in inputs[:3])
    batch = int(np.prod(q[:-2])) if len(q) > 2 else 1
    return batch * q[-2] * k[-2] * (q[-1] + v[-1])


def count_flops(module, inputs):
    """(multiply-adds, unsupported op counts) of one forward with mmengine's
    counter; None and the error when it fails."""
    from mmengine.analysis import FlopAnalyzer
    was_training = module.training
    module.eval()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            analyzer = FlopAnalyzer(module, inputs)
            analyzer.set_op_handle(
                'aten::scaled_dot_product_attention', _sdpa_flop_jit)
            analyzer.unsupported_ops_warnings(False)
            analyzer.uncalled_modules_warnings(False)
            total = analyzer.total()
            return float(total), dict(analyzer.unsupported_ops()), None
    except Exception as err:  # noqa: BLE001  (reported, not fatal)
        return None, {}, f'{type(err).__name__}: {err}'.splitlines()[0][:300]
    finally:
        module.train(was_training)


def hosted_flops(run, args, gen, result, unsupported, errors):
    """FLOPs of a recognizer with hosted completion: the recognizer part is
    counted on 7-channel inputs (the pipelined model's architecture), the
    completion network on its own (its forward depends on the data);
    decomposition is element-wise (not counted)."""
    model = run['model']
    x = make_inputs(1, 1, args.num_person, args.clip_len,
                    2 * len(model.streams) + 1, args.device, 0.0, gen)
    decomposition, completion = model.decomposition, model.completion
    model.decomposition = model.completion = None
    try:
        base, ops, err = count_flops(model, (x, ))
    finally:
        model.decomposition, model.completion = decomposition, completion
    extra = 0.0
    if completion is not None:
        x = make_inputs(1, 1, args.num_person, args.clip_len, 3,
                        args.device, run['drop_ratio'], gen)
        coords = x[..., :2].reshape(-1, args.clip_len, 17, 2)
        scores = x[..., 2].reshape(-1, args.clip_len, 17)
        extra, c_ops, c_err = count_flops(
            _Completion(completion).eval(), (coords, scores))
        result['flops_completion'] = extra
        unsupported['completion'] = c_ops
        if c_err:
            errors['completion'] = c_err
    total = None if base is None or extra is None else base + extra
    return total, ops, err


def bench_flops(runs, args, result):
    """FLOPs of one sample (one clip, M persons, T frames), forward only."""
    gen = torch.Generator().manual_seed(args.seed + 2)
    unsupported, errors = {}, {}
    for name, run in runs.items():
        if is_hosted(run['model']):
            flops, ops, err = hosted_flops(run, args, gen, result,
                                           unsupported, errors)
        else:
            x = make_inputs(1, 1, args.num_person, args.clip_len,
                            run['channels'], args.device, 0.0, gen)
            flops, ops, err = count_flops(run['model'], (x, ))
        result[f'flops_{name}'] = flops
        unsupported[name] = ops
        if err:
            errors[name] = err
    result['flops_unsupported_ops'] = unsupported
    if errors:
        result['flops_errors'] = errors


def bench_sweep(runs, args, sweep_errors):
    """Train-step seconds over batch x clip length x persons."""
    rows = []
    combos = [(b, t, m) for b in args.sweep_batch for t in args.sweep_clip
              for m in args.sweep_person]
    for k, (b, t, m) in enumerate(combos):
        active = {}
        for name, run in runs.items():
            clip_len = run.get('clip_len_required')
            if clip_len is None or clip_len == t:
                active[name] = run
        log(f'sweep {k + 1}/{len(combos)}: batch {b}, clip {t}, persons {m}')
        errors = {}
        times, _, _ = bench_train_steps(active, args, b, t, m, False, errors,
                                        label=f' (sweep {k + 1})')
        sweep_errors.extend(errors.values())
        row = dict(batch_size=b, clip_len=t, num_person=m)
        for name in runs:
            row[f'train_step_s_{name}'] = times.get(name)
        base = times.get('baseline')
        for name in runs:
            if name != 'baseline':
                row[f'ratio_{name}'] = (times[name] / base if base and
                                        name in times else None)
        rows.append(row)
    return rows


# ---------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------


def device_name(device):
    if device == 'cuda':
        return torch.cuda.get_device_name(torch.cuda.current_device())
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _fmt(value, kind):
    if value is None:
        return '-'
    if kind == 'int':
        return f'{value / 1e6:.2f} M'
    if kind == 'flops':
        return f'{value / 1e9:.3f} G'
    if kind == 'ms':
        return f'{value * 1e3:.1f} ms'
    if kind == 'ratio':
        return f'{value:.2f}x'
    if kind == 'mb':
        return f'{value:.0f} MB'
    return f'{value:,.0f}' if value >= 100 else f'{value:.1f}'


def print_table(result):
    r = result
    workers = r['num_workers']
    rows = [
        ('data pipeline, samples/s, 1 core', 'pipeline_samples_per_s',
         'pipeline_samples_per_s_baseline', 'pipeline_ratio', 'rate'),
        ('  completion in the pipeline', 'pipeline_samples_per_s_pipelined',
         'pipeline_samples_per_s_baseline', 'pipeline_pipelined_ratio',
         'rate'),
        (f'train step (batch {r["batch_size"]})', 'train_step_s',
         'train_step_s_baseline', 'train_step_ratio', 'ms'),
        ('  completion in the pipeline', 'train_step_s_pipelined',
         'train_step_s_baseline', 'train_step_pipelined_ratio', 'ms'),
        (f'train end to end, samples/s ({workers} workers)',
         'train_samples_per_s', 'train_samples_per_s_baseline',
         'train_samples_per_s_ratio', 'rate'),
        ('  completion in the pipeline', 'train_samples_per_s_pipelined',
         'train_samples_per_s_baseline',
         'train_samples_per_s_pipelined_ratio', 'rate'),
        (f'inference, samples/s ({r.get("infer_variant")}, batch '
         f'{r["infer_batch_size"]}, {r["infer_clips"]} clip(s))',
         'infer_samples_per_s', 'infer_samples_per_s_baseline', 'infer_ratio',
         'rate'),
        ('  completion in the pipeline (not in this figure)',
         'infer_samples_per_s_pipelined', 'infer_samples_per_s_baseline',
         'infer_pipelined_ratio', 'rate'),
        ('parameters', 'params_finetec', 'params_baseline', 'params_ratio',
         'int'),
        ('  completion in the pipeline (not counted)',
         'params_finetec_pipelined', 'params_baseline',
         'params_pipelined_ratio', 'int'),
        ('FLOPs (multiply-adds) / sample', 'flops_finetec', 'flops_baseline',
         'flops_ratio', 'flops'),
        ('  completion in the pipeline (not counted)',
         'flops_finetec_pipelined', 'flops_baseline',
         'flops_pipelined_ratio', 'flops'),
        ('peak train memory', 'peak_memory_mb_finetec',
         'peak_memory_mb_baseline', 'peak_memory_ratio', 'mb'),
        ('  completion in the pipeline', 'peak_memory_mb_finetec_pipelined',
         'peak_memory_mb_baseline', 'peak_memory_pipelined_ratio', 'mb'),
    ]
    head = (f'FineTec vs ST-GCN on {r["device"]} ({r["device_name"]}), torch '
            f'{r["torch_version"]}, batch {r["batch_size"]}, clip '
            f'{r["clip_len"]}, {r["num_person"]} person(s), '
            f'{r["num_classes"]} classes, threads {r["threads"]}'
            f'{", AMP" if r["amp"] else ""}{", QUICK" if r["quick"] else ""}')
    table = [('figure', 'FineTec', 'baseline', 'ratio')]
    for label, fig, base, ratio, kind in rows:
        if r.get(fig) is None and r.get(ratio) is None:
            continue
        if fig == 'infer_samples_per_s_pipelined' and r.get(
                'infer_variant') == 'pipelined':
            continue  # the row above
        table.append((label, _fmt(r.get(fig), kind), _fmt(r.get(base), kind),
                      _fmt(r.get(ratio), 'ratio')))
    widths = [max(len(row[i]) for row in table) for i in range(4)]
    print()
    print(head)
    print('baseline: plain MMAction2 pipeline / RecognizerGCN + STGCN')
    for i, row in enumerate(table):
        print('  '.join([row[0].ljust(widths[0])] +
                        [c.rjust(w) for c, w in zip(row[1:], widths[1:])]))
        if i == 0:
            print('  '.join('-' * w for w in widths))
    if r.get('infer_gym288_test_s') is not None:
        print(f'inference of {GYM288_TEST_SAMPLES:,} samples at that rate: '
              f'{r["infer_gym288_test_s"]:.1f} s')
    if r['targets']:
        print('targets (issue #6):')
        for t in r['targets']:
            state = ('-' if t['value'] is None else
                     'met' if t['met'] else 'NOT met')
            value = '-' if t['value'] is None else f'{t["value"]:.3g}'
            print(f'  {t["name"]}: {value} ({t["figure"]} {t["op"]} '
                  f'{t["target"]}) {state}')
    if r.get('sweep'):
        print('sweep: train step (ms) and ratio to ST-GCN')
        names = [k[len('train_step_s_'):] for k in r['sweep'][0]
                 if k.startswith('train_step_s_')]
        print('  batch clip  M  ' + '  '.join(f'{n:>15}' for n in names))
        for row in r['sweep']:
            cells = []
            for n in names:
                t = row[f'train_step_s_{n}']
                q = row.get(f'ratio_{n}')
                cells.append('-'.rjust(15) if t is None else (
                    f'{t * 1e3:8.1f}' + (f' {q:5.2f}x' if q else ' ' * 7)))
            print(f'  {row["batch_size"]:5d} {row["clip_len"]:4d} '
                  f'{row["num_person"]:2d}  ' + '  '.join(cells))
    for note in r['notes']:
        print(f'note: {note}')
    for err in r['errors']:
        print(f'ERROR: {err}')


def finish(result):
    for key, (fig, base) in RATIOS.items():
        f, b = result.get(fig), result.get(base)
        result[key] = f / b if f is not None and b else None
    result['ratios'] = {k: list(v) for k, v in RATIOS.items()
                        if result.get(k) is not None}
    if result.get('infer_samples_per_s'):
        result['infer_gym288_test_s'] = (GYM288_TEST_SAMPLES /
                                         result['infer_samples_per_s'])
    targets = []
    for name, key, op, threshold, devices in TARGETS:
        if result['device'] not in devices:
            continue
        value = result.get(key)
        met = None if value is None else {
            '>=': value >= threshold, '<=': value <= threshold,
            '<': value < threshold}[op]
        targets.append(dict(name=name, figure=key, op=op, target=threshold,
                            value=value, met=met))
    result['targets'] = targets


# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------


def main(argv=None):
    args = parse_args(argv)
    t_start = time.perf_counter()
    if args.threads:
        torch.set_num_threads(args.threads)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)

    import finetec_mm  # noqa: F401  (registers components)
    import mmaction
    from mmengine.registry import init_default_scope
    init_default_scope('mmaction')

    result = dict(
        device=args.device, device_name=device_name(args.device),
        torch_version=torch.__version__, mmaction_version=mmaction.__version__,
        python_version=platform.python_version(), batch_size=args.batch_size,
        clip_len=args.clip_len, num_classes=args.num_classes,
        num_person=args.num_person, threads=torch.get_num_threads(),
        amp=args.amp, iters=args.iters, warmup=args.warmup, quick=args.quick,
        num_workers=args.num_workers, infer_batch_size=args.infer_batch_size,
        infer_clips=args.infer_clips, pipeline_samples=args.pipeline_samples,
        pipeline_passes=args.pipeline_passes, config=args.config,
        pipeline_config=args.pipeline_config,
        baseline_config=args.baseline_config, notes=[], errors=[])

    def attempt(what, fn, *a, **kw):
        try:
            return fn(*a, **kw)
        except Exception as err:  # noqa: BLE001  (reported at the end)
            msg = f'{what}: {type(err).__name__}: {err}'
            result['errors'].append(msg.splitlines()[0][:500])
            log(f'FAILED {msg}')
            return None

    # --- configs, models -------------------------------------------------
    log('building models')
    cfgs = dict(finetec=load_config(args.config, args),
                baseline=load_config(args.baseline_config, args))
    if args.infer_clips is None:
        args.infer_clips = test_num_clips(cfgs['finetec'])
        result['infer_clips'] = args.infer_clips
    if args.pipeline_config:
        cfgs['finetec_pipelined'] = load_config(args.pipeline_config, args)
    runs = {}
    for name, cfg in cfgs.items():
        model = build_model(cfg, args.device)
        result[f'params_{name}'] = count_params(model)
        runs[name] = dict(
            model=model, cfg=cfg, optim=build_optim(model, cfg, args.amp),
            channels=input_channels(model),
            drop_ratio=corruption_ratio(cfg) if is_hosted(model) else 0.0,
            clip_len_required=hosted_clip_len(model))
    for run in runs.values():
        if getattr(run['model'], 'completion', None) is not None:
            result['params_completion'] = count_params(
                run['model'].completion)
    result['params_trainable'] = {
        name: sum(p.numel() for p in run['model'].parameters()
                  if p.requires_grad) for name, run in runs.items()}
    result['params_by_module_finetec'] = {
        child: count_params(module) for child, module in
        runs['finetec']['model'].named_children()}
    for name, run in runs.items():
        need = run['clip_len_required']
        if need is not None and need != args.clip_len:
            result['notes'].append(
                f'{name} model: skipped, its completion network was trained '
                f'for {need}-frame clips, not {args.clip_len}')
    log('models: ' + ', '.join(
        f'{k} {result["params_" + k] / 1e6:.2f} M params' for k in cfgs))

    # --- data pipeline (CPU, one thread) ---------------------------------
    tmp = tempfile.TemporaryDirectory(prefix='finetec_bench_')
    pipelines = dict(baseline=plain_pipeline(args))
    for name in ('finetec', 'finetec_pipelined'):
        if name not in cfgs:
            continue
        need = pipeline_clip_len(cfgs[name])
        if need is None or need == args.clip_len:
            pipelines[name] = train_pipeline(cfgs[name])
        else:
            result['notes'].append(
                f'{name} pipeline: skipped, its completion network was '
                f'trained for {need}-frame clips, not {args.clip_len}')
    t0 = time.perf_counter()
    pkl = generate_samples(args, tmp.name)
    log(f'data: {args.pipeline_samples} demo samples generated in '
        f'{time.perf_counter() - t0:.1f} s')
    datasets = {name: build_dataset(pkl, p, args)
                for name, p in pipelines.items()}
    rates = attempt('pipeline', bench_pipelines, datasets, args) or {}
    result['pipeline_samples_per_s'] = rates.get('finetec')
    result['pipeline_samples_per_s_baseline'] = rates.get('baseline')
    result['pipeline_samples_per_s_pipelined'] = rates.get(
        'finetec_pipelined')
    result['pipeline_finetec'] = [s['type'] for s in pipelines.get(
        'finetec', [])]
    result['pipeline_baseline'] = [s['type'] for s in pipelines['baseline']]

    # --- train steps -----------------------------------------------------
    step_runs = {k: v for k, v in runs.items()
                 if v['clip_len_required'] in (None, args.clip_len)}
    step_errors = {}
    out = attempt('train step', bench_train_steps, step_runs, args,
                  args.batch_size, args.clip_len, args.num_person, True,
                  step_errors)
    result['errors'].extend(step_errors.values())
    times, memory, method = out or ({}, {}, None)
    for name, key in (('finetec', 'train_step_s'),
                      ('baseline', 'train_step_s_baseline'),
                      ('finetec_pipelined', 'train_step_s_pipelined')):
        result[key] = times.get(name)
        result['peak_memory_mb_' + name] = memory.get(name)
        result[f'peak_memory_mb_{name}_process'] = memory.get(
            name + '_process_peak')
    result['peak_memory_method'] = (
        f'{method} during one train step above the allocation before it, '
        'plus parameters, buffers, gradients and optimizer state'
        if method else None)
    result['peak_rss_mb_process'] = resource.getrusage(
        resource.RUSAGE_SELF).ru_maxrss / 1024

    # --- end to end --------------------------------------------------------
    e2e = {}
    for name in ('baseline', 'finetec', 'finetec_pipelined'):
        if name not in datasets or name not in times:
            continue
        log(f'end to end: {name} ({args.num_workers} workers, '
            f'{args.warmup}+{args.iters} batches)')
        e2e[name] = attempt(f'end to end {name}', bench_end_to_end,
                            datasets[name], step_runs[name], args)
        if e2e[name]:
            log(f'end to end: {name} {e2e[name]:.1f} samples/s')
    result['train_samples_per_s'] = e2e.get('finetec')
    result['train_samples_per_s_baseline'] = e2e.get('baseline')
    result['train_samples_per_s_pipelined'] = e2e.get('finetec_pipelined')
    estimate = {}
    for name in e2e:
        step, rate = times.get(name), rates.get(name)
        if step and rate:
            model_rate = args.batch_size / step
            estimate[name] = (min(model_rate, rate * args.num_workers)
                              if args.num_workers else
                              1 / (1 / model_rate + 1 / rate))
    result['train_samples_per_s_estimate'] = estimate
    result['notes'].append(
        'train_samples_per_s_estimate = 1 / (step_s / batch + 1 / pipeline '
        'rate) without workers, min(batch / step_s, workers x pipeline rate) '
        'with them')

    # --- inference -------------------------------------------------------
    infer_errors = {}
    rates_inf = attempt('inference', bench_inference, step_runs, args,
                        infer_errors) or {}
    result['errors'].extend(infer_errors.values())
    result['infer_variant'] = ('hosted' if is_hosted(runs['finetec']['model'])
                               else 'pipelined')
    result['infer_samples_per_s'] = rates_inf.get('finetec')
    result['infer_samples_per_s_pipelined'] = rates_inf.get(
        'finetec_pipelined')
    result['infer_samples_per_s_baseline'] = rates_inf.get('baseline')

    # --- FLOPs -----------------------------------------------------------
    log('counting FLOPs')
    attempt('FLOPs', bench_flops, step_runs, args, result)
    if result.get('flops_errors'):
        for name, err in result['flops_errors'].items():
            result['notes'].append(f'FLOPs of {name} not counted: {err}')
    result['notes'].append(
        'FLOPs: mmengine.analysis.FlopAnalyzer (+ a handle for '
        'scaled_dot_product_attention), one multiply-add = one FLOP (fvcore '
        'convention), forward of one sample (1 clip); element-wise ops are '
        'not counted (flops_unsupported_ops lists them)')

    # --- sweep -------------------------------------------------------------
    if args.sweep:
        result['sweep'] = attempt('sweep', bench_sweep, runs, args,
                                  result['errors'])

    result['elapsed_s'] = time.perf_counter() - t_start
    finish(result)
    print_table(result)
    log(f'done in {result["elapsed_s"]:.0f} s')
    if args.json:
        os.makedirs(osp.dirname(osp.abspath(args.json)), exist_ok=True)
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=2)
        log(f'wrote {args.json}')
    tmp.cleanup()
    return 1 if result['errors'] else 0


if __name__ == '__main__':
    sys.exit(main())
