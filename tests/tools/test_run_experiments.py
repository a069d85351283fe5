"""tools/analysis/run_experiments.py: sweep, summary, resume."""
import json
import os.path as osp

import pytest

from tests.utils import data_options, load_tool


def test_sweep_summarises_and_resumes(tiny_demo_pkl, tmp_path, capsys,
                                      monkeypatch):
    """The sweep's ``main(argv)`` in this process; its train / test runs
    are the subprocesses it starts itself."""
    tool = load_tool('tools/analysis/run_experiments.py')
    monkeypatch.setenv('OMP_NUM_THREADS', '1')  # as run_tool gives them
    options = data_options(tiny_demo_pkl, **{
        'train_cfg.max_epochs': 1, 'train_dataloader.batch_size': 16,
        'test_dataloader.dataset.pipeline.1.num_clips': 2})[1:]
    args = ['configs/stgcn_demo_severe.py', '--seeds', '0', '1',
            '--work-root', str(tmp_path), '--json', str(tmp_path / 's.json'),
            '--cfg-options', *options]
    assert not tool.main(args)  # exit status 0
    first = capsys.readouterr().out
    assert '[2/2] stgcn_demo_severe.py seed 1' in first
    summary = json.load(open(tmp_path / 's.json'))
    (row, ) = summary['rows']
    runs = summary['runs']['configs/stgcn_demo_severe.py']
    top1 = [r['acc/top1'] for r in runs]
    assert len(top1) == 2 and all(0 <= v <= 1 for v in top1)
    assert abs(row['acc/top1'] - sum(top1) / 2) < 1e-9
    assert '| `configs/stgcn_demo_severe.py` | 2 |' in first
    # a second call reuses the stored results instead of training again
    (variant, ) = [p for p in tmp_path.iterdir() if p.is_dir()]
    assert variant.name.startswith('stgcn_demo_severe@')
    assert json.load(open(variant / 'seed0' / 'run.json'))['seed'] == 0
    train_log = variant / 'seed0' / 'train.out'
    stamp = train_log.stat().st_mtime_ns
    assert not tool.main(args)
    assert json.load(open(tmp_path / 's.json'))['runs'] == summary['runs']
    assert train_log.stat().st_mtime_ns == stamp


def test_paired_differences_are_per_seed():
    from tests.utils import load_tool
    tool = load_tool('tools/analysis/run_experiments.py')
    results = {'a.py': [{'acc/top1': 0.50}, {'acc/top1': 0.40},
                        {'acc/top1': 0.45}],
               'b.py': [{'acc/top1': 0.30}, {'acc/top1': 0.35},
                        {'acc/top1': 0.20}]}
    diffs = tool.paired(results, [0, 1, 2], 'b.py')
    assert list(diffs) == ['a.py']
    d = diffs['a.py']
    assert d['per_seed'] == {0: 0.2, 1: 0.05, 2: 0.25} or all(
        abs(d['per_seed'][s] - v) < 1e-12
        for s, v in {0: 0.2, 1: 0.05, 2: 0.25}.items())
    assert abs(d['mean'] - 0.5 / 3) < 1e-12
    # std of the differences, not the difference of the stds
    assert abs(d['std'] - 0.1040833) < 1e-6


def fake_runs(monkeypatch, tool):
    """Replace the train / test subprocesses by stubs: train writes a
    last_checkpoint, test prints a metric that counts the calls."""
    calls = []

    def run(cmd, log_path):
        calls.append(cmd)
        work_dir = cmd[cmd.index('--work-dir') + 1]
        if cmd[1] == 'tools/train.py':
            with open(osp.join(work_dir, 'last_checkpoint'), 'w') as f:
                f.write(osp.join(work_dir, 'epoch_1.pth'))
            return ''
        return f'  acc/top1  0.{len(calls)}\n'

    monkeypatch.setattr(tool, 'run', run)
    return calls


def test_other_options_are_another_run(tmp_path, monkeypatch):
    """The same config and seed with other --cfg-options trains again and
    reports its own metrics, not those of the stored variant."""
    tool = load_tool('tools/analysis/run_experiments.py')
    calls = fake_runs(monkeypatch, tool)
    config, root = 'configs/stgcn_demo_severe.py', str(tmp_path)
    plain = tool.train_and_test(config, 0, root, [])
    linear = tool.train_and_test(config, 0, root, ['corruption.fill=linear'])
    assert len(calls) == 4, 'the variant with options was not run'
    assert linear != plain
    assert '--cfg-options' in calls[2] and 'corruption.fill=linear' in calls[2]
    # each variant is reused as it is, the options in any order
    assert tool.train_and_test(config, 0, root, []) == plain
    assert tool.train_and_test(
        config, 0, root, ['corruption.fill=linear']) == linear
    both = ['corruption.fill=linear', 'model.completion=None']
    first = tool.train_and_test(config, 0, root, both)
    assert tool.train_and_test(config, 0, root, both[::-1]) == first
    assert len(calls) == 6
    records = sorted((json.load(open(p))['cfg_options'] for p in
                      tmp_path.glob('*/seed0/run.json')), key=len)
    assert records == [{}, {'corruption.fill': 'linear'}, {
        'corruption.fill': 'linear', 'model.completion': 'None'}]


def test_a_folder_of_another_run_is_refused(tmp_path, monkeypatch, capsys):
    """Two configs with one file name share a folder: the second is
    refused in one line, not reported with the first one's metrics."""
    tool = load_tool('tools/analysis/run_experiments.py')
    calls = fake_runs(monkeypatch, tool)
    root = str(tmp_path)
    tool.train_and_test('configs/stgcn_demo_severe.py', 0, root, [])
    with pytest.raises(tool.RunMismatch, match='holds another run: config'):
        tool.train_and_test('configs/other/stgcn_demo_severe.py', 0, root,
                            [])
    assert len(calls) == 2
    # a folder written before run records existed is not trusted with
    # options, and main() says so in one line with exit status 1
    legacy = tmp_path / 'stgcn_demo_severe@x' / 'seed0'
    legacy.mkdir(parents=True)
    monkeypatch.setattr(tool, 'run_dir', lambda *a: str(legacy))
    (legacy / 'test_metrics.json').write_text('{"acc/top1": 0.9}')
    assert tool.main(['configs/stgcn_demo_severe.py', '--seeds', '0',
                      '--work-root', root, '--cfg-options', 'a.b=1']) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and 'without a record of its options' in err[0]
