"""tools/analysis/robustness_table.py on the tiny ST-GCN checkpoint."""
import json
import re

import pytest

from tests.utils import load_tool

TOOL = 'tools/analysis/robustness_table.py'


def test_robustness_table_five_rows(tiny_stgcn, tmp_path, capsys):
    """The tool's ``main(argv)`` in this process (its five test runners
    share one process in the tool too); the log and the table on stdout."""
    md, js = tmp_path / 'table.md', tmp_path / 'table.json'
    load_tool(TOOL).main([
        tiny_stgcn['config'], tiny_stgcn['checkpoint'], '--noise',
        '0.01', '0.03', '--drop', '0.1', '0.3', '--work-dir',
        str(tmp_path / 'runs'), '--markdown', str(md), '--json', str(js),
        '--cfg-options',
        f"test_dataloader.dataset.ann_file={tiny_stgcn['pkl']}",
        'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False',
        'test_dataloader.dataset.pipeline.1.num_clips=1',
        'test_dataloader.dataset.indices=8', 'test_dataloader.batch_size=4'])
    stdout = capsys.readouterr().out
    # every row ran its own test loop over 8 val samples, 1 clip each
    assert stdout.count('Epoch(test) [2/2]') == 5
    assert stdout.count("type='TestTimePerturb'") >= 4
    table = stdout[stdout.index('Robustness of'):]
    rows = [ln for ln in table.splitlines()
            if re.match(r'^(none|noise|drop) ', ln)]
    assert len(rows) == 5, table
    printed = [[float(v) for v in row.split()[-3:]] for row in rows]
    for top1, mean1, delta in printed:
        assert 0 <= top1 <= 1 and 0 <= mean1 <= 1, rows
        # the delta column is this row minus the unperturbed row
        assert delta == pytest.approx(top1 - printed[0][0], abs=1.5e-4)

    with open(js) as f:
        saved = json.load(f)
    assert [(r['kind'], r['level']) for r in saved['rows']] == [
        ('none', 0), ('noise', 0.01), ('noise', 0.03), ('drop', 0.1),
        ('drop', 0.3)]
    for r in saved['rows']:
        for key in ('top1', 'mean1', 'top5'):
            assert 0 <= r[key] <= 1, r
    for r, (top1, mean1, _) in zip(saved['rows'], printed):
        assert r['top1'] == pytest.approx(top1, abs=1e-4)
        assert r['mean1'] == pytest.approx(mean1, abs=1e-4)
    lines = md.read_text().splitlines()
    assert lines[2] == '| perturbation | top-1 | mean-class | Δ top-1 |'
    cells = [ln.split('|')[1:-1] for ln in lines[4:] if ln.startswith('| ')]
    assert len(cells) == 5
    clean = saved['rows'][0]['top1']
    assert cells[0][3].strip() == '+0.000'
    for r, cell in zip(saved['rows'], cells):
        assert float(cell[1]) == pytest.approx(r['top1'], abs=5e-4)
        assert float(cell[3]) == pytest.approx(r['top1'] - clean, abs=5e-4)


def test_perturbations_change_the_test_inputs(tiny_stgcn):
    """What the table's rows evaluate: the recomposed test pipeline with a
    drop perturbation loses exactly the stated share of the present frames
    of every clip, and noise moves the observed joints only."""
    import numpy as np
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from finetec_mm.engine import recompose
    from mmaction.registry import DATASETS

    init_default_scope('mmaction')

    def first_sample(perturb):
        cfg = Config.fromfile(tiny_stgcn['config'])
        cfg.test_time_perturb = perturb
        recompose(cfg)
        dataset = cfg.test_dataloader.dataset
        dataset.ann_file = tiny_stgcn['pkl']
        dataset.pipeline = [s for s in dataset.pipeline
                            if s['type'] not in ('GenSkeFeat',
                                                 'FormatGCNInput',
                                                 'PackActionInputs')]
        return DATASETS.build(dataset)[0]

    clean = first_sample(None)
    present = (clean['keypoint_score'][0] > 0).any(-1).reshape(10, 16)
    dropped = first_sample(dict(drop=0.3, seed=0))
    kept = (dropped['keypoint_score'][0] > 0).any(-1).reshape(10, 16)
    assert (kept <= present).all()
    expected = np.floor(0.3 * present.sum(1) + 0.5)
    assert ((present.sum(1) - kept.sum(1)) == expected).all()
    noisy = first_sample(dict(noise=0.03, seed=0))
    moved = np.abs(noisy['keypoint'] - clean['keypoint']).sum(-1) > 0
    assert moved.any()
    assert not moved[clean['keypoint_score'] == 0].any()


def test_robustness_table_rejects_bad_levels(capsys):
    tool = load_tool(TOOL)
    for flag, value, message in (
            ('--drop', '1.5', '--drop ratios must be in (0, 1), got 1.5'),
            ('--noise', '0', '--noise levels must be > 0, got 0.0')):
        with pytest.raises(SystemExit):
            tool.parse_args(['c.py', 'k.pth', flag, value])
        assert message in capsys.readouterr().err
    rows = tool.perturbations(tool.parse_args(['c.py', 'k.pth']))
    assert [(kind, level) for kind, level, _ in rows] == [
        ('none', 0.), ('noise', 0.01), ('noise', 0.03), ('drop', 0.1),
        ('drop', 0.3)]
    assert rows[0][2] is None and rows[1][2]['noise_unit'] == 'bbox'
