"""Latency per ``StreamRecognizer.push`` of FineTec (hosted completion) and
ST-GCN in the same run.

    python tools/analysis/stream_latency.py [--num-samples 4]
        [--window 16] [--hop 1] [--drop-level severe] [--threads 1]
        [--json OUT.json]

Both models replay the same demo test sequences frame by frame (frames
dropped by the sequence-consistent rule at ``--drop-level``; a prediction
every ``--hop`` frames), alternating per sequence so that both see the same
load on a shared machine. Reported per model, over the pushes that return
a prediction (a push before ``min_observed`` frames costs next to
nothing): wall-clock milliseconds per push (median, p99) and CPU
milliseconds per push (median; the process's CPU time, which other jobs on
the cores inflate far less than wall-clock time), with the machine (CPU
model, cores, torch threads, load average). Checkpoints are optional:
the cost does not depend on the weights (a config's hosted completion
checkpoint is always loaded).
"""
import argparse
import json
import os
import os.path as osp
import platform
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--finetec-config',
                        default='configs/finetec_demo_severe.py')
    parser.add_argument('--finetec-checkpoint')
    parser.add_argument('--stgcn-config',
                        default='configs/stgcn_demo_severe_interp.py')
    parser.add_argument('--stgcn-checkpoint')
    parser.add_argument('--input', default='data/demo/finetec_demo.pkl')
    parser.add_argument('--split', default='test')
    parser.add_argument('--num-samples', type=int, default=4)
    parser.add_argument('--window', default='16')
    parser.add_argument('--hop', type=int, default=1)
    parser.add_argument('--drop-level', default='severe',
                        choices=('none', 'minor', 'moderate', 'severe'))
    parser.add_argument('--threads', type=int, default=1,
                        help='torch threads (default 1)')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--json', help='write the results to this file')
    return parser.parse_args(argv)


def machine(device: str) -> dict:
    import torch
    sys.path.insert(0, osp.join(ROOT, 'tools', 'analysis'))
    from benchmarking.report import device_name
    return dict(device=device, device_name=device_name(
        'cuda' if device.startswith('cuda') else 'cpu'),
        cpu_count=os.cpu_count(), torch_threads=torch.get_num_threads(),
        torch_version=torch.__version__,
        python_version=platform.python_version())


def running_processes() -> int:
    """Other processes on a core or waiting for one now (Linux
    ``/proc/loadavg``; -1 where it cannot be read): unlike the load
    average, which decays over a minute, it shows whether the cores were
    shared during the measurement."""
    try:
        with open('/proc/loadavg') as f:
            return int(f.read().split()[3].split('/')[0]) - 1
    except (OSError, IndexError, ValueError):
        return -1


def measure(stream, xyz, keep, stats):
    """Replay one sequence (:func:`~finetec_mm.apis.stream.replay`); append
    the wall / CPU seconds of every push that predicts."""
    from finetec_mm.apis.stream import replay
    out = replay(stream, xyz, keep)
    for wall, cpu, predicted in zip(out['latency'], out['cpu'],
                                    out['predicted']):
        if predicted:  # pushes that predict (the cost that counts)
            stats['wall'].append(wall)
            stats['cpu'].append(cpu)
    stats['pushes'] += len(out['latency'])


def main(argv=None):
    args = parse_args(argv)
    import numpy as np
    import torch
    torch.set_num_threads(args.threads)

    import finetec_mm  # noqa: F401
    from finetec_mm.apis import StreamRecognizer, load_input
    from finetec_mm.apis.stream import protocol_keep
    from finetec_mm.functional.corruption import CORRUPTION_LEVELS
    try:
        annos = load_input(args.input, 17, args.split)[:args.num_samples]
        models = dict(
            finetec=StreamRecognizer(args.finetec_config,
                                     args.finetec_checkpoint, args.device,
                                     window=args.window, hop=args.hop),
            stgcn=StreamRecognizer(args.stgcn_config, args.stgcn_checkpoint,
                                   args.device, window=args.window,
                                   hop=args.hop))
    except (FileNotFoundError, ValueError) as err:
        raise SystemExit(f'error: {err}') from None
    ratio = CORRUPTION_LEVELS.get(args.drop_level, 0.0)
    stats = {k: dict(wall=[], cpu=[], pushes=0) for k in models}
    load, running = [os.getloadavg()[0]], [running_processes()]
    for i, anno in enumerate(annos):
        xyz = np.concatenate([anno['keypoint'][0],
                              anno['keypoint_score'][0][..., None]], -1)
        keep = protocol_keep(len(xyz), anno['frame_dir'], ratio)
        for key, stream in models.items():
            stream.img_shape = anno.get('img_shape')
            if i == 0:  # warm-up pass, not counted
                measure(stream, xyz, keep, dict(wall=[], cpu=[], pushes=0))
            measure(stream, xyz, keep, stats[key])
    load.append(os.getloadavg()[0])
    running.append(running_processes())
    result = dict(machine=machine(args.device), window=args.window,
                  hop=args.hop, drop_level=args.drop_level,
                  num_samples=len(annos), load_average_1min=load,
                  other_running_processes=running,
                  models={})
    print(f"machine: {result['machine']['device_name']}, "
          f"{result['machine']['cpu_count']} cores, torch threads "
          f"{result['machine']['torch_threads']}, load average "
          f'{load[0]:.1f} -> {load[1]:.1f}, other running processes '
          f'{running[0]} -> {running[1]}')
    print(f'window {args.window} frames, hop {args.hop}, drops '
          f'{args.drop_level}, {len(annos)} sequences')
    print(f"{'model':<10} {'pushes':>6} {'preds':>6} {'median ms':>10} "
          f"{'p99 ms':>8} {'CPU median ms':>14}")
    for key, s in stats.items():
        wall, cpu = np.asarray(s['wall']) * 1e3, np.asarray(s['cpu']) * 1e3
        row = dict(pushes=s['pushes'], predictions=len(wall),
                   median_ms=float(np.median(wall)),
                   p99_ms=float(np.percentile(wall, 99)),
                   cpu_median_ms=float(np.median(cpu)))
        result['models'][key] = row
        print(f"{key:<10} {row['pushes']:>6} {row['predictions']:>6} "
              f"{row['median_ms']:>10.1f} {row['p99_ms']:>8.1f} "
              f"{row['cpu_median_ms']:>14.1f}")
    if args.json:
        os.makedirs(osp.dirname(osp.abspath(args.json)), exist_ok=True)
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=2)
        print(f'wrote {args.json}')
    return result


if __name__ == '__main__':
    main()
