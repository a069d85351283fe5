"""Print the demo's test metrics beside the figures of docs/results.md.

``make demo`` runs it after ``tools/test.py``::

    python tools/misc/demo_summary.py work_dirs/demo/test \
        --config configs/finetec_demo_severe_quick.py \
        --checkpoint work_dirs/demo/epoch_10.pth \
        --label-map data/demo/label_map.txt

It reads the metrics that ``tools/test.py`` logged (the newest
``<timestamp>/<timestamp>.json`` under the test work dir) and, for scale, the
top-1 of FineTec and of the interpolated ST-GCN from the first
severe-corruption table of docs/results.md (read from the file on every
run, so a re-measured table shows up here). Standard library only: it
starts in a fraction of a second.
"""
import argparse
import glob
import json
import os.path as osp
import re
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
RESULTS = osp.join(ROOT, 'docs', 'results.md')
# Rows of the results table printed for scale, as the table names them.
REFERENCE_ROWS = ('FineTec', 'ST-GCN, interpolated')
METRICS = (('acc/top1', 'top-1'), ('acc/top5', 'top-5'),
           ('acc/mean1', 'mean-class'))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Print the demo test metrics beside docs/results.md')
    parser.add_argument(
        'test_work_dir', help='the --work-dir given to tools/test.py')
    parser.add_argument(
        '--config', help='the config that was trained and tested (named in '
        'the heading)')
    parser.add_argument(
        '--checkpoint', help='the checkpoint that was tested (its name, '
        'e.g. epoch_10.pth, says how long the demo trained)')
    parser.add_argument(
        '--label-map', help='label map of the demo data (one class a line): '
        'gives the number of classes, hence chance accuracy')
    parser.add_argument(
        '--results', default=RESULTS,
        help='results page to read the reference figures from '
        '(default: docs/results.md)')
    return parser.parse_args(argv)


def latest_test_metrics(test_work_dir):
    """The metrics of the newest test run logged under ``test_work_dir``
    (mmengine writes ``<timestamp>/<timestamp>.json``)."""
    logs = sorted(
        p for p in glob.glob(osp.join(test_work_dir, '*', '*.json'))
        if osp.basename(osp.dirname(p)) == osp.splitext(osp.basename(p))[0])
    for path in reversed(logs):
        with open(path) as f:
            lines = [line for line in f if line.strip()]
        for line in reversed(lines):
            record = json.loads(line)
            if 'acc/top1' in record:
                return record, path
    raise FileNotFoundError(
        f'no test metrics (acc/top1) logged under {test_work_dir!r}: did '
        'tools/test.py run with this --work-dir?')


def _cells(line):
    return [cell.strip() for cell in line.strip().strip('|').split('|')]


def reference_figures(results_md):
    """``{method: (top-1 text, seeds text)}`` from the first table of
    ``results_md`` whose header has a ``method`` and a ``top-1`` column."""
    with open(results_md) as f:
        lines = f.read().splitlines()
    for i, line in enumerate(lines):
        if not line.lstrip().startswith('|'):
            continue
        header = [cell.lower() for cell in _cells(line)]
        if 'method' not in header or 'top-1' not in header:
            continue
        col_method, col_top1 = header.index('method'), header.index('top-1')
        col_seeds = header.index('seeds') if 'seeds' in header else None
        rows = {}
        for row in lines[i + 2:]:  # skip the |---| line
            if not row.lstrip().startswith('|'):
                break
            cells = [cell.replace('**', '').strip() for cell in _cells(row)]
            if len(cells) <= max(col_method, col_top1):
                continue
            seeds = cells[col_seeds] if col_seeds is not None and \
                col_seeds < len(cells) else ''
            rows[cells[col_method]] = (cells[col_top1], seeds)
        return rows
    return {}


def epochs_of(checkpoint):
    match = re.search(r'epoch_(\d+)\.pth$', checkpoint or '')
    return int(match.group(1)) if match else None


def num_classes_of(label_map):
    with open(label_map) as f:
        return sum(1 for line in f if line.strip())


def summary(args):
    """The lines to print."""
    metrics, _ = latest_test_metrics(args.test_work_dir)
    what = [args.config] if args.config else []
    epochs = epochs_of(args.checkpoint)
    if epochs:
        what.append(f'trained {epochs} epochs')
    what = f' ({", ".join(what)})' if what else ''
    lines = [f'Test metrics of the demo{what}, demo test split:']
    for key, name in METRICS:
        if key in metrics:
            lines.append(f'  {name:<12}{metrics[key]:.4f}')
    if args.label_map:
        classes = num_classes_of(args.label_map)
        lines.append(f'  {"chance":<12}{1 / classes:.4f} (1/{classes})')
    rows = reference_figures(args.results)
    source = osp.abspath(args.results)
    if source.startswith(ROOT + osp.sep):
        source = osp.relpath(source, ROOT)
    lines.append(f'For scale, top-1 at severe corruption in {source} '
                 '(its first table: same data and test protocol, trained '
                 'longer):')
    for method in REFERENCE_ROWS:
        if method in rows:
            top1, seeds = rows[method]
            seeds = re.match(r'\s*(\d+)', seeds)
            seeds = f'  ({seeds.group(1)} seeds)' if seeds else ''
            lines.append(f'  {method:<22}{top1}{seeds}')
        else:
            lines.append(f'  {method:<22}(no such row in the results '
                         'table)')
    return lines


def main(argv=None):
    args = parse_args(argv)
    try:
        lines = summary(args)
    except (OSError, ValueError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 1
    print('\n'.join(lines))
    return 0


if __name__ == '__main__':
    sys.exit(main())
