"""Per-class restoration against linear interpolation, as a picture.

Reads the JSON of ``restoration_table.py --per-label`` and draws, for each
corruption level, the missing-frame MPJPE of every method divided by
``linear``'s, per class (and the class-macro mean); below 1 the method
restores that class better than linear interpolation.

Example::

    python tools/analysis/plot_restoration_per_class.py \\
        docs/benchmarks/restoration_cmu.json \\
        --out docs/images/restoration_cmu_per_class.png
"""
import argparse
import json
import sys

import numpy as np


def ratio_table(rows):
    """{level: (labels, names, clips, {method: ratios})} from the JSON rows;
    raises ValueError without per-class rows or a ``linear`` row."""
    levels = {}
    for row in rows:
        if 'per_label' not in row:
            raise ValueError('plot_restoration_per_class: the rows have no '
                             '`per_label` (run restoration_table.py with '
                             '--per-label)')
        levels.setdefault(row['level'], {})[row['method']] = row['per_label']
    out = {}
    for level, methods in levels.items():
        if 'linear' not in methods:
            raise ValueError(f'plot_restoration_per_class: no `linear` row '
                             f'at level {level!r} (add it to --methods)')
        ref = methods['linear']
        labels = [lb for lb in ref if lb != 'macro'] + (
            ['macro'] if 'macro' in ref else [])
        names = [ref[lb].get('name', lb) for lb in labels]
        clips = [ref[lb]['clips'] for lb in labels]
        ratios = {m: np.array([per[lb]['mpjpe_missing'] /
                               ref[lb]['mpjpe_missing'] for lb in labels])
                  for m, per in methods.items() if m != 'linear'}
        out[level] = (labels, names, clips, ratios)
    return out


def plot(table, out, title, dpi=120):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(table), 1, dpi=dpi, squeeze=False,
                             figsize=(max(7, 1.1 * max(
                                 len(t[0]) for t in table.values()) + 2),
                                      2.8 * len(table) + 0.6))
    for ax, (level, (_, names, clips, ratios)) in zip(axes[:, 0],
                                                     table.items()):
        x = np.arange(len(names))
        width = 0.8 / max(1, len(ratios))
        for i, (method, r) in enumerate(ratios.items()):
            ax.bar(x + (i - (len(ratios) - 1) / 2) * width, r, width,
                   label=method)
        ax.axhline(1.0, color='k', lw=1, ls='--', label='linear')
        ax.set_xticks(x)
        ax.set_xticklabels([f'{n}\n({c} clips)' for n, c in
                            zip(names, clips)], fontsize=8)
        ax.set_ylabel('MPJPE / linear')
        ax.set_title(f'{level}: missing frames', fontsize=10)
        ax.legend(fontsize=7, ncol=len(ratios) + 1, loc='upper left')
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('json', help='restoration_table.py --per-label JSON')
    parser.add_argument('--out', default='restoration_per_class.png')
    parser.add_argument('--title', default='Restoration per class, '
                        'relative to linear interpolation')
    args = parser.parse_args(argv)
    try:
        with open(args.json) as f:
            rows = json.load(f)
        table = ratio_table(rows)
    except (OSError, ValueError, KeyError) as err:
        sys.exit(f'plot_restoration_per_class: {args.json}: {err}')
    plot(table, args.out, args.title)
    print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
