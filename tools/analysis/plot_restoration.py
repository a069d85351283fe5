"""Restoration montage of a completion checkpoint (the paper's Figure 5).

Example::

    python tools/analysis/plot_restoration.py configs/completion/icl_demo.py \\
        checkpoints/icl_demo-a35cca84.pth --num-samples 3 --level severe \\
        --out docs/images/restoration_demo_severe.png

For each chosen sample of the config's test split (``--samples`` by
``frame_dir``, default the first ``--num-samples``), one clip of ``T``
frames (``T`` = the checkpoint's ``clip_len``) is taken as the test
pipelines do (``PreNormalize2D`` coordinates, ``UniformSampleFrames`` in
test mode, ``PoseDecode``), corrupted with the deterministic test-mode
``SkeletonCorrupt`` drops of ``--level``, and restored by linear
interpolation and by the in-context completion network. The figure has one
block per sample with four rows (ground truth / corrupted / linear / ICL)
over ``--clip-frames`` frames of the clip; the completed rows label each
sample's MPJPE on the missing frames (``RestorationMetric``'s
``mpjpe_missing``, in its isotropic units: half the image height).
"""
import argparse
import os
import os.path as osp
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import numpy as np  # noqa: E402

LEVELS = ('minor', 'moderate', 'severe')

# COCO-17: 0 nose, 1/2 eyes, 3/4 ears, 5/6 shoulders, 7/8 elbows,
# 9/10 wrists, 11/12 hips, 13/14 knees, 15/16 ankles (odd = left).
BONES = (
    ((0, 1), 'head'), ((0, 2), 'head'), ((1, 3), 'head'), ((2, 4), 'head'),
    ((5, 6), 'center'), ((11, 12), 'center'),
    ((5, 7), 'left'), ((7, 9), 'left'), ((5, 11), 'left'),
    ((11, 13), 'left'), ((13, 15), 'left'),
    ((6, 8), 'right'), ((8, 10), 'right'), ((6, 12), 'right'),
    ((12, 14), 'right'), ((14, 16), 'right'),
)
# Observed (and ground-truth) frames vs. frames a method reconstructed.
PALETTE = {
    'observed': dict(left='#1f5fbf', right='#d62728', head='#2ca02c',
                     center='#555555'),
    'restored': dict(left='#8e44ad', right='#ff8c00', head='#00a5a5',
                     center='#8c6d31'),
}
GT_GREY = '#9a9a9a'
ROWS = ('ground truth', 'corrupted', 'linear', 'ICL')
CELL_W, CELL_H = 1.15, 1.45  # inches per panel (upright athletes)


def parse_args(argv=None):
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='completion config')
    parser.add_argument('checkpoint', help='completion checkpoint')
    parser.add_argument('--samples', nargs='+', metavar='NAME',
                        help='frame_dir of the samples to draw')
    parser.add_argument('--num-samples', type=int, default=3,
                        help='without --samples: the first N test samples')
    parser.add_argument('--level', default='severe', choices=LEVELS)
    parser.add_argument('--clip-frames', type=int, default=8,
                        help='frames (columns) shown per clip')
    parser.add_argument('--out', default='restoration.png')
    parser.add_argument('--dpi', type=int, default=110)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries')
    args = parser.parse_args(argv)
    if args.num_samples < 1:
        parser.error('--num-samples must be >= 1')
    if args.clip_frames < 1:
        parser.error('--clip-frames must be >= 1')
    return args


def load_samples(ann_file, split, names, num):
    """The annotations of ``names`` (or the first ``num`` of ``split``)."""
    import mmengine
    if not osp.isfile(ann_file):
        raise FileNotFoundError(f'annotation file {ann_file!r} does not exist')
    data = mmengine.load(ann_file)
    annos = data['annotations'] if isinstance(data, dict) else data
    by_name = {a['frame_dir']: a for a in annos}
    if split is not None:
        splits = data.get('split', {}) if isinstance(data, dict) else {}
        if split not in splits:
            raise ValueError(f'split {split!r} not in {ann_file} (has '
                             f'{list(splits)})')
        order = list(splits[split])
    else:
        order = [a['frame_dir'] for a in annos]
    if names:
        unknown = [n for n in names if n not in by_name]
        if unknown:
            raise KeyError(f"sample{'s' if len(unknown) > 1 else ''} "
                           f"{', '.join(map(repr, unknown))} not in "
                           f'{ann_file}')
        in_split = set(order)
        for name in names:
            if name not in in_split:
                print(f'note: sample {name!r} is not in split {split!r} of '
                      f'{ann_file}; drawing it anyway')
        return [by_name[n] for n in names]
    missing = [n for n in order[:num] if n not in by_name]
    if missing:
        raise KeyError(f'split {split!r} of {ann_file} names samples without '
                       f'annotation: {missing}')
    if not order:
        raise ValueError(f'split {split!r} of {ann_file} is empty')
    return [by_name[n] for n in order[:num]]


def prepare_clip(anno, clip_len, level):
    """Normalise, sample one test clip and corrupt it.

    Returns:
        dict: ``gt`` (M, T, V, 2) clean clip (frames missing in the data
        itself linearly interpolated, as ``SkeletonBank`` does),
        ``corrupt`` (M, T, V, 2), ``mask`` (T, ) bool, True = observed.
    """
    from mmaction.registry import TRANSFORMS
    from finetec_mm.datasets.transforms import SkeletonCorrupt, fill_gaps
    name = anno['frame_dir']
    kp = np.asarray(anno['keypoint'], np.float32)[..., :2]
    score = anno.get('keypoint_score')
    score = (np.ones(kp.shape[:3], np.float32) if score is None else
             np.asarray(score, np.float32))
    h, w = anno['img_shape'][:2]
    kp = kp.copy()
    kp[..., 0] = (kp[..., 0] - w / 2) / (w / 2)
    kp[..., 1] = (kp[..., 1] - h / 2) / (h / 2)
    present = (score != 0).reshape(score.shape[0], -1).any(-1)
    if not present.any():
        raise ValueError(f'sample {name!r} has no observed keypoint')
    kp, score = kp[present], score[present]
    results = dict(frame_dir=name, keypoint=kp, keypoint_score=score,
                   total_frames=int(anno.get('total_frames', kp.shape[1])),
                   start_index=0)
    results['total_frames'] = min(results['total_frames'], kp.shape[1])
    state = np.random.get_state()  # UniformSampleFrames reseeds np.random
    try:
        results = TRANSFORMS.build(dict(
            type='UniformSampleFrames', clip_len=clip_len, num_clips=1,
            test_mode=True))(results)
        results = TRANSFORMS.build(dict(type='PoseDecode'))(results)
    finally:
        np.random.set_state(state)
    gt = results['keypoint'].astype(np.float32)
    for m in range(gt.shape[0]):  # gaps of the data itself
        seen = (results['keypoint_score'][m] != 0).any(-1)
        if seen.any() and not seen.all():
            gt[m] = fill_gaps(gt[m:m + 1], seen)[0][0]
    results['keypoint'] = gt.copy()
    results.update(clip_len=clip_len, num_clips=1)
    results = SkeletonCorrupt(level=level, test_mode=True)(results)
    return dict(gt=gt, corrupt=results['keypoint'].astype(np.float32),
                mask=np.asarray(results['frame_mask'], bool))


def mpjpe_missing(pred, gt, mask, img_shape=None):
    """``RestorationMetric``'s ``mpjpe_missing`` of one clip, all persons
    pooled: mean joint L2 error over the missing frames, in its isotropic
    units (half the image height)."""
    from finetec_mm.evaluation.restoration_metric import restoration_sums
    if mask.all():
        return float('nan')
    sums = [restoration_sums(p, g, mask, img_shape) for p, g in zip(pred, gt)]
    return float(sum(s['mpjpe_missing'] for s in sums) /
                 sum(s['mpjpe_missing_n'] for s in sums))


def choose_frames(mask, n):
    """``n`` evenly spaced frame indices that include missing frames (and
    observed ones, where the clip has both), in temporal order."""
    T = len(mask)
    n = min(n, T)
    picks = list(np.unique(np.round(np.linspace(0, T - 1, n)).astype(int)))
    n_miss = int((~mask).sum())
    if n_miss == 0 or n_miss == T:
        return [int(t) for t in picks]
    want_miss = min(n_miss, n - 1, max(1, int(round(n * n_miss / T))))
    want_obs = min(T - n_miss, n - want_miss)

    def rebalance(picks, want, kind):
        # swap the pick nearest to each needed frame of `kind`
        have = [t for t in picks if mask[t] != kind]
        pool = [t for t in range(T) if mask[t] != kind and t not in picks]
        while len(have) < want and pool:
            others = [t for t in picks if mask[t] == kind]
            if len(others) <= (want_obs if kind else want_miss):
                break
            # the candidate farthest from the current picks of its kind
            cand = max(pool, key=lambda t: min(
                [abs(t - s) for s in have] or [T]))
            drop = min(others, key=lambda s: abs(s - cand))
            picks = sorted(set(picks) - {drop} | {cand})
            have.append(cand)
            pool.remove(cand)
        return picks

    picks = rebalance(picks, want_miss, True)   # need missing (mask False)
    picks = rebalance(picks, want_obs, False)   # need observed
    return sorted(int(t) for t in picks)


def draw_skeleton(ax, pose, palette=None, color=None, lw=1.6, alpha=1.0,
                  zorder=2, joints=True):
    """One person's pose (V, 2) in normalised image coordinates."""
    for (a, b), side in BONES:
        ax.plot(pose[[a, b], 0], pose[[a, b], 1],
                color=color or palette[side], lw=lw, alpha=alpha,
                solid_capstyle='round', zorder=zorder)
    if joints:
        ax.scatter(pose[:, 0], pose[:, 1], s=5, color=color or '#222222',
                   alpha=alpha, zorder=zorder + 0.5, linewidths=0)


def panel_limits(*clips, aspect=1.0, pad=0.1):
    """Per-frame limits (T, 2, 2) of panels ``aspect`` = width / height:
    one size for the whole clip (the largest single-frame extent of any
    clip, so the scale is shared), each centred on that frame's joints of
    every given (M, T, V, 2) clip."""
    pts = np.concatenate([c.transpose(1, 0, 2, 3).reshape(
        c.shape[1], -1, 2) for c in clips], axis=1)  # (T, N, 2)
    lo, hi = np.nanmin(pts, 1), np.nanmax(pts, 1)
    ext = (hi - lo).max(0) / 2 * (1 + pad) + 1e-3  # (x, y) half extents
    half_y = max(ext[1], ext[0] / aspect)
    half = np.array([half_y * aspect, half_y])
    centre = (lo + hi) / 2
    return np.stack([centre - half, centre + half], -1)  # (T, xy, lo/hi)


def plot_montage(blocks, frames_per_clip, title, out, dpi):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    ncols = max(len(b['frames']) for b in blocks)
    label_w = 1.45
    cell_w = min(CELL_W, (2300 / dpi - label_w) / ncols)
    fig_w = label_w + ncols * cell_w
    block_h = len(ROWS) * CELL_H + 0.45
    fig_h = len(blocks) * block_h + 0.45 + 0.6
    fig = plt.figure(figsize=(fig_w, fig_h), dpi=dpi)
    # Title strip, one subfigure per sample, legend strip.
    heights = [0.45] + [block_h] * len(blocks) + [0.6]
    strips = fig.subfigures(len(heights), 1, height_ratios=heights,
                            hspace=0.0)
    strips[0].suptitle(title, fontsize=12, y=0.5, va='center')
    subfigs, legend_fig = strips[1:-1], strips[-1]
    for sub, block in zip(subfigs, blocks):
        frames, mask = block['frames'], block['mask']
        sub.suptitle(block['header'], fontsize=10, x=label_w / fig_w / 2 +
                     0.5 * (1 - label_w / fig_w), y=0.995, va='top',
                     fontweight='bold')
        axes = sub.subplots(len(ROWS), ncols, squeeze=False)
        sub.subplots_adjust(left=label_w / fig_w, right=0.995,
                            top=1 - 0.42 / block_h, bottom=0.02,
                            wspace=0.04, hspace=0.06)
        for r, row in enumerate(ROWS):
            for c in range(ncols):
                ax = axes[r, c]
                ax.set_xticks([])
                ax.set_yticks([])
                for spine in ax.spines.values():
                    spine.set_color('#dddddd')
                    spine.set_linewidth(0.6)
                if c >= len(frames):
                    ax.set_visible(False)
                    continue
                t = frames[c]
                (x0, x1), (y0, y1) = block['limits'][t]
                ax.set_xlim(x0, x1)
                ax.set_ylim(y1, y0)  # image y axis points down
                ax.set_aspect('equal')
                seen = bool(mask[t])
                if r == 0:
                    ax.set_title(f't={t} ' + ('observed' if seen else
                                              'missing'),
                                 fontsize=7.5, pad=2,
                                 color='#333333' if seen else '#b0306b')
                if row == 'ground truth':
                    for pose in block['gt'][:, t]:
                        draw_skeleton(ax, pose, PALETTE['observed'])
                elif row == 'corrupted':
                    if seen:
                        for pose in block['corrupt'][:, t]:
                            draw_skeleton(ax, pose, PALETTE['observed'])
                    else:
                        ax.set_facecolor('#f2f2f2')
                        ax.text(0.5, 0.5, 'missing', transform=ax.transAxes,
                                ha='center', va='center', fontsize=8,
                                color='#999999', style='italic')
                else:
                    pred = block['linear' if row == 'linear' else 'icl']
                    if seen:
                        for pose in pred[:, t]:
                            draw_skeleton(ax, pose, PALETTE['observed'])
                    else:
                        ax.set_facecolor('#fbf7ee')
                        for pose in block['gt'][:, t]:
                            draw_skeleton(ax, pose, color=GT_GREY, lw=2.4,
                                          alpha=0.45, zorder=1,
                                          joints=False)
                        for pose in pred[:, t]:
                            draw_skeleton(ax, pose, PALETTE['restored'])
                if c == 0:
                    label = row
                    if row == 'linear':
                        label += f"\n(MPJPE {block['err_linear']:.3f})"
                    elif row == 'ICL':
                        label += f"\n(MPJPE {block['err_icl']:.3f})"
                    elif row == 'corrupted':
                        label += (f"\n({int((~mask).sum())}/{len(mask)} "
                                  'missing)')
                    ax.set_ylabel(label, fontsize=9, rotation=0, ha='right',
                                  va='center', labelpad=6)
    obs, res = PALETTE['observed'], PALETTE['restored']
    handles = [
        Line2D([], [], color=obs['left'], lw=2, label='left (observed)'),
        Line2D([], [], color=obs['right'], lw=2, label='right (observed)'),
        Line2D([], [], color=obs['head'], lw=2, label='head (observed)'),
        Line2D([], [], color=res['left'], lw=2, label='left (restored)'),
        Line2D([], [], color=res['right'], lw=2, label='right (restored)'),
        Line2D([], [], color=res['head'], lw=2, label='head (restored)'),
        Line2D([], [], color=GT_GREY, lw=2.4, alpha=0.6,
               label='ground truth (under restored)'),
    ]
    legend_fig.legend(handles=handles, loc='upper center', ncol=4,
                      fontsize=8, frameon=False, bbox_to_anchor=(0.5, 1.0))
    legend_fig.text(0.5, 0.04,
             f'MPJPE: mean joint error on the missing frames, normalised '
             f'image coordinates; {frames_per_clip}-frame clips',
             ha='center', va='bottom', fontsize=7.5, color='#555555')
    out_dir = osp.dirname(osp.abspath(out))
    os.makedirs(out_dir, exist_ok=True)
    fig.savefig(out, dpi=dpi, facecolor='white')
    plt.close(fig)


def main(argv=None):
    args = parse_args(argv)
    if not osp.isfile(args.checkpoint):
        raise SystemExit(f'error: checkpoint {args.checkpoint!r} does not '
                         'exist')
    if not osp.isfile(args.config):
        raise SystemExit(f'error: config {args.config!r} does not exist')

    import torch
    import finetec_mm  # noqa: F401  (registers components)
    from mmengine.config import Config
    from finetec_mm.datasets.transforms import fill_gaps
    from finetec_mm.datasets.transforms.icl_completion import \
        build_completion_model

    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    dataset = cfg.test_dataloader.dataset
    ann_file, split = dataset.ann_file, dataset.get('split')
    try:
        annos = load_samples(ann_file, split, args.samples, args.num_samples)
    except (KeyError, ValueError, FileNotFoundError) as err:
        msg = err.args[0] if err.args else str(err)
        raise SystemExit(f'error: {msg}') from None
    try:
        model = build_completion_model(args.checkpoint)
    except Exception as err:  # a wrong or damaged checkpoint
        raise SystemExit(f'error: cannot load completion checkpoint '
                         f'{args.checkpoint!r}: {err}') from None
    clip_len = int(model.net.clip_len)

    blocks = []
    for anno in annos:
        name = anno['frame_dir']
        try:
            clip = prepare_clip(anno, clip_len, args.level)
        except Exception as err:
            raise SystemExit(f'error: sample {name!r} of {ann_file}: '
                             f'{err}') from None
        gt, corrupt, mask = clip['gt'], clip['corrupt'], clip['mask']
        linear = fill_gaps(corrupt, mask, 'linear')[0]
        with torch.no_grad():
            icl = model.complete(
                torch.from_numpy(np.ascontiguousarray(corrupt)),
                torch.from_numpy(np.broadcast_to(
                    mask, corrupt.shape[:2]).copy())).numpy()
        # observed frames stay as given (the network may touch them)
        icl = np.where(mask[None, :, None, None], corrupt, icl)
        img_shape = tuple(anno['img_shape'][:2])
        err_lin = mpjpe_missing(linear, gt, mask, img_shape)
        err_icl = mpjpe_missing(icl, gt, mask, img_shape)
        label = anno.get('label')
        header = name if label is None else f'{name}  (label {label})'
        blocks.append(dict(
            name=name, header=header, gt=gt, corrupt=corrupt, mask=mask,
            linear=linear, icl=icl, err_linear=err_lin, err_icl=err_icl,
            frames=choose_frames(mask, args.clip_frames),
            limits=panel_limits(gt, linear, icl, aspect=CELL_W / CELL_H)))

    title = (f'Restoration of {args.level} corruption '
             f'({clip_len}-frame clips) - checkpoint '
             f'{osp.basename(args.checkpoint)}')
    plot_montage(blocks, clip_len, title, args.out, args.dpi)
    print(f'wrote {args.out}')
    print(f"{'sample':<28} {'missing':>8} {'linear':>8} {'ICL':>8}")
    for b in blocks:
        print(f"{b['name']:<28} {int((~b['mask']).sum()):>4}/"
              f"{len(b['mask']):<3} {b['err_linear']:>8.4f} "
              f"{b['err_icl']:>8.4f}")
    if len(blocks) > 1:
        print(f"{'mean':<28} {'':>8} "
              f"{np.nanmean([b['err_linear'] for b in blocks]):>8.4f} "
              f"{np.nanmean([b['err_icl'] for b in blocks]):>8.4f}")


if __name__ == '__main__':
    main()
