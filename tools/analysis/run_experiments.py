"""Train and test a list of configs over several seeds; print mean ± std.

    python tools/analysis/run_experiments.py CONFIG [CONFIG ...]
        [--seeds 0 1 2] [--work-root work_dirs/experiments]
        [--cfg-options KEY=VALUE ...] [--json OUT.json] [--markdown OUT.md]
        [--paired-with CONFIG]

Each (config, seed) runs ``tools/train.py CONFIG --seed S`` and then
``tools/test.py`` on the last checkpoint, in subprocesses; the test metrics
are read from ``tools/test.py``'s summary. A run is kept in
``WORK_ROOT/<config name>/seed<S>`` without ``--cfg-options`` and in
``WORK_ROOT/<config name>@<8 hex digits>/seed<S>`` with them (the digits
hash the options, so each variant has its own folder); ``run.json`` there
records the config, seed and options. A finished run (test metrics file
present) is reused only when that record matches the request; a folder that
holds another config or other options stops the sweep with one line naming
it (delete it, or choose another ``--work-root``). So an interrupted sweep
resumes where it stopped and never reports the results of another variant.
Progress and the elapsed time of every run are printed.
"""
import argparse
import hashlib
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


class RunMismatch(RuntimeError):
    """A run folder holds a run of another config or other options."""


def normalise_options(cfg_options):
    """``KEY=VALUE`` strings → {key: value} as ``--cfg-options`` applies
    them (the last value of a repeated key wins), keys sorted: the same
    options in another order are the same variant."""
    options = {}
    for item in cfg_options or []:
        key, sep, value = item.partition('=')
        if not sep:
            raise ValueError(f'--cfg-options: {item!r} is not KEY=VALUE')
        options[key.strip()] = value.strip()
    return dict(sorted(options.items()))


def run_record(config, seed, cfg_options):
    """What identifies a run: config (relative to the repo), seed,
    options."""
    path = osp.normpath(config)
    if osp.isabs(path) and path.startswith(ROOT + os.sep):
        path = osp.relpath(path, ROOT)
    return dict(config=path, seed=int(seed),
                cfg_options=normalise_options(cfg_options))


def run_dir(config, seed, work_root, cfg_options):
    """``WORK_ROOT/<name>[@<hash of the options>]/seed<S>``."""
    name = osp.splitext(osp.basename(config))[0]
    options = normalise_options(cfg_options)
    if options:
        digest = hashlib.sha256(json.dumps(options, sort_keys=True).encode())
        name += '@' + digest.hexdigest()[:8]
    return osp.join(work_root, name, f'seed{seed}')


def check_record(work_dir, record):
    """Raise :class:`RunMismatch` if ``work_dir`` records another run; a
    folder without a record (written before records existed) is only
    reused for a run without options."""
    path = osp.join(work_dir, 'run.json')
    if not osp.isfile(path):
        if record['cfg_options']:
            raise RunMismatch(
                f'{work_dir} holds a run without a record of its options; '
                'delete it or choose another --work-root')
        return
    with open(path) as f:
        stored = json.load(f)
    if stored != record:
        differs = ', '.join(
            f'{k} {stored.get(k)!r} (asked: {record[k]!r})'
            for k in record if stored.get(k) != record[k])
        raise RunMismatch(
            f'{work_dir} holds another run: {differs}; delete it or choose '
            'another --work-root')


def train_and_test(config, seed, work_root, cfg_options):
    """Return the test metrics of one (config, seed, options), reusing a
    finished run of exactly these."""
    work_dir = run_dir(config, seed, work_root, cfg_options)
    record = run_record(config, seed, cfg_options)
    result_file = osp.join(work_dir, 'test_metrics.json')
    if osp.isdir(work_dir):
        check_record(work_dir, record)
    if osp.isfile(result_file):
        with open(result_file) as f:
            return json.load(f)
    os.makedirs(work_dir, exist_ok=True)
    with open(osp.join(work_dir, 'run.json'), 'w') as f:
        json.dump(record, f, indent=2)
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


def main(argv=None):
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
    args = parser.parse_args(argv)
    if args.paired_with and args.paired_with not in args.configs:
        parser.error('--paired-with must be one of the configs')
    for config in args.configs:
        if not osp.isfile(osp.join(ROOT, config)):
            parser.error(f'config {config!r} does not exist')
    try:
        normalise_options(args.cfg_options)
    except ValueError as err:
        parser.error(str(err))
    results = {}
    total = len(args.configs) * len(args.seeds)
    done, start = 0, time.time()
    for config in args.configs:
        results[config] = []
        for seed in args.seeds:
            t0 = time.time()
            try:
                metrics = train_and_test(config, seed, args.work_root,
                                         args.cfg_options)
            except RunMismatch as err:
                print(f'error: {err}', file=sys.stderr, flush=True)
                return 1
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
    sys.exit(main())
