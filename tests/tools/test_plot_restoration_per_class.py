"""plot_restoration_per_class.py: ratios to linear and the picture."""
import json

import numpy as np
import pytest

from tests.utils import load_tool, run_tool

tool = load_tool('tools/analysis/plot_restoration_per_class.py')


def _rows():
    def per(a, b):
        return {'0': dict(mpjpe_missing=a, clips=3, name='walk'),
                '1': dict(mpjpe_missing=b, clips=5, name='run'),
                'macro': dict(mpjpe_missing=(a + b) / 2, clips=8,
                              name='macro')}
    return [dict(method='icl', level='severe', per_label=per(0.5, 3.0)),
            dict(method='linear', level='severe', per_label=per(1.0, 2.0))]


def test_ratio_table():
    labels, names, clips, ratios = tool.ratio_table(_rows())['severe']
    assert labels == ['0', '1', 'macro'] and names == ['walk', 'run', 'macro']
    assert clips == [3, 5, 8] and list(ratios) == ['icl']
    np.testing.assert_allclose(ratios['icl'], [0.5, 1.5, 1.75 / 1.5])


def test_errors_name_what_is_missing():
    rows = _rows()
    with pytest.raises(ValueError, match='no `linear` row'):
        tool.ratio_table(rows[:1])
    rows[0].pop('per_label')
    with pytest.raises(ValueError, match='--per-label'):
        tool.ratio_table(rows)


def test_writes_the_picture(tmp_path):
    src = tmp_path / 'rows.json'
    src.write_text(json.dumps(_rows()))
    out = tmp_path / 'fig.png'
    proc = run_tool('tools/analysis/plot_restoration_per_class.py', str(src),
                    '--out', str(out))
    assert proc.returncode == 0, proc.stdout
    assert out.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    bad = tmp_path / 'bad.json'
    bad.write_text(json.dumps(_rows()[:1]))
    proc = run_tool('tools/analysis/plot_restoration_per_class.py', str(bad))
    assert proc.returncode != 0
    assert proc.stdout.strip().splitlines()[-1].startswith(
        f'plot_restoration_per_class: {bad}: ')
