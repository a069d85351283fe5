"""The printed table and the final JSON: ratios, targets, met / not met."""

import platform

import torch

from .common import GYM288_TEST_SAMPLES, RATIOS, TARGETS


def device_name(device):
    if device == 'cuda':
        return torch.cuda.get_device_name(torch.cuda.current_device())
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _fmt(value, kind):
    if value is None:
        return '-'
    if kind == 'int':
        return f'{value / 1e6:.2f} M'
    if kind == 'flops':
        return f'{value / 1e9:.3f} G'
    if kind == 'ms':
        return f'{value * 1e3:.1f} ms'
    if kind == 'ratio':
        return f'{value:.2f}x'
    if kind == 'mb':
        return f'{value:.0f} MB'
    return f'{value:,.0f}' if value >= 100 else f'{value:.1f}'


def print_table(result):
    r = result
    workers = r['num_workers']
    rows = [
        ('data pipeline, samples/s, 1 core', 'pipeline_samples_per_s',
         'pipeline_samples_per_s_baseline', 'pipeline_ratio', 'rate'),
        ('  completion in the pipeline', 'pipeline_samples_per_s_pipelined',
         'pipeline_samples_per_s_baseline', 'pipeline_pipelined_ratio',
         'rate'),
        (f'train step (batch {r["batch_size"]})', 'train_step_s',
         'train_step_s_baseline', 'train_step_ratio', 'ms'),
        ('  completion in the pipeline', 'train_step_s_pipelined',
         'train_step_s_baseline', 'train_step_pipelined_ratio', 'ms'),
        (f'  torch.compile ({r.get("compile_backend")}), ratio to eager '
         'FineTec', 'train_step_s_compiled', 'train_step_s',
         'compile_train_step_ratio', 'ms'),
        (f'train end to end, samples/s ({workers} workers)',
         'train_samples_per_s', 'train_samples_per_s_baseline',
         'train_samples_per_s_ratio', 'rate'),
        ('  completion in the pipeline', 'train_samples_per_s_pipelined',
         'train_samples_per_s_baseline',
         'train_samples_per_s_pipelined_ratio', 'rate'),
        (f'inference, samples/s ({r.get("infer_variant")}, batch '
         f'{r["infer_batch_size"]}, {r["infer_clips"]} clip(s))',
         'infer_samples_per_s', 'infer_samples_per_s_baseline', 'infer_ratio',
         'rate'),
        ('  completion in the pipeline (not in this figure)',
         'infer_samples_per_s_pipelined', 'infer_samples_per_s_baseline',
         'infer_pipelined_ratio', 'rate'),
        ('parameters', 'params_finetec', 'params_baseline', 'params_ratio',
         'int'),
        ('  completion in the pipeline (not counted)',
         'params_finetec_pipelined', 'params_baseline',
         'params_pipelined_ratio', 'int'),
        ('FLOPs (multiply-adds) / sample', 'flops_finetec', 'flops_baseline',
         'flops_ratio', 'flops'),
        ('  completion in the pipeline (not counted)',
         'flops_finetec_pipelined', 'flops_baseline',
         'flops_pipelined_ratio', 'flops'),
        ('peak train memory', 'peak_memory_mb_finetec',
         'peak_memory_mb_baseline', 'peak_memory_ratio', 'mb'),
        ('  completion in the pipeline', 'peak_memory_mb_finetec_pipelined',
         'peak_memory_mb_baseline', 'peak_memory_pipelined_ratio', 'mb'),
    ]
    head = (f'FineTec vs ST-GCN on {r["device"]} ({r["device_name"]}), torch '
            f'{r["torch_version"]}, batch {r["batch_size"]}, clip '
            f'{r["clip_len"]}, {r["num_person"]} person(s), '
            f'{r["num_classes"]} classes, threads {r["threads"]}'
            f'{", AMP" if r["amp"] else ""}{", QUICK" if r["quick"] else ""}')
    table = [('figure', 'FineTec', 'baseline', 'ratio')]
    for label, fig, base, ratio, kind in rows:
        if r.get(fig) is None and r.get(ratio) is None:
            continue
        if fig == 'infer_samples_per_s_pipelined' and r.get(
                'infer_variant') == 'pipelined':
            continue  # the row above
        table.append((label, _fmt(r.get(fig), kind), _fmt(r.get(base), kind),
                      _fmt(r.get(ratio), 'ratio')))
    widths = [max(len(row[i]) for row in table) for i in range(4)]
    print()
    print(head)
    print('baseline: plain MMAction2 pipeline / RecognizerGCN + STGCN')
    for i, row in enumerate(table):
        print('  '.join([row[0].ljust(widths[0])] +
                        [c.rjust(w) for c, w in zip(row[1:], widths[1:])]))
        if i == 0:
            print('  '.join('-' * w for w in widths))
    if r.get('compile_first_step_s') is not None:
        print(f'torch.compile ({r["compile_backend"]}): first train step '
              f'(compilation) {r["compile_first_step_s"]:.1f} s; the row\'s '
              'baseline column is the eager FineTec step of the same run')
    if r.get('infer_gym288_test_s') is not None:
        print(f'inference of {GYM288_TEST_SAMPLES:,} samples at that rate: '
              f'{r["infer_gym288_test_s"]:.1f} s')
    if r['targets']:
        print('targets (issue #6):')
        for t in r['targets']:
            state = ('-' if t['value'] is None else
                     'met' if t['met'] else 'NOT met')
            value = '-' if t['value'] is None else f'{t["value"]:.3g}'
            print(f'  {t["name"]}: {value} ({t["figure"]} {t["op"]} '
                  f'{t["target"]}) {state}')
    if r.get('sweep'):
        print('sweep: train step (ms) and ratio to ST-GCN')
        names = [k[len('train_step_s_'):] for k in r['sweep'][0]
                 if k.startswith('train_step_s_')]
        print('  batch clip  M  ' + '  '.join(f'{n:>15}' for n in names))
        for row in r['sweep']:
            cells = []
            for n in names:
                t = row[f'train_step_s_{n}']
                q = row.get(f'ratio_{n}')
                cells.append('-'.rjust(15) if t is None else (
                    f'{t * 1e3:8.1f}' + (f' {q:5.2f}x' if q else ' ' * 7)))
            print(f'  {row["batch_size"]:5d} {row["clip_len"]:4d} '
                  f'{row["num_person"]:2d}  ' + '  '.join(cells))
    for note in r['notes']:
        print(f'note: {note}')
    for err in r['errors']:
        print(f'ERROR: {err}')


def finish(result):
    for key, (fig, base) in RATIOS.items():
        f, b = result.get(fig), result.get(base)
        result[key] = f / b if f is not None and b else None
    result['ratios'] = {k: list(v) for k, v in RATIOS.items()
                        if result.get(k) is not None}
    if result.get('infer_samples_per_s'):
        result['infer_gym288_test_s'] = (GYM288_TEST_SAMPLES /
                                         result['infer_samples_per_s'])
    targets = []
    for name, key, op, threshold, devices in TARGETS:
        if result['device'] not in devices:
            continue
        value = result.get(key)
        met = None if value is None else {
            '>=': value >= threshold, '<=': value <= threshold,
            '<': value < threshold}[op]
        targets.append(dict(name=name, figure=key, op=op, target=threshold,
                            value=value, met=met))
    result['targets'] = targets
