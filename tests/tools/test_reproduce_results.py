"""tools/analysis/reproduce_results.py (make results): the list of runs,
--dry-run, resuming and the cross-level tests, without training."""
import json
import os
import os.path as osp
import re

import pytest

from tests.utils import ROOT, load_tool, run_tool

TOOL = 'tools/analysis/reproduce_results.py'


def test_every_listed_row_is_valid_and_dry_run_lists_it(tmp_path):
    """Every row of the shipped list names an existing config (read_runs
    checks), and --dry-run prints each run and command, the total CPU time,
    and writes nothing."""
    tool = load_tool(TOOL)
    rows = tool.read_runs(osp.join(ROOT, tool.DEFAULT_RUNS))
    assert {'severe', 'levels', 'cross-level'} <= {r.table for r in rows}
    work_root = str(tmp_path / 'runs')
    proc = run_tool(TOOL, '--dry-run', '--work-root', work_root)
    assert proc.returncode == 0, proc.stdout
    out = proc.stdout
    runs, minutes = tool.plan(rows, work_root)
    assert f'{len(rows)} rows, {len(runs)} runs' in out
    assert f'about {minutes / 60:.1f} hours of CPU time' in out
    for run_dir in runs:
        assert f'-> {run_dir}' in out, run_dir
    commands = [ln for ln in out.splitlines() if ln.startswith('$ ')]
    assert len(commands) == len(rows)
    assert all('tools/analysis/run_experiments.py' in c for c in commands)
    assert not osp.exists(work_root), 'a dry run wrote something'


def test_rows_sharing_a_run_count_it_once(tmp_path):
    tool = load_tool(TOOL)
    runs_file = tmp_path / 'runs.txt'
    runs_file.write_text(
        '# comment\n'
        'a 10 configs/stgcn_demo_severe.py 0-2\n'
        'b 10 configs/stgcn_demo_severe.py 0 test-levels=minor,moderate\n'
        'c 5 configs/stgcn_demo_severe.py 0,1 corruption.fill=linear\n')
    rows = tool.read_runs(str(runs_file))
    assert [r.seeds for r in rows] == [[0, 1, 2], [0], [0, 1]]
    assert rows[1].test_levels == ['minor', 'moderate']
    assert rows[2].options == ['corruption.fill=linear']
    runs, minutes = tool.plan(rows, 'w')
    assert len(runs) == 5  # 3 plain seeds + 2 with the option
    assert minutes == 3 * 10 + 2 + 2 * 5  # + one minute per extra test


@pytest.mark.parametrize('line, message', [
    ('a 10 configs/nope.py 0', 'does not exist'),
    ('a ten configs/stgcn_demo_severe.py 0', 'could not convert'),
    ('a 10 configs/stgcn_demo_severe.py 2-1', 'empty range'),
    ('a 10 configs/stgcn_demo_severe.py 0 test-levels=extreme', 'unknown'),
    ('a 10 configs/stgcn_demo_severe.py', 'want TABLE MINUTES'),
])
def test_a_bad_row_is_one_line_naming_it(tmp_path, line, message):
    runs_file = tmp_path / 'runs.txt'
    runs_file.write_text('# header\n' + line + '\n')
    proc = run_tool(TOOL, '--dry-run', '--runs', str(runs_file))
    assert proc.returncode == 1
    (error, ) = [ln for ln in proc.stdout.splitlines()
                 if ln.startswith('error:')]
    assert f'{runs_file}:2' in error and message in error, error


def test_runs_sweeps_then_tests_at_other_levels_and_resumes(
        tmp_path, monkeypatch):
    """Without --dry-run: one run_experiments.py call per row, then the
    cross-level tests on the run's last checkpoint; a second call repeats
    no test."""
    tool = load_tool(TOOL)
    runs_file = tmp_path / 'runs.txt'
    runs_file.write_text('x 1 configs/stgcn_demo_severe.py 0 '
                         'test-levels=minor,moderate\n')
    work_root = str(tmp_path / 'w')
    sweeps, tests = [], []

    class Done:
        returncode = 0

    def fake_sweep(cmd, cwd, env):
        sweeps.append(cmd)
        assert env['OMP_NUM_THREADS'] == '1'
        run_dir = osp.join(work_root, 'stgcn_demo_severe', 'seed0')
        os.makedirs(run_dir, exist_ok=True)
        with open(osp.join(run_dir, 'last_checkpoint'), 'w') as f:
            f.write('ckpt.pth')
        return Done()

    def fake_test(cmd, log_path):
        tests.append(cmd)
        level = re.search(r'corruption\.level=(\w+)', ' '.join(cmd))[1]
        return f'  acc/top1  {0.5 if level == "minor" else 0.4}\n'

    sweep = load_tool('tools/analysis/run_experiments.py')
    monkeypatch.setattr(sweep, 'run', fake_test)
    monkeypatch.setattr(tool, '_load_sweep', lambda: sweep)
    monkeypatch.setattr(tool.subprocess, 'run', fake_sweep)
    argv = ['--runs', str(runs_file), '--work-root', work_root]
    assert tool.main(argv) == 0
    assert len(sweeps) == 1 and '--seeds' in sweeps[0]
    assert [c[2:4] for c in tests] == [['configs/stgcn_demo_severe.py',
                                        'ckpt.pth']] * 2
    run_dir = osp.join(work_root, 'stgcn_demo_severe', 'seed0')
    assert json.load(open(osp.join(run_dir, 'test_at_minor.json'))) == {
        'acc/top1': 0.5}
    assert tool.main(argv) == 0
    assert len(tests) == 2, 'a finished cross-level test ran again'


def test_results_md_states_the_total_cpu_time_of_the_list():
    """docs/results.md says how long `make results` takes: the total of the
    list's minutes (add a row, update the figure)."""
    tool = load_tool(TOOL)
    rows = tool.read_runs(osp.join(ROOT, tool.DEFAULT_RUNS))
    _, minutes = tool.plan(rows, 'work_dirs/results_head')
    text = open(osp.join(ROOT, 'docs', 'results.md')).read()
    stated = re.findall(r'about ([\d.]+) hours of CPU time', text)
    assert stated == [f'{minutes / 60:.1f}'], (stated, minutes / 60)
