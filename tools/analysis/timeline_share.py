"""How much of each sequence a test protocol reveals.

    python tools/analysis/timeline_share.py CONFIG [--num-samples 100]
        [--clips 1 10] [--cfg-options KEY=VALUE ...] [--json OUT.json]

Runs the config's test pipeline up to its ``SkeletonCorrupt`` step on the
first ``--num-samples`` samples of the test split, with every number of
clips in ``--clips`` and both clip-mask protocols (``shared``, the
default, and ``independent``), and prints per protocol:

* frames kept per clip (mean);
* distinct clip positions observed over the sample's clips (of
  ``clip_len``);
* the share of the raw timeline observed: distinct raw frames that any
  clip shows / ``total_frames`` (mean over samples).

With the sequence-consistent protocol the share does not grow with the
number of clips; with independent clip masks it does, which is why that
protocol is weaker (docs/corruption_protocol.md).
"""
import argparse
import copy
import json
import os.path as osp
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import numpy as np  # noqa: E402

STOP = ('GapFill', 'ICLCompletion', 'DecompositionAugment', 'GenSkeFeat',
        'FormatGCNInput', 'PackActionInputs', 'TestTimePerturb')


def parse_args(argv=None):
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('--num-samples', type=int, default=100)
    parser.add_argument('--clips', type=int, nargs='+', default=[1, 10])
    parser.add_argument('--json', help='write the rows to this file')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(argv)


def corruption_pipeline(cfg, num_clips, clip_masks):
    """The test pipeline up to (and with) SkeletonCorrupt, ``num_clips``
    clips, the given protocol."""
    steps = []
    for step in cfg.test_dataloader.dataset.pipeline:
        if step['type'] in STOP:
            break
        step = copy.deepcopy(dict(step))
        if step['type'] == 'UniformSampleFrames':
            step['num_clips'] = num_clips
        if step['type'] == 'SkeletonCorrupt':
            step['clip_masks'] = clip_masks
        steps.append(step)
    if not any(s['type'] == 'SkeletonCorrupt' for s in steps):
        raise SystemExit('error: the test pipeline has no SkeletonCorrupt '
                         '(a clean config reveals everything)')
    return steps


def measure(dataset, num_samples):
    """Mean kept frames per clip, observed positions and timeline share."""
    kept, positions, share = [], [], []
    for idx in range(min(num_samples, len(dataset))):
        res = dataset[idx]
        clip_len, num_clips = res['clip_len'], res.get('num_clips', 1)
        keep = np.asarray(res['frame_mask'], bool).reshape(num_clips,
                                                           clip_len)
        raw = np.asarray(res['frame_inds']) - res.get('start_index', 0)
        raw = np.mod(raw, res['total_frames'])
        kept.append(keep.sum(1).mean())
        positions.append(keep.any(0).sum())
        share.append(len(np.unique(raw[keep.ravel()])) /
                     res['total_frames'])
    return dict(kept_per_clip=float(np.mean(kept)),
                positions=float(np.mean(positions)),
                share=float(np.mean(share)),
                share_std=float(np.std(share)), samples=len(share))


def main(argv=None):
    args = parse_args(argv)
    import finetec_mm  # noqa: F401  (registers components)
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from finetec_mm.engine import protocol
    from mmaction.registry import DATASETS
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
        if protocol.touches_composition(args.cfg_options):
            protocol.recompose(cfg)
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    rows = []
    for clip_masks in ('shared', 'independent'):
        for num_clips in args.clips:
            dataset_cfg = copy.deepcopy(cfg.test_dataloader.dataset)
            dataset_cfg.pipeline = corruption_pipeline(cfg, num_clips,
                                                       clip_masks)
            row = dict(clip_masks=clip_masks, num_clips=num_clips)
            row.update(measure(DATASETS.build(dataset_cfg),
                               args.num_samples))
            rows.append(row)
            print(f"{clip_masks:<12} {num_clips:>3} clips: "
                  f"{row['kept_per_clip']:.2f} frames kept per clip, "
                  f"{row['positions']:.2f} positions observed, "
                  f"{100 * row['share']:.1f} % of the timeline "
                  f"(± {100 * row['share_std']:.1f}, {row['samples']} "
                  'samples)', flush=True)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(dict(config=args.config, rows=rows), f, indent=2)
        print(f'wrote {args.json}')
    return rows


if __name__ == '__main__':
    main()
