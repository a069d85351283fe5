"""How much of the drop mask a FineTec model's pseudo-acceleration re-encodes.

    python tools/analysis/accel_mask_share.py CONFIG [--num-samples 200]
        [--smoothing 0 1 2] [--cfg-options KEY=VALUE ...] [--json OUT.json]

Runs the config's test pipeline (one clip per sample, the config's
corruption) and the model's hosted completion on the first
``--num-samples`` samples, then prints, for each number of smoothing passes
of :func:`~finetec_mm.models.heads.lagrangian_accel_head.temporal_smooth`,
the mean |â| (per joint, normalised coordinates per frame²) on observed
and on restored frames and their ratio. A ratio near 1 means the
acceleration stream does not tell restored frames from observed ones by
its size (the model gets that from its observed channel instead).
"""
import argparse
import json
import os.path as osp
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


def parse_args(argv=None):
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('--num-samples', type=int, default=200)
    parser.add_argument('--smoothing', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--json', help='write the rows to this file')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(argv)


def accel_rows(model, raw, smoothing):
    """Rows of |â| on observed / restored frames of hosted-completed clips.

    ``raw`` (N, 1, M, T, V, 3) S_corrupt as the test pipeline gives it."""
    import torch
    from finetec_mm.models.heads.lagrangian_accel_head import (
        pseudo_acceleration, temporal_smooth)
    observed = (raw[..., 2] > 0).any(-1).reshape(-1, raw.shape[-3])  # N·M, T
    with torch.no_grad():
        made = model.hosted_inputs(raw)
    T, V = made.shape[-3:-1]
    base = made[..., :2].reshape(-1, T, V, 2)
    has_obs = observed.any(1)
    restored = ~observed & has_obs[:, None]
    rows = []
    for passes in smoothing:
        acc = pseudo_acceleration(temporal_smooth(base, passes)).norm(dim=-1)
        acc = acc.mean(-1)  # N·M, T (mean over joints)
        on_obs = acc[observed & has_obs[:, None]].mean().item()
        on_res = acc[restored].mean().item()
        rows.append(dict(smoothing=passes, observed=on_obs, restored=on_res,
                         ratio=on_res / on_obs))
    return rows


def main(argv=None):
    args = parse_args(argv)
    import torch
    from mmengine.config import Config
    from mmengine.dataset import pseudo_collate
    from mmengine.registry import init_default_scope

    import finetec_mm  # noqa: F401
    from finetec_mm.engine import recompose
    from mmaction.registry import DATASETS, MODELS
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    for step in cfg.test_dataloader.dataset.pipeline:
        if step['type'] == 'UniformSampleFrames':
            step['num_clips'] = 1
    recompose(cfg)
    if cfg.model.get('completion') is None:
        sys.exit(f'{args.config}: the model hosts no completion network')
    init_default_scope('mmaction')
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    model = MODELS.build(cfg.model).eval()
    n = min(args.num_samples, len(dataset))
    batch = pseudo_collate([dataset[i] for i in range(n)])
    raw = torch.stack(batch['inputs'])
    rows = accel_rows(model, raw, args.smoothing)
    print(f'{args.config}: {n} samples, one clip each')
    print('smoothing  |a| observed  |a| restored  restored/observed')
    for r in rows:
        print(f"{r['smoothing']:9d}  {r['observed']:12.4f}  "
              f"{r['restored']:12.4f}  {r['ratio']:17.2f}")
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(dict(config=args.config, samples=n, rows=rows), f,
                      indent=1)


if __name__ == '__main__':
    main()
