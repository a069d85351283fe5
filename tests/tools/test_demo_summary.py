"""tools/misc/demo_summary.py: what `make demo` prints after testing."""
import json
import os
import os.path as osp
import re

from tests.utils import ROOT, run_tool

TOOL = 'tools/misc/demo_summary.py'
RESULTS = osp.join(ROOT, 'docs', 'results.md')


def results_row_top1(text, method):
    """top-1 cell of ``method``'s row in the severe table (the fourth
    column: method | seeds | top-1 | ...), bold markers removed."""
    match = re.search(rf'^\| \**{re.escape(method)}\** \| [^|]* \| ([^|]+?) \|',
                      text, re.M)
    assert match, f'no row {method!r} in the results table'
    return match.group(1).replace('*', '').strip()


def write_test_log(test_dir, timestamp, metrics):
    """What mmengine's LoggerHook writes after a test epoch."""
    log_dir = osp.join(test_dir, timestamp)
    os.makedirs(log_dir, exist_ok=True)
    with open(osp.join(log_dir, f'{timestamp}.json'), 'w') as f:
        f.write(json.dumps(dict(metrics, time=0.5, data_time=0.01)) + '\n')


def label_map(tmp_path, classes=24):
    path = tmp_path / 'label_map.txt'
    path.write_text(''.join(f'class {i}\n' for i in range(classes)))
    return str(path)


def test_prints_metrics_beside_the_figures_of_results_md(tmp_path):
    test_dir = str(tmp_path / 'test')
    write_test_log(test_dir, '20261202_150000',
                   {'acc/top1': 0.2771, 'acc/top5': 0.8333,
                    'acc/mean1': 0.2769})
    proc = run_tool(TOOL, test_dir, '--config', 'configs/x.py', '--checkpoint',
                    str(tmp_path / 'epoch_6.pth'), '--label-map',
                    label_map(tmp_path))
    assert proc.returncode == 0, proc.stdout
    out = proc.stdout
    assert re.search(r'top-1\s+0\.2771', out), out
    assert re.search(r'top-5\s+0\.8333', out), out
    assert re.search(r'mean-class\s+0\.2769', out), out
    assert re.search(r'chance\s+0\.0417 \(1/24\)', out), out
    assert '(configs/x.py, trained 6 epochs)' in out
    text = open(RESULTS).read()
    interp = results_row_top1(text, 'ST-GCN, interpolated')
    finetec = results_row_top1(text, 'FineTec')
    assert re.search(rf'ST-GCN, interpolated\s+{re.escape(interp)}', out), \
        (interp, out)
    assert re.search(rf'FineTec\s+{re.escape(finetec)}', out), (finetec, out)
    # the figures of results.md agree with its JSON record (mean of seeds)
    record = json.load(open(osp.join(ROOT, 'docs', 'benchmarks',
                                     'results_demo.json')))
    seeds = record['runs']['stgcn_1xb32-joint-u16-32e_demo-severe-interp']
    mean = sum(v['acc/top1'] for v in seeds.values()) / len(seeds)
    assert abs(float(interp.split()[0]) - mean) < 5e-4, (interp, mean)
    # FineTec's row is the current defaults' run of its own record
    record = json.load(open(osp.join(ROOT, 'docs', 'benchmarks',
                                     'results_identity_path.json')))
    seeds = record['runs'][record['default_run']]
    mean = sum(v['acc/top1'] for v in seeds.values()) / len(seeds)
    assert abs(float(finetec.split()[0]) - mean) < 5e-4, (finetec, mean)


def test_reads_the_results_file_on_every_run(tmp_path):
    """A re-measured table shows up: nothing is hard-coded."""
    text = open(RESULTS).read()
    old = results_row_top1(text, 'ST-GCN, interpolated')
    changed = re.sub(r'^(\| ST-GCN, interpolated \| [^|]* \| )[^|]+?( \|)',
                     r'\g<1>0.987 ± 0.001\g<2>', text, flags=re.M)
    assert changed != text
    results = tmp_path / 'results.md'
    results.write_text(changed)
    test_dir = str(tmp_path / 'test')
    write_test_log(test_dir, '20261202_150000', {'acc/top1': 0.25})
    proc = run_tool(TOOL, test_dir, '--results', str(results))
    assert proc.returncode == 0, proc.stdout
    assert re.search(r'ST-GCN, interpolated\s+0\.987 ± 0\.001', proc.stdout)
    assert old not in proc.stdout.split('ST-GCN, interpolated')[1]


def test_missing_row_is_said_not_invented(tmp_path):
    results = tmp_path / 'results.md'
    results.write_text('| method | seeds | top-1 |\n|---|---|---|\n'
                       '| FineTec | 1 | 0.500 |\n')
    test_dir = str(tmp_path / 'test')
    write_test_log(test_dir, '20261202_150000', {'acc/top1': 0.25})
    proc = run_tool(TOOL, test_dir, '--results', str(results))
    assert proc.returncode == 0, proc.stdout
    assert re.search(r'FineTec\s+0\.500', proc.stdout)
    assert re.search(r'ST-GCN, interpolated\s+\(no such row',
                     proc.stdout), proc.stdout


def test_newest_test_run_wins(tmp_path):
    test_dir = str(tmp_path / 'test')
    write_test_log(test_dir, '20261202_150000', {'acc/top1': 0.1111})
    write_test_log(test_dir, '20261202_160000', {'acc/top1': 0.2222})
    proc = run_tool(TOOL, test_dir)
    assert proc.returncode == 0, proc.stdout
    assert re.search(r'top-1\s+0\.2222', proc.stdout), proc.stdout
    assert '0.1111' not in proc.stdout


def test_no_test_log_fails_naming_the_dir(tmp_path):
    test_dir = str(tmp_path / 'nothing')
    os.makedirs(test_dir)
    proc = run_tool(TOOL, test_dir)
    assert proc.returncode != 0
    assert test_dir in proc.stdout
