"""Fit the linear-fallback gate of a completion model on a frozen network.

    python tools/fit_fallback_gate.py configs/completion/icl_cmu_fallback.py \\
        checkpoints/icl_cmu-29a119f9.pth --loao --work-dir work_dirs/icl_cmu_fallback

The config's model is a ``LinearFallbackCompletionModel``; its network,
prior and prompt pool are loaded from the frozen checkpoint (an
``ICLCompletionModel`` checkpoint: only the ``gate.*`` entries may be
missing from it) and only the gate (``LinearFallbackGate``, a few hundred
parameters) is fitted.

Fitting data: the clips of ``--fit`` (``ANN_FILE:SPLIT``; default: the
config's val split, takes the network never trained on), each corrupted at
every level of ``--levels`` with the test protocol's deterministic drops.
Loss (``fit_gate``): the squared error of ``linear + g * (net - linear)``
on the missing frames relative to linear interpolation's, plus
``--velocity-weight`` times that of the velocities, per clip or pooled or
per worst group (``--objective``), plus ``--weight-decay`` times the
squared weights; full batch, Adam, ``--iters`` steps, seed ``--seed``.

``--loao``: before the final fit, leave-one-action-out selection of the
objective (``--objectives``) and weight decay (``--weight-decays``): for
each label of the fitting data, the gate is fitted on the other labels and
scored on the held-out one (the worse of the MPJPE and MPJVE ratios to
linear, worst level); the pair whose worst held-out label is best is kept.
The gate must learn to close on motion it was not fitted on. Each
held-out fit is also scored with the gate's dead zone (``threshold``: gate
values below it become 0, the output linear interpolation) set to each of
``--dead-zones`` after fitting; the triple (objective, decay, dead zone)
with the best worst held-out label (then the best mean) is kept, and the
final gate is fitted on all the data and given that dead zone, which is
written into the saved config.

Edge cap (``LinearFallbackGate(edge_cap=...)``): after the final fit, the
gate on the missing frames before the first / after the last observed frame
of a clip (linear interpolation holds the nearest pose there) is bounded by
``--edge-cap``. With ``--edge-caps``, the largest of them whose missing-frame
MPJPE and MPJVE ratios to linear are at most 1 at every level, on the
fitting data per label and pooled and on each ``--cap-check`` split pooled
(e.g. a zero-shot split of motion the network never saw), is taken (none
passing: the smallest). Neither changes the fitted weights: the cap is off
while fitting, as the dead zone is; it is written into the saved config.

``--eval ANN_FILE:SPLIT`` prints, for the fitted gate, the missing-frame
MPJPE / MPJVE ratios to linear per level and label (a quick check; the
reported tables come from ``tools/analysis/restoration_table.py``).

The output, ``WORK_DIR/gate.pth``, is a checkpoint with the whole model's
``state_dict`` and the config in its meta (as ``tools/train.py`` writes it), ready for
``tools/publish_checkpoint.py``.
"""
import argparse
import copy
import json
import os
import os.path as osp

import sys

import numpy as np
import torch

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import finetec_mm  # noqa: E402,F401  (registers components)
from finetec_mm.engine import protocol, recompose  # noqa: E402
from finetec_mm.engine.safe_checkpoint import (  # noqa: E402
    DIGEST_KEY, content_digest, encode, load_from_local_safe)
from finetec_mm.evaluation.restoration_metric import isotropic  # noqa: E402
from finetec_mm.functional.linear_fallback import FEATURE_NAMES  # noqa: E402
from finetec_mm.models.completion.linear_fallback import (  # noqa: E402
    LEVELS, OBJECTIVES, fit_gate)
from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402

from mmaction.registry import DATASETS, MODELS  # noqa: E402

def load_frozen(cfg, checkpoint):
    """The config's model with the network, prior and pool of
    ``checkpoint``; everything frozen but the gate."""
    model = MODELS.build(dict(copy.deepcopy(cfg.model), bank=None))
    state = load_from_local_safe(checkpoint, map_location='cpu')
    missing, unexpected = model.load_state_dict(state['state_dict'],
                                                strict=False)
    if unexpected or any(not k.startswith('gate.') for k in missing):
        raise ValueError(f'{checkpoint!r} does not fit the model: missing '
                         f'{missing}, unexpected {unexpected}')
    model.eval().requires_grad_(False)
    model.gate.requires_grad_(True)
    return model


def parse_spec(spec, cfg):
    ann, _, split = spec.rpartition(':')
    return dict(ann_file=ann or cfg.test_dataloader.dataset.ann_file,
                split=split)


@torch.no_grad()
def collect(model, cfg, level, dataset, batch=256):
    """Gate inputs of every clip of ``dataset`` at ``level`` (dict of
    tensors: ``net``, ``linear``, ``gt``, ``mask``, ``features``,
    ``scale``, ``iso`` (C, ) per clip, ``label``, ``level``)."""
    cfg = protocol.at_level(cfg, level)
    ds_cfg = copy.deepcopy(cfg.test_dataloader.dataset)
    ds_cfg.update(dataset)
    ds = DATASETS.build(ds_cfg)
    clips, masks, gts, isos, labels = [], [], [], [], []
    for i in range(len(ds)):
        item = ds[i]
        s = item['data_samples']
        clips.append(torch.as_tensor(np.asarray(item['inputs'])))
        masks.append(torch.as_tensor(np.asarray(s['frame_mask'], bool)))
        gts.append(torch.as_tensor(np.asarray(s['gt_keypoint'],
                                              np.float32)))
        isos.append(torch.as_tensor(isotropic(np.ones(2), s.get(
            'img_shape'))).float())
        labels.append(int(s.get('label', -1)))
    x, m = torch.stack(clips), torch.stack(masks)
    parts = [model.gate_inputs(x[i:i + batch], m[i:i + batch])
             for i in range(0, len(x), batch)]
    out = {k: torch.cat([p[k] for p in parts]) for k in parts[0]}
    out.update(gt=torch.stack(gts), mask=m, iso=torch.stack(isos),
               label=torch.tensor(labels),
               level=torch.full((len(x), ), LEVELS.index(level)))
    return out


def cat(datas):
    return {k: torch.cat([d[k] for d in datas]) for k in datas[0]}


def subset(data, keep):
    return {k: v[keep] for k, v in data.items()}


def blended(gate, data):
    g = gate(data['features'])[:, :, None, None]
    return data['linear'] + g * (data['net'] - data['linear'])


@torch.no_grad()
def ratios(gate, data):
    """Missing-frame MPJPE and MPJVE of the gated completion and of linear
    (isotropic units, as ``RestorationMetric``), per level and label:
    {(level, label or 'all'): (mpjpe, mpjve, lin_mpjpe, lin_mpjve,
    clips)}."""
    pred = blended(gate, data)
    iso = data['iso'][:, None, None, :]
    miss = ~data['mask']
    vmiss = miss[:, 1:] | miss[:, :-1]

    def sums(x):
        d = (x - data['gt']) * iso
        e = d.norm(dim=-1).sum(-1)  # (N, T)
        v = d.diff(dim=1).norm(dim=-1).sum(-1)
        return (e * miss).sum(1), (v * vmiss).sum(1)

    pe, pv = sums(pred)
    le, lv = sums(data['linear'])
    n_e, n_v = miss.sum(1).double(), vmiss.sum(1).double()
    out = {}
    for level in data['level'].unique().tolist():
        at = data['level'] == level
        groups = [('all', at)] + [(int(lb), at & (data['label'] == lb))
                                  for lb in data['label'][at].unique()]
        for name, sel in groups:
            ne, nv = n_e[sel].sum(), n_v[sel].sum()
            out[(LEVELS[level], name)] = (
                float(pe[sel].sum() / ne), float(pv[sel].sum() / nv),
                float(le[sel].sum() / ne), float(lv[sel].sum() / nv),
                int(sel.sum()))
    return out


def worst_ratio(table):
    return max(max(v[0] / v[2], v[1] / v[3]) for v in table.values())


def print_table(table, title):
    print(f'\n{title}\n{"level":<10}{"label":>8}{"clips":>7}'
          f'{"MPJPE":>9}{"ratio":>7}{"MPJVE":>9}{"ratio":>7}')
    for (level, label), (e, v, le, lv, n) in table.items():
        print(f'{level:<10}{str(label):>8}{n:>7}{e:>9.4f}{e / le:>7.3f}'
              f'{v:>9.4f}{v / lv:>7.3f}')


def save(model, cfg, path, info):
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    ckpt = dict(state_dict=state, meta=encode(dict(
        cfg=cfg.pretty_text, iter=0, fallback_gate=json.dumps(info))))
    ckpt[DIGEST_KEY] = content_digest(ckpt)
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    torch.save(ckpt, path)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint', help='frozen network checkpoint')
    parser.add_argument('--work-dir', required=True,
                        help='writes WORK_DIR/gate.pth')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries')
    parser.add_argument('--fit', nargs='+', help='ANN_FILE:SPLIT (default: '
                        "the config's val split)")
    parser.add_argument('--eval', nargs='*', default=[],
                        help='ANN_FILE:SPLIT to print ratios on')
    parser.add_argument('--eval-json', help='write the --eval ratios here')
    parser.add_argument('--levels', nargs='+', default=list(LEVELS),
                        choices=LEVELS)
    parser.add_argument('--iters', type=int, default=400)
    parser.add_argument('--lr', type=float, default=0.05)
    parser.add_argument('--weight-decay', type=float, default=1e-3)
    parser.add_argument('--objective', default='clip',
                        choices=OBJECTIVES)
    parser.add_argument('--weight-decays', type=float, nargs='+',
                        default=[1e-3, 1e-2])
    parser.add_argument('--objectives', nargs='+', choices=OBJECTIVES,
                        default=list(OBJECTIVES))
    parser.add_argument('--velocity-weight', type=float, default=2.0)
    parser.add_argument('--dead-zone', type=float, default=0.,
                        help="the gate's threshold (without --loao)")
    parser.add_argument('--dead-zones', type=float, nargs='+',
                        default=[0., .15, .25, .35, .5, .65])
    parser.add_argument('--loao', action='store_true')
    parser.add_argument('--edge-cap', type=float, default=None,
                        help="the gate's bound on the clip's edge frames "
                        '(default: none)')
    parser.add_argument('--edge-caps', type=float, nargs='+',
                        help='select the largest edge cap never worse than '
                        'linear on the fitting data and --cap-check')
    parser.add_argument('--cap-check', nargs='*', default=[],
                        help='ANN_FILE:SPLIT also scored (pooled) for '
                        '--edge-caps')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--cache', help='torch file caching the gate inputs '
                        'of the fitting data (reused if it exists)')
    return parser.parse_args(argv)


def gather(model, cfg, specs, levels, cache=None):
    if cache and osp.isfile(cache):
        return torch.load(cache)
    data = cat([collect(model, cfg, level, parse_spec(s, cfg))
                for s in specs for level in levels])
    if cache:
        os.makedirs(osp.dirname(osp.abspath(cache)), exist_ok=True)
        torch.save(data, cache)
    return data


def select_edge_cap(model, cfg, data, args):
    """The largest of ``args.edge_caps`` never worse than linear (MPJPE and
    MPJVE, every level) on ``data`` per label and pooled and on each
    ``args.cap_check`` split pooled; none passing: the smallest."""
    checks = [('fit', data)] + [
        (spec, cat([collect(model, cfg, level, parse_spec(
            spec if ':' in spec else ':' + spec, cfg))
            for level in args.levels])) for spec in args.cap_check]
    caps = sorted(args.edge_caps)
    keep = caps[0]
    for cap in caps:
        model.gate.edge_cap = float(cap)
        worst = []
        for name, d in checks:
            table = ratios(model.gate, d)
            if name != 'fit':
                table = {k: v for k, v in table.items() if k[1] == 'all'}
            worst.append(worst_ratio(table))
        print(f'edge cap {cap:g}: worst ratio ' + ' '.join(
            f'{name} {w:.6f}' for (name, _), w in zip(checks, worst)),
            flush=True)
        if max(worst) <= 1:
            keep = cap
    model.gate.edge_cap = None
    print(f'selected: edge cap {keep:g}')
    return keep


def main(argv=None):
    args = parse_args(argv)
    init_default_scope('mmaction')
    torch.set_num_threads(max(1, int(os.environ.get('OMP_NUM_THREADS', 1))))
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
        recompose(cfg)
    model = load_frozen(cfg, args.checkpoint)
    model.gate.edge_cap = None  # off while fitting, set after
    specs = args.fit or [':' + cfg.val_dataloader.dataset.split]
    specs = [s if ':' in s else ':' + s for s in specs]
    data = gather(model, cfg, specs, args.levels, args.cache)
    print(f'fitting data: {len(data["mask"])} clips, features '
          f'{FEATURE_NAMES}', flush=True)
    kw = dict(iters=args.iters, lr=args.lr,
              velocity_weight=args.velocity_weight, seed=args.seed)
    info = dict(fit=specs, levels=args.levels, checkpoint=osp.basename(
        args.checkpoint), **kw)
    choice = (args.objective, args.weight_decay, args.dead_zone)
    if args.loao:
        labels = data['label'].unique().tolist()
        worst = {}
        for objective in args.objectives:
            for wd in args.weight_decays:
                for lb in labels:
                    fit_gate(model.gate, subset(data, data['label'] != lb),
                             weight_decay=wd, objective=objective, **kw)
                    held = subset(data, data['label'] == lb)
                    for zone in args.dead_zones:
                        model.gate.threshold = zone
                        table = ratios(model.gate, held)
                        worst.setdefault((objective, wd, zone), []).append(
                            worst_ratio({k: v for k, v in table.items()
                                         if k[1] == 'all'}))
                    model.gate.threshold = 0.
        for key, values in worst.items():
            print(f'LOAO {key[0]} weight decay {key[1]:g} dead zone '
                  f'{key[2]:g}: held-out worst ratio per label ' +
                  ' '.join(f'{w:.3f}' for w in values) +
                  f'; max {max(values):.3f}', flush=True)
        choice = min(worst, key=lambda c: (max(worst[c]),
                                           float(np.mean(worst[c]))))
        info['loao'] = {f'{o} {wd:g} {z:g}': v
                        for (o, wd, z), v in worst.items()}
        print(f'selected: objective {choice[0]}, weight decay '
              f'{choice[1]:g}, dead zone {choice[2]:g}')
    info['objective'], info['weight_decay'], info['dead_zone'] = choice
    model.gate.threshold = 0.
    loss = fit_gate(model.gate, data, objective=choice[0],
                    weight_decay=choice[1], **kw)
    model.gate.threshold = choice[2]
    edge_cap = args.edge_cap
    if args.edge_caps:
        edge_cap = select_edge_cap(model, cfg, data, args)
    model.gate.edge_cap = None if edge_cap is None else float(edge_cap)
    info['edge_cap'] = edge_cap
    cfg.model.gate = dict(cfg.model.get('gate') or {}, threshold=choice[2],
                          edge_cap=edge_cap)
    print(f'final fit loss {loss:.4f}')
    print_table(ratios(model.gate, data), 'fitting data (in-sample)')
    evals = {}
    for spec in args.eval:
        spec = spec if ':' in spec else ':' + spec
        ev = cat([collect(model, cfg, level, parse_spec(spec, cfg))
                  for level in args.levels])
        table = ratios(model.gate, ev)
        print_table(table, f'eval {spec}')
        evals[spec] = [dict(level=lv, label=lb, clips=n, mpjpe_missing=e,
                            mpjve_missing=v, linear_mpjpe_missing=le,
                            linear_mpjve_missing=lve)
                       for (lv, lb), (e, v, le, lve, n) in table.items()]
    if args.eval_json:
        with open(args.eval_json, 'w') as f:
            json.dump(dict(info, eval=evals), f, indent=2)
    out = osp.join(args.work_dir, 'gate.pth')
    save(model, cfg, out, info)
    print(f'wrote {out}')
    return out


if __name__ == '__main__':
    main()
