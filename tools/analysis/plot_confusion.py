"""Row-normalised confusion matrix of a ``tools/test.py --dump`` file.

Example::

    python tools/analysis/plot_confusion.py pred.pkl --classes 0 1 2 3 \\
        --label-map data/demo/label_map.txt --out confusion.png

Cell (i, j) is the fraction of the test samples of true class i that were
predicted as class j (top-1), so every row with samples sums to 1. With
``--classes`` (indices, or names from the label map) only those rows are
shown, and the predictions of any other class are summed in a last column
"other"; without it all classes are shown. The most frequent confusions
are printed.
"""
import argparse
import os
import os.path as osp
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import numpy as np  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('dump', help='predictions of tools/test.py --dump')
    parser.add_argument('--classes', nargs='+', metavar='CLASS',
                        help='class indices (or label-map names) to show '
                        '(default: all)')
    parser.add_argument('--label-map', help='class names, one per line')
    parser.add_argument('--out', default='confusion.png')
    parser.add_argument('--top', type=int, default=10,
                        help='confusions listed (default 10)')
    parser.add_argument('--dpi', type=int, default=110)
    return parser.parse_args(argv)


def parse_classes(tokens, names, num_classes):
    """Class indices of ``tokens`` (ints or names); ValueError names the
    bad token."""
    out = []
    for token in tokens:
        if token.lstrip('-').isdigit():
            c = int(token)
        elif names is not None and token in names:
            c = names.index(token)
        else:
            hint = '' if names is not None else ' (give --label-map to ' \
                'select classes by name)'
            raise ValueError(f'--classes: {token!r} is not a class index or '
                             f'name{hint}')
        if not 0 <= c < num_classes:
            raise ValueError(f'--classes: class {c} outside [0, '
                             f'{num_classes})')
        if c in out:
            raise ValueError(f'--classes: class {c} given twice')
        out.append(c)
    return out


def plot(mat, row_names, col_names, counts, title, out, dpi):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    K, J = mat.shape
    side = min(24., max(5., 0.38 * J + 3))
    fig, ax = plt.subplots(figsize=(side + 1.2, min(24., max(4.5, 0.38 * K
                                                             + 2.5))),
                           dpi=dpi)
    im = ax.imshow(mat, cmap='Blues', vmin=0, vmax=1, aspect='auto')
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.03,
                 label='fraction of the true class')
    tick = 8 if J <= 30 else 6
    ax.set_xticks(np.arange(J))
    ax.set_xticklabels(col_names, rotation=60, ha='right', fontsize=tick)
    ax.set_yticks(np.arange(K))
    ax.set_yticklabels([f'{n} ({c})' for n, c in zip(row_names, counts)],
                       fontsize=tick)
    ax.set_xlabel('predicted class')
    ax.set_ylabel('true class (test samples)')
    if K * J <= 900:
        for i in range(K):
            for j in range(J):
                if mat[i, j] > 0:
                    ax.text(j, i, f'{mat[i, j]:.2f}'.lstrip('0'),
                            ha='center', va='center', fontsize=7,
                            color='white' if mat[i, j] > 0.5 else '#222222')
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    fig.savefig(out, dpi=dpi, facecolor='white')
    plt.close(fig)


def main(argv=None):
    args = parse_args(argv)
    from finetec_mm.datasets.label_map import class_name, read_label_map
    from finetec_mm.evaluation.predictions import (confusion_matrix,
                                                   load_predictions)
    try:
        pred = load_predictions(args.dump)
        names = read_label_map(args.label_map) if args.label_map else None
        C = pred['scores'].shape[1]
        if names is not None and len(names) != C:
            raise ValueError(f'label map {args.label_map!r} has '
                             f'{len(names)} names, the predictions have {C} '
                             'classes')
        classes = (parse_classes(args.classes, names, C) if args.classes
                   else None)
    except (ValueError, FileNotFoundError) as err:
        raise SystemExit(f'error: {err}') from None
    labels, preds = pred['labels'], pred['preds']
    shown = list(range(C)) if classes is None else classes
    counts = confusion_matrix(labels, preds, classes, C, normalize=False)
    mat = confusion_matrix(labels, preds, classes, C)
    row_names = [class_name(c, names) for c in shown]
    col_names = row_names + ([] if classes is None else ['other'])
    n = int(counts.sum())
    if n == 0:
        raise SystemExit(f'error: prediction file {args.dump!r} has no test '
                         'sample of the chosen classes')
    diag = np.trace(counts[:, :len(shown)])
    title = (f'Confusion matrix (row-normalised), '
             f'{osp.basename(args.dump)}\n{n} test samples of {len(shown)} '
             f'classes, accuracy {diag / n:.3f}')
    plot(mat, row_names, col_names, counts.sum(1), title, args.out,
         args.dpi)

    off = counts.copy()
    off[np.arange(len(shown)), np.arange(len(shown))] = 0
    pairs = [(int(off[i, j]), i, j) for i, j in zip(*np.nonzero(off))]
    pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
    print(f'{n} test samples of {len(shown)} classes, top-1 accuracy '
          f'{diag / n:.4f}')
    if pairs:
        print('most frequent confusions (true -> predicted: samples, '
              'fraction of the true class):')
    for count, i, j in pairs[:args.top]:
        print(f'  {row_names[i]} -> {col_names[j]}: {count}, '
              f'{mat[i, j]:.3f}')
    print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
