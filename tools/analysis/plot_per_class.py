"""Per-class accuracy against class frequency in the training split (the
paper's Figs. 9-10).

Example::

    python tools/test.py configs/stgcn_demo_severe_interp.py CKPT \\
        --dump pred.pkl
    python tools/analysis/plot_per_class.py pred.pkl \\
        --ann-file data/demo/finetec_demo.pkl \\
        --label-map data/demo/label_map.txt --out per_class.png

Accuracy of class c = top-1 accuracy over the test samples whose ground
truth is c (from the ``tools/test.py --dump`` file; their NaN-free mean is
``acc/mean1``). Frequency of class c = number of samples labelled c in the
``--train-split`` of ``--ann-file`` (a PoseDataset pickle). The figure has
two panels: the classes sorted by training frequency (bars: accuracy, line:
frequency) and accuracy against frequency (one point per class, with the
Spearman rank correlation). A table of the same numbers is printed.
"""
import argparse
import json
import os
import os.path as osp
import sys
from collections import Counter

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import numpy as np  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('dump', help='predictions of tools/test.py --dump')
    parser.add_argument('--ann-file', required=True,
                        help='PoseDataset pickle with the training split')
    parser.add_argument('--train-split', default='train',
                        help='split whose class counts are the frequencies '
                        '(default train)')
    parser.add_argument('--label-map', help='class names, one per line '
                        '(default: label_map.txt next to --ann-file)')
    parser.add_argument('--out', default='per_class.png')
    parser.add_argument('--json', help='also write the per-class numbers')
    parser.add_argument('--dpi', type=int, default=110)
    return parser.parse_args(argv)


def train_counts(ann_file: str, split: str, num_classes: int) -> np.ndarray:
    """int (C, ): samples per label in ``split`` of ``ann_file``."""
    from finetec_mm.datasets.annotation_io import load_annotation_file
    from finetec_mm.datasets.validation import sample_name
    data = load_annotation_file(ann_file)
    annos = data.get('annotations') if isinstance(data, dict) else None
    if not isinstance(annos, (list, tuple)):
        raise ValueError(f'annotation file {ann_file!r}: expected a dict '
                         'with "split" and "annotations"')
    splits = data.get('split') or {}
    if split not in splits:
        raise ValueError(f'annotation file {ann_file!r}: split {split!r} '
                         f'not found (available: {sorted(splits)})')
    label_of = {sample_name(a, i): a.get('label')
                for i, a in enumerate(annos) if isinstance(a, dict)}
    counts = Counter()
    for name in splits[split]:
        label = label_of.get(str(name))
        if label is None:
            raise ValueError(f'annotation file {ann_file!r}: sample '
                             f'{str(name)!r} of split {split!r} has no '
                             'annotation or label')
        if not 0 <= int(label) < num_classes:
            raise ValueError(f'annotation file {ann_file!r}: sample '
                             f'{str(name)!r}: label {label} outside the '
                             f'{num_classes} classes of the predictions')
        counts[int(label)] += 1
    return np.array([counts[c] for c in range(num_classes)])


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman rank correlation (average ranks for ties); NaN if a
    variable is constant."""
    def ranks(v):
        order = np.argsort(v, kind='stable')
        r = np.empty(len(v))
        r[order] = np.arange(len(v))
        for value in np.unique(v):  # ties: mean rank
            r[v == value] = r[v == value].mean()
        return r
    if len(x) < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return float('nan')
    return float(np.corrcoef(ranks(x), ranks(y))[0, 1])


def plot(acc, freq, names, title, out, dpi):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    C = len(acc)
    seen = ~np.isnan(acc)
    order = np.argsort(-freq, kind='stable')
    width = min(22., max(8., 0.32 * C + 2))
    fig, (ax_bar, ax_sc) = plt.subplots(
        2, 1, figsize=(width, 8.5), dpi=dpi,
        gridspec_kw=dict(height_ratios=[1.25, 1]))
    fig.suptitle(title, fontsize=12)

    x = np.arange(C)
    ax_bar.bar(x[seen[order]], acc[order][seen[order]], color='#4c72b0',
               label='top-1 accuracy (test)')
    ax_bar.set_ylim(0, 1.05)
    ax_bar.set_ylabel('per-class accuracy')
    ax_bar.set_xlim(-0.6, C - 0.4)
    if C <= 60:
        ax_bar.set_xticks(x)
        ax_bar.set_xticklabels([names[c] for c in order], rotation=60,
                               ha='right', fontsize=7)
    else:
        ax_bar.set_xlabel('classes, by training frequency')
    ax_freq = ax_bar.twinx()
    ax_freq.plot(x, freq[order], color='#dd8452', marker='o', ms=3, lw=1.2,
                 label='training samples')
    ax_freq.set_ylabel('training samples')
    ax_freq.set_ylim(0, max(1, freq.max()) * 1.1)
    handles = (ax_bar.get_legend_handles_labels()[0] +
               ax_freq.get_legend_handles_labels()[0])
    ax_bar.legend(handles, [h.get_label() for h in handles],
                  loc='upper right', fontsize=8)
    ax_bar.set_title('classes sorted by training frequency', fontsize=10)

    ax_sc.scatter(freq[seen], acc[seen], s=22, color='#4c72b0', alpha=0.8)
    if C <= 40:
        for c in np.flatnonzero(seen):
            ax_sc.annotate(names[c], (freq[c], acc[c]), fontsize=6,
                           xytext=(3, 2), textcoords='offset points',
                           color='#444444')
    if seen.sum() >= 2 and np.ptp(freq[seen]) > 0:
        slope, icpt = np.polyfit(freq[seen], acc[seen], 1)
        xs = np.linspace(freq[seen].min(), freq[seen].max(), 50)
        ax_sc.plot(xs, slope * xs + icpt, color='#c44e52', lw=1,
                   ls='--', label='least-squares line')
        ax_sc.legend(loc='lower right', fontsize=8)
    if freq.max() > 0 and freq[freq > 0].min() * 20 <= freq.max():
        ax_sc.set_xscale('symlog', linthresh=1)
    ax_sc.set_ylim(-0.05, 1.05)
    ax_sc.set_xlabel('training samples of the class')
    ax_sc.set_ylabel('per-class accuracy')
    rho = spearman(freq[seen], acc[seen])
    ax_sc.set_title('accuracy vs frequency (Spearman rho = '
                    f"{'n/a' if np.isnan(rho) else f'{rho:.2f}'})",
                    fontsize=10)
    ax_sc.grid(alpha=0.3)
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    fig.savefig(out, dpi=dpi, facecolor='white')
    plt.close(fig)
    return rho


def main(argv=None):
    args = parse_args(argv)
    from finetec_mm.datasets.label_map import (class_name, default_label_map,
                                               read_label_map)
    from finetec_mm.evaluation.predictions import (load_predictions,
                                                   per_class_accuracy)
    try:
        pred = load_predictions(args.dump)
        C = pred['scores'].shape[1]
        freq = train_counts(args.ann_file, args.train_split, C)
        label_map = args.label_map or default_label_map(args.ann_file)
        names = read_label_map(label_map) if label_map else None
    except (ValueError, FileNotFoundError) as err:
        raise SystemExit(f'error: {err}') from None
    if names is not None and len(names) != C:
        raise SystemExit(f'error: label map {label_map!r} has {len(names)} '
                         f'names, the predictions have {C} classes')
    names = [class_name(c, names) for c in range(C)]
    acc = per_class_accuracy(pred['labels'], pred['preds'], C)
    tested = np.bincount(pred['labels'], minlength=C)
    top1 = float((pred['labels'] == pred['preds']).mean())
    mean1 = float(np.nanmean(acc))
    title = (f'Per-class accuracy vs training frequency, '
             f'{osp.basename(args.dump)}\n({len(pred["labels"])} test '
             f'samples, top-1 {top1:.3f}, mean-class {mean1:.3f})')
    rho = plot(acc, freq, names, title, args.out, args.dpi)

    print(f"{'class':>5}  {'name':<32}{'train':>7}{'test':>6}{'acc':>8}")
    for c in np.argsort(-freq, kind='stable'):
        shown = 'n/a' if np.isnan(acc[c]) else f'{acc[c]:.3f}'
        print(f'{c:>5}  {names[c][:31]:<32}{freq[c]:>7}{tested[c]:>6}'
              f'{shown:>8}')
    print(f'top-1 {top1:.4f}   mean-class {mean1:.4f}   Spearman(freq, acc) '
          f"{'n/a' if np.isnan(rho) else f'{rho:.3f}'}")
    untested = [names[c] for c in range(C) if tested[c] == 0]
    if untested:
        more = ' ...' if len(untested) > 10 else ''
        print(f'{len(untested)} classes have no test sample (not drawn): '
              f"{', '.join(untested[:10])}{more}")
    if args.json:
        rows = [dict(index=c, name=names[c], train=int(freq[c]),
                     test=int(tested[c]),
                     accuracy=None if np.isnan(acc[c]) else float(acc[c]))
                for c in range(C)]
        with open(args.json, 'w', encoding='utf-8') as f:
            json.dump(dict(dump=args.dump, top1=top1, mean1=mean1,
                           spearman=None if np.isnan(rho) else rho,
                           classes=rows), f, indent=2)
    print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
