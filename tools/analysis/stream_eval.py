"""Early-recognition curves of a checkpoint under the causal stream
protocol (docs/streaming.md#protocol).

    python tools/analysis/stream_eval.py CONFIG CHECKPOINT [--split test]
        [--level severe] [--pattern consistent|burst] [--every 4]
        [--window 3s] [--hop 1] [--json OUT.json] [--cfg-options ...]

Every ``--every``-th sequence of the split (all by default) is replayed
frame by frame through ``StreamRecognizer`` with its frames dropped at
``--level`` (default: the config's corruption level) by the
sequence-consistent rule (the part of the timeline the offline test
reveals) or by the raw-stage burst model; printed: top-1 accuracy when
25 / 50 / 75 / 100 % of the sequence has been seen (the latest prediction
at that point; none yet counts as wrong), the share of sequences with a
prediction by then, the offline 1-clip accuracy on the whole sequence with
the same frames, and the latency per push (median / p99).
"""
import argparse
import json
import os
import os.path as osp
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


def parse_args(argv=None):
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--split', help="default: the config's test split")
    parser.add_argument('--level', choices=('none', 'minor', 'moderate',
                                            'severe'),
                        help="default: the config's corruption level")
    parser.add_argument('--pattern', choices=('consistent', 'burst'),
                        default='consistent')
    parser.add_argument('--every', type=int, default=1,
                        help='replay every N-th sequence (default 1: all)')
    parser.add_argument('--window', default='3s')
    parser.add_argument('--hop', type=int, default=1)
    parser.add_argument('--min-observed', type=int, default=4)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--json', help='write the result to this file')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(argv)
    if args.every < 1:
        parser.error('--every must be >= 1')
    return args


def main(argv=None):
    args = parse_args(argv)
    import finetec_mm  # noqa: F401
    from finetec_mm.apis import (StreamRecognizer, early_recognition,
                                 load_config, load_input)
    from finetec_mm.engine import CheckpointError
    from finetec_mm.functional.corruption import CORRUPTION_LEVELS
    try:
        cfg = load_config(args.config, args.cfg_options)
        data = cfg.test_dataloader.dataset
        split = args.split or data.get('split')
        level = args.level or (cfg.get('corruption') or {}).get('level',
                                                                 'none')
        annos = load_input(data.ann_file, 17, split,
                           cfg.get('num_classes', None))[::args.every]
        stream = StreamRecognizer(cfg, args.checkpoint, window=args.window,
                                  hop=args.hop,
                                  min_observed=args.min_observed)
    except (CheckpointError, FileNotFoundError, ValueError) as err:
        raise SystemExit(f'error: {err}') from None
    from mmengine.utils import ProgressBar
    bar = ProgressBar(len(annos), file=sys.stderr)
    out = early_recognition(stream, annos,
                            CORRUPTION_LEVELS.get(level, 0.0), args.pattern,
                            args.seed, progress=lambda *_: bar.update())
    sys.stderr.write('\n')
    out.update(config=args.config, checkpoint=args.checkpoint, split=split,
               level=level, every=args.every, window=stream.window,
               hop=stream.hop, min_observed=stream.min_observed)
    acc, ans = out['accuracy'], out['answered']
    print(f"{args.config}: {split}, {out['num_samples']} sequences "
          f'(every {args.every}), {level} {args.pattern} drops '
          f"({100 * out['observed_share']:.1f} % of frames arrive), window "
          f'{stream.window} frames, hop {stream.hop}')
    print('seen        ' + '  '.join(f'{100 * float(f):5.0f}%' for f in acc))
    print('top-1       ' + '  '.join(f'{v:6.3f}' for v in acc.values()))
    print('predicting  ' + '  '.join(f'{v:6.3f}' for v in ans.values()))
    print(f"offline 1-clip, whole sequence: "
          f"{out['offline_1clip_accuracy']:.3f}")
    lat = out['latency_ms']
    print(f"latency per push: median {lat['median']:.1f} ms, p99 "
          f"{lat['p99']:.1f} ms ({lat['pushes']} pushes)")
    if args.json:
        os.makedirs(osp.dirname(osp.abspath(args.json)), exist_ok=True)
        with open(args.json, 'w') as f:
            json.dump(out, f, indent=2)
        print(f'wrote {args.json}')
    return out


if __name__ == '__main__':
    main()
