"""Rerun every row of the results tables at the current commit.

    python tools/analysis/reproduce_results.py [--dry-run] [--only TABLE ...]
        [--runs tools/analysis/results_runs.txt] [--work-root DIR]

Reads the list of runs (``tools/analysis/results_runs.txt``: table, minutes
per run, config, seeds, options; one row a line) and, row by row, runs
``tools/analysis/run_experiments.py`` on it (train + test per seed, one
torch thread), writing each row's summary to
``WORK_ROOT/<table>/<row>.json``. Runs are kept by config, seed and options
(see run_experiments.py), so a second call resumes where the first stopped
and rows that share a run train it once. A row with ``test-levels=L1,L2``
also tests its seeds' last checkpoints at those corruption levels
(``tools/test.py ... --cfg-options corruption.level=L``), the cross-level
table.

``--dry-run`` trains nothing: it prints every run (table, config, seed,
options, run folder), the commands, and the total of the rows' minutes,
the CPU time the list needs on the machine those minutes were measured on.
``make results`` runs this script.
"""
import argparse
import json
import os
import os.path as osp
import re
import subprocess
import sys
from collections import namedtuple

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEFAULT_RUNS = osp.join('tools', 'analysis', 'results_runs.txt')
SWEEP = osp.join('tools', 'analysis', 'run_experiments.py')
LEVELS = ('minor', 'moderate', 'severe')

Row = namedtuple('Row', 'table minutes config seeds options test_levels line')


def _load_sweep():
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'run_experiments', osp.join(ROOT, SWEEP))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def parse_seeds(text):
    """``0-4`` → [0, 1, 2, 3, 4]; ``0,2`` → [0, 2]; ``3`` → [3]."""
    seeds = []
    for part in text.split(','):
        match = re.fullmatch(r'(\d+)(?:-(\d+))?', part)
        if not match:
            raise ValueError(f'seeds {text!r}: use 0-4 or 0,1,2')
        first, last = int(match.group(1)), int(match.group(2) or
                                                   match.group(1))
        if last < first:
            raise ValueError(f'seeds {text!r}: empty range')
        seeds += range(first, last + 1)
    return seeds


def read_runs(path):
    """The rows of a runs file; ValueError naming the line of a bad one."""
    rows = []
    with open(path) as f:
        for number, raw in enumerate(f, 1):
            line = raw.split('#')[0].strip()
            if not line:
                continue
            where = f'{path}:{number}'
            fields = line.split()
            if len(fields) < 4:
                raise ValueError(f'{where}: want TABLE MINUTES CONFIG SEEDS '
                                 f'[KEY=VALUE ...], got {line!r}')
            table, minutes, config, seeds, *rest = fields
            try:
                minutes = float(minutes)
                seeds = parse_seeds(seeds)
            except ValueError as err:
                raise ValueError(f'{where}: {err}') from None
            if not osp.isfile(osp.join(ROOT, config)):
                raise ValueError(f'{where}: config {config!r} does not '
                                 'exist')
            options, test_levels = [], []
            for item in rest:
                if '=' not in item:
                    raise ValueError(f'{where}: {item!r} is not KEY=VALUE')
                if item.startswith('test-levels='):
                    test_levels = item.split('=', 1)[1].split(',')
                    bad = [lv for lv in test_levels if lv not in LEVELS]
                    if bad:
                        raise ValueError(f'{where}: unknown level(s) {bad}')
                else:
                    options.append(item)
            rows.append(Row(table, minutes, config, seeds, options,
                            test_levels, number))
    return rows


def sweep_command(row, work_root, python=sys.executable):
    """The run_experiments.py command of one row."""
    name = osp.splitext(osp.basename(row.config))[0]
    out = osp.join(work_root, row.table, f'{name}-line{row.line}.json')
    cmd = [python, SWEEP, row.config, '--seeds', *map(str, row.seeds),
           '--work-root', work_root, '--json', out]
    if row.options:
        cmd += ['--cfg-options', *row.options]
    return cmd


def level_test_command(row, seed, level, run_dir, checkpoint,
                       python=sys.executable):
    """tools/test.py on a row's checkpoint at another corruption level."""
    return [python, 'tools/test.py', row.config, checkpoint, '--work-dir',
            osp.join(run_dir, f'test_at_{level}'), '--cfg-options',
            *row.options, f'corruption.level={level}']


def plan(rows, work_root):
    """(runs, total minutes): every distinct (config, seed, options) once,
    with the tables that use it, plus one minute per cross-level test."""
    sweep = _load_sweep()
    runs, minutes = {}, 0.
    for row in rows:
        for seed in row.seeds:
            run_dir = sweep.run_dir(row.config, seed, work_root, row.options)
            if run_dir not in runs:
                runs[run_dir] = dict(config=row.config, seed=seed,
                                     options=row.options, tables=[])
                minutes += row.minutes
            runs[run_dir]['tables'].append(row.table)
            for level in row.test_levels:
                runs[run_dir]['tables'].append(f'{row.table}@{level}')
                minutes += 1
    return runs, minutes


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--runs', default=DEFAULT_RUNS,
                        help='the list of runs (default: %(default)s)')
    parser.add_argument('--work-root', default='work_dirs/results_head',
                        help='where the runs go (default: %(default)s)')
    parser.add_argument('--only', nargs='+', metavar='TABLE',
                        help='only the rows of these tables')
    parser.add_argument('--dry-run', action='store_true',
                        help='list the runs and commands, train nothing')
    args = parser.parse_args(argv)
    try:
        rows = read_runs(args.runs)
    except (OSError, ValueError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 1
    if args.only:
        unknown = sorted(set(args.only) - {r.table for r in rows})
        if unknown:
            print(f'error: no rows of table(s) {unknown} in {args.runs}',
                  file=sys.stderr)
            return 1
        rows = [r for r in rows if r.table in args.only]
    runs, minutes = plan(rows, args.work_root)
    print(f'{len(rows)} rows, {len(runs)} runs (config, seed, options), '
          f'about {minutes / 60:.1f} hours of CPU time (one process, one '
          'torch thread, at the minutes of each row)')
    for run_dir, run in runs.items():
        options = ' '.join(run['options']) or '-'
        print(f"  {','.join(dict.fromkeys(run['tables']))}: "
              f"{run['config']} seed {run['seed']} [{options}] -> {run_dir}")
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=ROOT)
    sweep = _load_sweep()
    for row in rows:
        cmd = sweep_command(row, args.work_root)
        print('$ ' + ' '.join(['python'] + cmd[1:]), flush=True)
        if args.dry_run:
            continue
        os.makedirs(osp.join(args.work_root, row.table), exist_ok=True)
        proc = subprocess.run(cmd, cwd=ROOT, env=env)
        if proc.returncode != 0:
            print(f'error: {args.runs}:{row.line} failed (exit '
                  f'{proc.returncode})', file=sys.stderr)
            return proc.returncode
        for seed in row.seeds:
            run_dir = sweep.run_dir(row.config, seed, args.work_root,
                                    row.options)
            for level in row.test_levels:
                done = osp.join(run_dir, f'test_at_{level}.json')
                if osp.isfile(done):
                    continue
                with open(osp.join(run_dir, 'last_checkpoint')) as f:
                    checkpoint = f.read().strip()
                test = level_test_command(row, seed, level, run_dir,
                                          checkpoint)
                print('$ ' + ' '.join(['python'] + test[1:]), flush=True)
                out = sweep.run(test, osp.join(run_dir,
                                               f'test_at_{level}.out'))
                metrics = {m.group(1): float(m.group(2)) for m in map(
                    sweep.METRIC_LINE.match, out.splitlines()) if m}
                with open(done, 'w') as f:
                    json.dump(metrics, f)
                print(f'  {row.config} seed {seed} at {level}: top-1 '
                      f"{metrics.get('acc/top1', float('nan')):.4f}")
    if args.dry_run:
        print('(dry run: nothing trained)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
