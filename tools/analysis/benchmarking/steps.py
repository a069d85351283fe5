"""Training steps, DataLoader-fed training, inference and the cost
sweep, each against the baseline in the same run."""

import statistics
import time

import torch

from .common import log
from .inputs import make_batch, make_inputs
from .timing import PeakMemory, state_bytes, sync


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


def compile_train_step(run, args):
    """A copy of the FineTec ``run`` (model and optimizer wrapper) whose
    ``train_step`` is ``torch.compile``'d with ``--compile``'s backend, as
    mmengine's Runner does with ``compile=dict(backend=...)``, and the
    seconds of its first step on a batch of the timed shape (compilation
    included; the timed steps then reuse the compiled code)."""
    import copy

    from .models import build_optim
    model = copy.deepcopy(run['model'])
    compiled = dict(run, model=model,
                    optim=build_optim(model, run['cfg'], args.amp))
    model.train_step = torch.compile(model.train_step, backend=args.compile)
    gen = torch.Generator().manual_seed(args.seed)
    x = make_inputs(args.batch_size, 1, args.num_person, args.clip_len,
                    run['channels'], args.device, run['drop_ratio'], gen)
    labels = torch.randint(args.num_classes, (args.batch_size, ),
                           generator=gen)
    model.train()
    sync(args.device)
    t0 = time.perf_counter()
    model.train_step(make_batch(x, labels), compiled['optim'])
    sync(args.device)
    return compiled, time.perf_counter() - t0


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
