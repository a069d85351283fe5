"""Replay a pose file as a live stream through ``StreamRecognizer``.

Example::

    python tools/stream.py configs/finetec_demo_severe.py \\
        work_dirs/finetec_demo_severe/epoch_16.pth \\
        data/demo/finetec_demo.pkl --split test --sample 0 --fast \\
        --drop-level severe

INPUT is any format ``tools/infer.py`` reads (docs/inference.md); from a
file with several sequences ``--sample`` picks one (id or position). Frame
``t`` is pushed at ``t / --input-fps`` seconds, in real time (sleeping
between frames) or with ``--fast`` as fast as possible (with a progress
bar). Pose-estimator output streams every candidate of a frame, so the
person is tracked live. ``--drop-level`` / ``--drop-ratio`` drop extra
frames (they never arrive) by the sequence-consistent rule of the
corruption protocol or, with ``--drop-pattern burst``, in bursts. The label
is printed whenever it changes, with its time stamp; ``--plot`` writes a
picture of the top-k scores over time with observed / missing frames
marked (docs/streaming.md).
"""
import argparse
import json
import os
import os.path as osp
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


def parse_args(argv=None):
    from mmengine.config import DictAction

    from finetec_mm import cli
    from finetec_mm.apis.stream import (DEFAULT_FPS, DEFAULT_HOP,
                                        DEFAULT_MIN_OBSERVED,
                                        DEFAULT_SMOOTHING, DEFAULT_WINDOW)
    from finetec_mm.functional.corruption import CORRUPTION_LEVELS
    parser = argparse.ArgumentParser(
        description='Replay a pose file as a live stream')
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('input', help='.json (ours, MMPose, COCO results), '
                        '.pkl, .npy, .npz or an OpenPose folder')
    parser.add_argument('--sample', default='0',
                        help='sequence to replay: its id or position '
                        '(default 0, the first)')
    parser.add_argument('--split', help='.pkl input: the split to read')
    parser.add_argument('--fast', action='store_true',
                        help='push frames as fast as possible (progress '
                        'bar) instead of in real time')
    parser.add_argument('--input-fps', type=float,
                        help='frame rate of the file (default: --fps)')
    parser.add_argument('--fps', type=float, default=DEFAULT_FPS,
                        help=f'model frame grid (default {DEFAULT_FPS:g})')
    parser.add_argument('--window', default=DEFAULT_WINDOW,
                        help="frames ('16') or seconds ('3s'); default "
                        f'{DEFAULT_WINDOW}')
    parser.add_argument('--hop', type=int, default=DEFAULT_HOP)
    parser.add_argument('--min-observed', type=int,
                        default=DEFAULT_MIN_OBSERVED)
    parser.add_argument('--smoothing', type=float, default=DEFAULT_SMOOTHING)
    parser.add_argument('--topk', type=int, default=3)
    parser.add_argument('--person', type=cli.person_choice,
                        help="pose-estimator output: 'auto' (default) "
                        'follows the largest person by box overlap, N '
                        'takes track id / candidate N; skeleton files: the '
                        'first person (0) unless given')
    parser.add_argument('--img-shape', type=int, nargs=2, metavar=('H', 'W'))
    drop = parser.add_mutually_exclusive_group()
    drop.add_argument('--drop-level', choices=sorted(CORRUPTION_LEVELS),
                      help='drop extra frames at this corruption level')
    drop.add_argument('--drop-ratio', type=float,
                      help='drop this share of extra frames')
    parser.add_argument('--drop-pattern', choices=('consistent', 'burst'),
                        default='consistent')
    parser.add_argument('--burst-len', type=int, nargs=2, default=(4, 16),
                        metavar=('LOW', 'HIGH'))
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--plot', help='PNG of the scores over time '
                        '(default work_dirs/stream/<sample>.png)')
    parser.add_argument('--json', help='write every prediction to this file')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--label-map')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(argv)
    if args.drop_ratio is not None and not 0 <= args.drop_ratio < 1:
        parser.error('--drop-ratio must be in [0, 1)')
    if args.topk < 1:
        parser.error('--topk must be >= 1')
    return args


def pick(streams, sample: str):
    for s in streams:
        if s['frame_dir'] == sample:
            return s
    if sample.isdigit() and int(sample) < len(streams):
        return streams[int(sample)]
    raise ValueError(f'no sample {sample!r} (ids: '
                     f"{', '.join(s['frame_dir'] for s in streams[:5])}"
                     f"{', ...' if len(streams) > 5 else ''}; or a position "
                     f'below {len(streams)})')


def plot(path, times, preds, observed, names, topk, title):
    """Scores over time of k classes (the end label, then the highest
    peaks; a score holds until the next prediction), observed / missing
    frames as a strip below, label changes as dotted lines."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    import numpy as np
    fig, (ax, strip) = plt.subplots(
        2, 1, figsize=(9, 4.5), sharex=True,
        gridspec_kw=dict(height_ratios=[5, 1]))
    if preds:
        pt = np.array([p['time'] for p in preds])
        scores = np.stack([p['scores'] for p in preds])
        final = int(scores[-1].argmax())  # the end label, then the
        best = [final] + [int(c) for c in np.argsort(  # highest peaks
            -scores.max(0), kind='stable') if c != final][:topk - 1]
        for c in best:
            ax.step(pt, scores[:, c], where='post', label=names(int(c)))
        top1 = scores.argmax(1)
        for i in np.flatnonzero(np.diff(top1)) + 1:
            ax.axvline(pt[i], color='grey', ls=':', lw=0.8)
        ax.legend(loc='upper left', fontsize=8)
    ax.set_ylabel('score')
    ax.set_ylim(0, 1)
    ax.set_title(title, fontsize=9)
    obs = np.asarray(observed, bool)
    strip.vlines(np.asarray(times)[obs], 0, 1, color='tab:green', lw=1)
    strip.vlines(np.asarray(times)[~obs], 0, 1, color='tab:red', lw=1)
    strip.set_yticks([])
    strip.set_ylabel('frames', fontsize=8)
    strip.set_xlabel('time (s): green observed, red missing')
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None):
    args = parse_args(argv)
    import numpy as np

    import finetec_mm  # noqa: F401
    from finetec_mm.apis import StreamRecognizer, graph_joints, load_config
    from finetec_mm.apis.stream import (grid_index, load_stream,
                                        protocol_keep)
    from finetec_mm.datasets.label_map import class_name
    from finetec_mm.engine import CheckpointError
    from finetec_mm.functional.corruption import CORRUPTION_LEVELS
    try:
        cfg = load_config(args.config, args.cfg_options)
        if not osp.isfile(args.checkpoint):
            raise FileNotFoundError(f'checkpoint file {args.checkpoint!r} '
                                    'does not exist')
        streams = load_stream(args.input, graph_joints(cfg), args.split)
        seq = pick(streams, args.sample)
        person = args.person
        if person is None:  # skeleton files hold persons, not detections
            person = 'auto' if seq['tracked'] else 0
        img_shape = args.img_shape or seq.get('img_shape')
        stream = StreamRecognizer(
            cfg, args.checkpoint, args.device, fps=args.fps,
            window=args.window, hop=args.hop,
            min_observed=args.min_observed, smoothing=args.smoothing,
            topk=args.topk, person=person, img_shape=img_shape,
            label_map=args.label_map, name=seq['frame_dir'])
    except (CheckpointError, FileNotFoundError, ValueError) as err:
        raise SystemExit(f'error: {err}') from None
    frames, T = seq['frames'], len(seq['frames'])
    ratio = (CORRUPTION_LEVELS[args.drop_level] if args.drop_level else
             args.drop_ratio or 0.0)
    clip_len = next((s.get('clip_len', 16) for s in cfg.test_pipeline
                     if s.get('type') == 'UniformSampleFrames'), 16)
    keep = protocol_keep(T, seq['frame_dir'], ratio, args.drop_pattern,
                         clip_len, args.seed, tuple(args.burst_len))
    fps_in = args.input_fps or args.fps

    def name(c):
        return class_name(c, stream.names)

    truth = ('' if seq.get('label') is None else
             f" [label: {name(int(seq['label']))}]")
    print(f"{seq['frame_dir']}: {T} frames at {fps_in:g} fps, "
          f'{int((~keep).sum())} dropped ({args.drop_pattern}), window '
          f'{stream.window} frames, hop {stream.hop}{truth}')
    stream.reset(start=0.0)  # frames before the first arrival are missing
    bar = None
    if args.fast:
        from mmengine.utils import ProgressBar
        bar = ProgressBar(T, file=sys.stderr)
    preds, latency, observed, times, label = [], [], [], [], None
    start = time.perf_counter()
    try:
        for t in range(T):
            stamp = t / fps_in
            if not args.fast:
                time.sleep(max(0.0, start + stamp - time.perf_counter()))
            times.append(stamp)
            if keep[t] or t == T - 1:  # a dropped last frame: nobody
                tic = time.perf_counter()
                pred = stream.push(frames[t] if keep[t] else None, stamp)
                latency.append(time.perf_counter() - tic)
                if pred is not None:
                    preds.append(pred)
                    if pred['topk_indices'][0] != label:
                        label = pred['topk_indices'][0]
                        msg = (f"[{stamp:7.2f} s] {pred['topk_names'][0]} "
                               f"({pred['topk_scores'][0]:.3f}), "
                               f"{pred['num_observed']}/"
                               f"{pred['num_frames']} frames observed")
                        if bar is not None:
                            sys.stderr.write('\n')
                        print(msg, flush=True)
            slot = grid_index(stamp, stream.origin, stream.fps)
            observed.append(bool(keep[t]) and slot in stream._frames)
            if bar is not None:
                bar.update()
    except ValueError as err:
        raise SystemExit(f'error: {err}') from None
    if bar is not None:
        sys.stderr.write('\n')
    lat = np.asarray(latency) * 1e3
    print(f'{len(preds)} predictions, {stream.stats["pushed"]} pushes; '
          f'latency per push median {np.median(lat):.1f} ms, p99 '
          f'{np.percentile(lat, 99):.1f} ms')
    if preds:
        last = preds[-1]
        print('end: ' + ', '.join(f'{n} ({s:.3f})' for n, s in zip(
            last['topk_names'], last['topk_scores'])))
    path = args.plot or osp.join('work_dirs', 'stream',
                                 f"{seq['frame_dir']}.png")
    plot(path, times, preds, observed, name, args.topk,
         f"{seq['frame_dir']}: top-{args.topk} scores, window "
         f'{stream.window} frames, {int((~keep).sum())}/{T} frames dropped')
    print(f'wrote {path}')
    if args.json:
        with open(args.json, 'w', encoding='utf-8') as f:
            json.dump(dict(sample=seq['frame_dir'], label=seq.get('label'),
                           predictions=[{k: (v.tolist() if hasattr(
                               v, 'tolist') else v) for k, v in p.items()}
                               for p in preds]), f)
        print(f'wrote {args.json}')
    return preds


if __name__ == '__main__':
    main()
