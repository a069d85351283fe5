"""End-to-end: pre-train configs/completion/icl_demo.py for a few iterations
with tools/train.py, then test the checkpoint (network and baseline) with
tools/test.py and tabulate it with tools/analysis/restoration_table.py."""
import json
import os.path as osp

from finetec_mm.engine import load_from_local_safe
from tests.utils import ROOT, data_options, load_tool, run_tool

CONFIG = 'configs/completion/icl_demo.py'


def test_icl_demo_trains_and_tests(tiny_demo_pkl, tmp_path, capsys):
    opts = data_options(
        tiny_demo_pkl, **{
            'model.bank.ann_file': tiny_demo_pkl,
            'model.net.num_blocks': 4,
            'model.pool_size': 16,
            'train_dataloader.batch_size': 32,
            'val_dataloader.batch_size': 32,
            'test_dataloader.batch_size': 32,
            'train_cfg.max_iters': 6,
            'train_cfg.val_interval': 3,
            'default_hooks.checkpoint.interval': 3,
        })
    proc = run_tool('tools/train.py', CONFIG, '--work-dir', str(tmp_path),
                    *opts)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert 'Iter(train) [6/6]' in proc.stdout
    assert 'restore/mpjpe' in proc.stdout and 'loss_prompt' in proc.stdout
    ckpt = load_from_local_safe(osp.join(tmp_path, 'iter_6.pth'))
    state = ckpt['state_dict']
    assert state['prior'].shape == (16, 17, 2)
    assert state['prompt_pool'].shape == (16, 16, 17, 2)
    assert any(osp.basename(p).startswith('best_restore_mpjpe')
               for p in map(str, tmp_path.iterdir()))
    # the checkpoint alone (no bank) serves inference; a baseline switches
    # with one key
    for extra in ({}, {'model.baseline': 'linear'}):
        test = data_options(
            tiny_demo_pkl, **{'model.net.num_blocks': 4,
                              'model.pool_size': 16, 'model.bank': None,
                              'corruption.level': 'moderate', **extra})
        proc = run_tool('tools/test.py', CONFIG,
                        osp.join(tmp_path, 'iter_6.pth'), '--work-dir',
                        str(tmp_path / 'test'), *test)
        assert proc.returncode == 0, proc.stdout[-3000:]
        assert 'restore/mpjpe_missing' in proc.stdout
    # the restoration table over methods x levels, as JSON
    out = tmp_path / 'table.json'
    table = data_options(tiny_demo_pkl, **{'model.net.num_blocks': 4,
                                           'model.pool_size': 16})
    # the tool's main(argv) in this process (it runs its eight test
    # runners in one process too)
    capsys.readouterr()
    load_tool('tools/analysis/restoration_table.py').main([
        osp.join(ROOT, CONFIG), osp.join(tmp_path, 'iter_6.pth'),
        '--methods', 'icl', 'icl_no_prompt', 'icl_random_prompt', 'linear',
        '--levels', 'minor', 'severe', '--work-dir', str(tmp_path / 'table'),
        '--json', str(out), '--ann-file', tiny_demo_pkl, '--split', 'train',
        '--per-label', *table])
    stdout = capsys.readouterr().out
    rows = json.loads(out.read_text())
    methods = ['icl', 'icl_no_prompt', 'icl_random_prompt', 'linear']
    assert [(r['method'], r['level']) for r in rows] == [
        (m, level) for level in ('minor', 'severe') for m in methods]
    linear = {r['level']: r['mpjpe'] for r in rows if r['method'] == 'linear'}
    assert 0 < linear['minor'] < linear['severe']
    severe = {r['method']: r['mpjpe_missing'] for r in rows
              if r['level'] == 'severe'}
    # three prompt rules, three different restorations
    assert len({severe[m] for m in methods[:3]}) == 3
    # per class: every class of the demo's train split, clips adding up,
    # the pooled error between the per-class ones, names printed
    for r in rows:
        per = r['per_label']
        macro = per.pop('macro')['mpjpe_missing']
        assert sorted(map(int, per)) == list(range(24))
        assert sum(g['clips'] for g in per.values()) == 48
        values = [g['mpjpe_missing'] for g in per.values()]
        assert min(values) <= r['mpjpe_missing'] <= max(values)
        assert abs(macro - sum(values) / 24) < 1e-9
    assert 'Missing-frame MPJPE per class' in stdout
    # --split reached the loader: the train split has other clips than val
    assert 'SkeletonBank' in stdout and '[train]' in stdout
