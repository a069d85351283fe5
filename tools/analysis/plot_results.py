"""Accuracy against corruption level, one line per method, from the per-seed
results file (``docs/benchmarks/results_demo.json``).

Example::

    python tools/analysis/plot_results.py docs/benchmarks/results_demo.json \\
        docs/benchmarks/results_demo_completion_v2.json \\
        --out docs/images/accuracy_vs_level.png \\
        --paired FineTec "ST-GCN, interpolated"

A results file holds ``runs``: ``{run name: {seed: {"acc/top1": ...}}}``
(the run name is the config's file name, as ``run_experiments.py`` names its
work dirs, with ``@<variant>`` where one config was run in several
variants); several files are read as one, and a run present in two of them
is an error. A series is ``LABEL=PATTERN`` where ``{level}`` in the pattern
stands for ``minor`` / ``moderate`` / ``severe``; the defaults are the demo
configs of the results page. ``--reference LABEL=RUN`` draws one run (e.g.
clean ST-GCN) as a horizontal line. The plot shows the mean over seeds with
error bars of one standard deviation (none for a single seed) and prints the
same numbers; ``--paired A B`` prints, per level, A − B for every seed both
methods have, with their mean and a one-sample t-test of the differences.
"""
import argparse
import json
import statistics
from typing import Dict, List, Optional, Tuple

LEVELS = ('minor', 'moderate', 'severe')
DEFAULT_SERIES = [
    'FineTec=finetec_1xb32-u16-16e_demo-{level}@icl_demo-a35cca84+marker',
    'FineTec, previous completion=finetec_1xb32-u16-16e_demo-{level}',
    'ST-GCN, interpolated=stgcn_1xb32-joint-u16-16e_demo-{level}-interp',
    'ST-GCN, zero-filled=stgcn_1xb32-joint-u16-16e_demo-{level}',
    'ST-GCN++ (joint), zero-filled=stgcnpp_1xb32-joint-u16-16e_demo-{level}',
]
DEFAULT_REFERENCE = 'ST-GCN, clean=stgcn_1xb32-joint-u16-16e_demo-clean'


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('results', nargs='+',
                        help='results JSON files with "runs"')
    parser.add_argument('--series', nargs='+', default=DEFAULT_SERIES,
                        metavar='LABEL=PATTERN',
                        help='methods to draw; {level} is substituted')
    parser.add_argument('--reference', default=DEFAULT_REFERENCE,
                        metavar='LABEL=RUN',
                        help='one run drawn as a horizontal line ("" for none)')
    parser.add_argument('--metric', default='acc/top1')
    parser.add_argument('--paired', nargs=2, metavar=('A', 'B'),
                        help='print A - B per seed and level (series labels)')
    parser.add_argument('--out', help='write the figure (PNG) here')
    parser.add_argument('--dpi', type=int, default=110)
    return parser.parse_args(argv)


def split_label(spec: str) -> Tuple[str, str]:
    """``'LABEL=PATTERN'`` → (label, pattern); the last ``=`` splits."""
    if '=' not in spec:
        raise SystemExit(f'error: series {spec!r} is not LABEL=PATTERN')
    label, pattern = spec.rsplit('=', 1)
    return label, pattern


def load_runs(paths: List[str]) -> dict:
    """The ``runs`` of every file, merged; a run name in two files is an
    error naming both."""
    runs, source = {}, {}
    for path in paths:
        with open(path) as f:
            for name, seeds in json.load(f)['runs'].items():
                if name in runs:
                    raise SystemExit(f'error: run {name!r} is in both '
                                     f'{source[name]} and {path}')
                runs[name], source[name] = seeds, path
    return runs


def seed_values(runs: dict, run: str, metric: str) -> Dict[str, float]:
    """``{seed: value}`` of one run; empty when the run is absent."""
    return {seed: m[metric] for seed, m in runs.get(run, {}).items()
            if metric in m}


def summarize(values: List[float]) -> Tuple[float, float, int]:
    """(mean, sample standard deviation (0 for one value), count)."""
    mean = statistics.mean(values)
    std = statistics.stdev(values) if len(values) > 1 else 0.
    return mean, std, len(values)


def series_table(runs: dict, series: List[str], metric: str) -> dict:
    """``{label: {level: (mean, std, n)}}`` for the levels that were run."""
    table = {}
    for spec in series:
        label, pattern = split_label(spec)
        table[label] = {}
        for level in LEVELS:
            values = seed_values(runs, pattern.format(level=level), metric)
            if values:
                table[label][level] = summarize(list(values.values()))
    return table


def paired(runs: dict, series: List[str], a: str, b: str,
           metric: str) -> Dict[str, Dict[str, float]]:
    """``{level: {seed: A - B}}`` over the seeds both labels have."""
    patterns = dict(split_label(s) for s in series)
    for label in (a, b):
        if label not in patterns:
            raise SystemExit(f'error: --paired {label!r} is not a series '
                             f'label ({", ".join(patterns)})')
    out = {}
    for level in LEVELS:
        va = seed_values(runs, patterns[a].format(level=level), metric)
        vb = seed_values(runs, patterns[b].format(level=level), metric)
        common = sorted(set(va) & set(vb), key=int)
        if common:
            out[level] = {s: va[s] - vb[s] for s in common}
    return out


def paired_test(diffs: List[float]) -> str:
    """`` ± std (t = …, N−1 df, two-sided p = …)`` of a one-sample t-test of
    the paired differences against 0; empty for fewer than 2 seeds."""
    if len(diffs) < 2:
        return ''
    from scipy import stats
    std = statistics.stdev(diffs)
    if std == 0:
        return ' ± 0.000 (every seed the same: no t-test)'
    t = statistics.mean(diffs) / (std / len(diffs) ** 0.5)
    p = 2 * stats.t.sf(abs(t), len(diffs) - 1)
    return (f' ± {std:.3f} (t = {t:.2f}, {len(diffs) - 1} df, two-sided '
            f'p = {p:.3f})')


def plot(table: dict, reference: Optional[Tuple[str, float]], metric: str,
         out: str, dpi: int):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for i, (label, levels) in enumerate(table.items()):
        xs = [LEVELS.index(lv) + (i - len(table) / 2) * 0.04 for lv in levels]
        means = [levels[lv][0] for lv in levels]
        stds = [levels[lv][1] for lv in levels]
        ax.errorbar(xs, means, yerr=stds, marker='o', capsize=3, label=label)
    if reference is not None:
        ax.axhline(reference[1], color='grey', linestyle='--',
                   label=f'{reference[0]} ({reference[1]:.3f})')
    ax.set_xticks(range(len(LEVELS)), [f'{lv}\n({p} % missing)' for lv, p in
                                       zip(LEVELS, (25, 50, 75))])
    ax.set_ylabel(metric)
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc='lower left')
    ax.set_title('mean ± std over seeds (single-seed points: no bar)',
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(out, dpi=dpi)
    plt.close(fig)


def main(argv=None):
    args = parse_args(argv)
    runs = load_runs(args.results)
    table = series_table(runs, args.series, args.metric)
    print(f'{"method":<32}' + ''.join(f'{lv:>22}' for lv in LEVELS))
    for label, levels in table.items():
        cells = [(f'{levels[lv][0]:.3f} ± {levels[lv][1]:.3f} '
                  f'(n={levels[lv][2]})') if lv in levels else '-'
                 for lv in LEVELS]
        print(f'{label:<32}' + ''.join(f'{c:>22}' for c in cells))
    reference = None
    if args.reference:
        label, run = split_label(args.reference)
        values = seed_values(runs, run, args.metric)
        if values:
            reference = (label, statistics.mean(values.values()))
            print(f'{label}: {reference[1]:.3f} (n={len(values)})')
    if args.paired:
        a, b = args.paired
        for level, diffs in paired(runs, args.series, a, b,
                                   args.metric).items():
            per_seed = ', '.join(f'seed {s}: {d:+.3f}'
                                 for s, d in diffs.items())
            print(f'{a} - {b}, {level}: {per_seed}; mean '
                  f'{statistics.mean(diffs.values()):+.3f}'
                  f'{paired_test(list(diffs.values()))}')
    if args.out:
        plot(table, reference, args.metric, args.out, args.dpi)
        print(f'figure: {args.out}')


if __name__ == '__main__':
    main()
