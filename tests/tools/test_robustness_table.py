"""tools/analysis/robustness_table.py on the tiny ST-GCN checkpoint."""
import json
import re

import pytest

from tests.utils import load_tool, run_tool

TOOL = 'tools/analysis/robustness_table.py'


def test_robustness_table_five_rows(tiny_stgcn, tmp_path):
    md, js = tmp_path / 'table.md', tmp_path / 'table.json'
    proc = run_tool(
        TOOL, tiny_stgcn['config'], tiny_stgcn['checkpoint'], '--noise',
        '0.01', '0.03', '--drop', '0.1', '0.3', '--work-dir',
        str(tmp_path / 'runs'), '--markdown', str(md), '--json', str(js),
        '--cfg-options',
        f"test_dataloader.dataset.ann_file={tiny_stgcn['pkl']}",
        'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False',
        'test_dataloader.dataset.pipeline.1.num_clips=2')
    assert proc.returncode == 0, proc.stdout[-3000:]
    # every row ran its own test loop over the 24 val samples
    assert proc.stdout.count('Epoch(test) [2/2]') == 5
    assert proc.stdout.count("type='TestTimePerturb'") >= 4
    table = proc.stdout[proc.stdout.index('Robustness of'):]
    rows = [ln for ln in table.splitlines()
            if re.match(r'^(none|noise|drop) ', ln)]
    assert len(rows) == 5, table
    for row in rows:
        top1, mean1 = (float(v) for v in row.split()[-3:-1])
        assert 0 <= top1 <= 1 and 0 <= mean1 <= 1, row

    with open(js) as f:
        saved = json.load(f)
    assert [(r['kind'], r['level']) for r in saved['rows']] == [
        ('none', 0), ('noise', 0.01), ('noise', 0.03), ('drop', 0.1),
        ('drop', 0.3)]
    for r in saved['rows']:
        for key in ('top1', 'mean1', 'top5'):
            assert 0 <= r[key] <= 1, r
    lines = md.read_text().splitlines()
    assert lines[2] == '| perturbation | top-1 | mean-class | Δ top-1 |'
    assert len([ln for ln in lines if ln.startswith('| ')]) == 6


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
