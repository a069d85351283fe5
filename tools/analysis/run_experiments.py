"""Train and test a list of configs over several seeds; print mean ± std.

    python tools/analysis/run_experiments.py CONFIG [CONFIG ...]
        [--seeds 0 1 2] [--work-root work_dirs/experiments]
        [--cfg-options KEY=VALUE ...] [--json OUT.json] [--markdown OUT.md]
        [--paired-with CONFIG]

Each (config, seed) runs ``tools/train.py CONFIG --seed S`` and then
``tools/test.py`` on the last checkpoint, in subprocesses; the test metrics
are read from ``tools/test.py``'s summary. A run whose test metrics file
already exists is not repeated (delete its work dir to rerun), so an
interrupted sweep resumes where it stopped. Progress and the elapsed time of
every run are printed.
"""
import argparse
import json
import os
import os.path as osp
import re
import statistics
import subprocess
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
METRIC_LINE = re.compile(r'^\s+(acc/\w+)\s+([0-9.]+)\s*$')


def run(cmd, log_path):
    """Run ``cmd`` from the repo root, teeing nothing: the log goes to a
    file; raise with its tail if it fails."""
    env = dict(os.environ, PYTHONPATH=ROOT)
    with open(log_path, 'w') as log:
        proc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=log,
                              stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        tail = open(log_path).read()[-3000:]
        raise RuntimeError(f'{" ".join(cmd)} failed (log: {log_path}):\n'
                           f'{tail}')
    return open(log_path).read()


def train_and_test(config, seed, work_root, cfg_options):
    """Return the test metrics of one (config, seed), reusing results."""
    name = osp.splitext(osp.basename(config))[0]
    work_dir = osp.join(work_root, name, f'seed{seed}')
    result_file = osp.join(work_dir, 'test_metrics.json')
    if osp.isfile(result_file):
        with open(result_file) as f:
            return json.load(f)
    os.makedirs(work_dir, exist_ok=True)
    options = ['--cfg-options'] + cfg_options if cfg_options else []
    run([sys.executable, 'tools/train.py', config, '--work-dir', work_dir,
         '--seed', str(seed)] + options, osp.join(work_dir, 'train.out'))
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        checkpoint = f.read().strip()
    out = run([sys.executable, 'tools/test.py', config, checkpoint,
               '--work-dir', osp.join(work_dir, 'test')] + options,
              osp.join(work_dir, 'test.out'))
    metrics = {m.group(1): float(m.group(2))
               for m in map(METRIC_LINE.match, out.splitlines()) if m}
    if not metrics:
        raise RuntimeError(f'no metrics found in {work_dir}/test.out')
    with open(result_file, 'w') as f:
        json.dump(metrics, f)
    return metrics


def summarize(results):
    """{config: [metrics per seed]} → rows of mean ± std."""
    rows = []
    for config, runs in results.items():
        row = dict(config=config, seeds=len(runs))
        for key in ('acc/top1', 'acc/mean1', 'acc/top5'):
            values = [r[key] for r in runs if key in r]
            if values:
                row[key] = statistics.mean(values)
                row[key + '_std'] = (statistics.stdev(values)
                                     if len(values) > 1 else 0.)
        rows.append(row)
    return rows


def markdown(rows):
    lines = ['| config | seeds | top-1 | mean-class | top-5 |',
             '|---|---|---|---|---|']
    for r in rows:
        cells = [f"{r[k]:.3f} ± {r[k + '_std']:.3f}" if k in r else '–'
                 for k in ('acc/top1', 'acc/mean1', 'acc/top5')]
        lines.append(f"| `{r['config']}` | {r['seeds']} | " +
                     ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def paired(results, seeds, reference):
    """Per-seed top-1 differences ``config - reference`` (same seed, same
    protocol): {config: dict(per_seed, mean, std)} for every other config."""
    base = [r['acc/top1'] for r in results[reference]]
    out = {}
    for config, runs in results.items():
        if config == reference:
            continue
        diffs = [r['acc/top1'] - b for r, b in zip(runs, base)]
        out[config] = dict(
            per_seed=dict(zip(seeds, diffs)), mean=statistics.mean(diffs),
            std=statistics.stdev(diffs) if len(diffs) > 1 else 0.)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('configs', nargs='+')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--work-root', default='work_dirs/experiments')
    parser.add_argument('--cfg-options', nargs='+', default=[])
    parser.add_argument('--json', help='write the summary rows here')
    parser.add_argument('--markdown', help='write the table here')
    parser.add_argument(
        '--paired-with', metavar='CONFIG',
        help='also print each config minus this one (one of the configs), '
        'top-1 per seed')
    args = parser.parse_args()
    if args.paired_with and args.paired_with not in args.configs:
        parser.error('--paired-with must be one of the configs')
    for config in args.configs:
        if not osp.isfile(osp.join(ROOT, config)):
            parser.error(f'config {config!r} does not exist')
    results = {}
    total = len(args.configs) * len(args.seeds)
    done, start = 0, time.time()
    for config in args.configs:
        results[config] = []
        for seed in args.seeds:
            t0 = time.time()
            metrics = train_and_test(config, seed, args.work_root,
                                     args.cfg_options)
            results[config].append(metrics)
            done += 1
            print(f'[{done}/{total}] {osp.basename(config)} seed {seed}: '
                  f"top-1 {metrics.get('acc/top1', float('nan')):.4f} "
                  f"mean-class {metrics.get('acc/mean1', float('nan')):.4f} "
                  f'({time.time() - t0:.0f} s, total '
                  f'{time.time() - start:.0f} s)', flush=True)
    rows = summarize(results)
    table = markdown(rows)
    print('\n' + table)
    diffs = paired(results, args.seeds, args.paired_with) \
        if args.paired_with else {}
    for config, d in diffs.items():
        per_seed = ', '.join(f'seed {s}: {v:+.4f}'
                             for s, v in d['per_seed'].items())
        print(f"{osp.basename(config)} - {osp.basename(args.paired_with)}: "
              f"{d['mean']:+.4f} ± {d['std']:.4f} ({per_seed})")
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(dict(rows=rows, runs=results, seeds=args.seeds,
                           paired=diffs), f, indent=2)
    if args.markdown:
        with open(args.markdown, 'w') as f:
            f.write(table + '\n')


if __name__ == '__main__':
    main()
