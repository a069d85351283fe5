"""Speed, size and memory of FineTec against MMAction2's ST-GCN, every
figure next to a baseline measured in the same run.

Examples::

    python tools/analysis/benchmark.py --device cpu --json bench_cpu.json
    python tools/analysis/benchmark.py --device cuda --amp --json bench_gpu.json
    python tools/analysis/benchmark.py --device cpu --quick      # smoke run
    python tools/analysis/benchmark.py --device cpu --sweep      # + cost growth
    python tools/analysis/benchmark.py --device cpu --compile    # + compiled step

What is measured (docs/benchmarks.md explains each figure and the targets):

* ``pipeline_ratio``: samples/s of FineTec's *training* data pipeline (the
  config's, as it composes it: SkeletonCorrupt and plain joint features
  for the default configs, whose recognizer hosts completion and
  decomposition; + ICLCompletion, DecompositionAugment for the
  ``*_pipeline`` configs) over samples/s of MMAction2's
  plain skeleton training pipeline (PreNormalize2D, GenSkeFeat joint,
  UniformSampleFrames, PoseDecode, FormatGCNInput, PackActionInputs), on the
  same generated demo samples, one process, one thread.
* ``train_step_ratio``: seconds of one training step (data preprocessor,
  forward, backward, optimizer step) of the FineTec model over the ST-GCN
  baseline's, same batch, clip length and classes, synthetic inputs already
  on the device.
* ``compile_train_step_ratio`` (``--compile [BACKEND]``): seconds of the
  FineTec training step ``torch.compile``'d as ``tools/train.py --compile``
  runs it (mmengine compiles ``train_step``) over the eager step, timed
  interleaved in the same run; ``compile_first_step_s`` is the first
  compiled step, compilation included.
* ``train_samples_per_s``: a DataLoader-fed training loop (pipeline in
  ``--num-workers`` workers, 0 = in this process) for FineTec and for the
  baseline (plain pipeline + ST-GCN).
* ``infer_samples_per_s``: predict mode on the device (with a hosted
  completion + decomposition they are included), data loading excluded.
* parameters, FLOPs (mmengine's counter: multiply-adds of convolutions,
  matmuls, ... per sample) and peak training memory (Table 10 of the paper).

The code lives in ``tools/analysis/benchmarking/``: ``models`` (configs,
pipelines, models), ``pipelines`` (data-pipeline throughput), ``steps``
(training steps, end-to-end training, inference, sweep), ``model_cost``
(FLOPs), ``timing`` / ``inputs`` (helpers) and ``report`` (table, ratios,
targets); this file is the command line.
"""
import argparse
import json
import os
import os.path as osp
import platform
import random
import resource
import sys
import tempfile
import time

HERE = osp.dirname(osp.abspath(__file__))
ROOT = osp.dirname(osp.dirname(HERE))
for path in (ROOT, HERE):
    if path not in sys.path:
        sys.path.insert(0, path)

import numpy as np  # noqa: E402
import torch  # noqa: E402

from benchmarking.common import (DEFAULT_BASELINE, DEFAULT_CONFIG,  # noqa
                                 DEFAULT_PIPELINED, log)
from benchmarking.inputs import corruption_ratio  # noqa: E402
from benchmarking.model_cost import bench_flops  # noqa: E402
from benchmarking.models import (build_model, build_optim,  # noqa: E402
                                 count_params, hosted_clip_len,
                                 input_channels, is_hosted, load_config,
                                 pipeline_clip_len, plain_pipeline,
                                 test_num_clips, train_pipeline)
from benchmarking.pipelines import (bench_pipelines, build_dataset,  # noqa
                                    generate_samples)
from benchmarking.report import device_name, finish, print_table  # noqa
from benchmarking.steps import (bench_end_to_end, bench_inference,  # noqa
                                bench_sweep, bench_train_steps,
                                compile_train_step)


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
    parser.add_argument(
        '--compile', nargs='?', const='inductor', metavar='BACKEND',
        help="also time the FineTec train step torch.compile'd with BACKEND "
        "(default inductor), as tools/train.py --compile runs it, against "
        'the eager step of the same run (compile_train_step_ratio)')
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
    result['compile_backend'] = args.compile
    if args.compile and 'finetec' in step_runs:
        log(f'compiling the FineTec train step (backend {args.compile}); '
            'inductor takes minutes on a CPU')
        out = attempt('compile', compile_train_step, step_runs['finetec'],
                      args)
        if out:
            step_runs['finetec_compiled'], result['compile_first_step_s'] = out
            log(f'first compiled step: {out[1]:.1f} s')
    step_errors = {}
    out = attempt('train step', bench_train_steps, step_runs, args,
                  args.batch_size, args.clip_len, args.num_person, True,
                  step_errors)
    result['errors'].extend(step_errors.values())
    times, memory, method = out or ({}, {}, None)
    for name, key in (('finetec', 'train_step_s'),
                      ('baseline', 'train_step_s_baseline'),
                      ('finetec_pipelined', 'train_step_s_pipelined'),
                      ('finetec_compiled', 'train_step_s_compiled')):
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
    eager_runs = {k: v for k, v in step_runs.items()
                  if k != 'finetec_compiled'}
    rates_inf = attempt('inference', bench_inference, eager_runs, args,
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
    attempt('FLOPs', bench_flops, eager_runs, args, result)
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
