"""tools/analysis/run_experiments.py: sweep, summary, resume."""
import json

from tests.utils import data_options, run_tool


def test_sweep_summarises_and_resumes(tiny_demo_pkl, tmp_path):
    options = data_options(tiny_demo_pkl, **{
        'train_cfg.max_epochs': 1, 'train_dataloader.batch_size': 16,
        'test_dataloader.dataset.pipeline.1.num_clips': 2})[1:]
    args = ['tools/analysis/run_experiments.py',
            'configs/stgcn_demo_severe.py', '--seeds', '0', '1',
            '--work-root', str(tmp_path), '--json', str(tmp_path / 's.json'),
            '--cfg-options', *options]
    first = run_tool(*args)
    assert first.returncode == 0, first.stdout[-3000:]
    assert '[2/2] stgcn_demo_severe.py seed 1' in first.stdout
    summary = json.load(open(tmp_path / 's.json'))
    (row, ) = summary['rows']
    runs = summary['runs']['configs/stgcn_demo_severe.py']
    top1 = [r['acc/top1'] for r in runs]
    assert len(top1) == 2 and all(0 <= v <= 1 for v in top1)
    assert abs(row['acc/top1'] - sum(top1) / 2) < 1e-9
    assert '| `configs/stgcn_demo_severe.py` | 2 |' in first.stdout
    # a second call reuses the stored results instead of training again
    train_log = tmp_path / 'stgcn_demo_severe' / 'seed0' / 'train.out'
    stamp = train_log.stat().st_mtime_ns
    second = run_tool(*args)
    assert second.returncode == 0
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
