"""tools/analysis/timeline_share.py: how much of the timeline a protocol
reveals, on the tiny demo data."""
import json

import pytest

from tests.utils import data_options, run_tool

TOOL = 'tools/analysis/timeline_share.py'
CONFIG = 'configs/stgcn_demo_severe.py'


def test_shared_masks_reveal_the_same_share_with_ten_clips(tiny_demo_pkl,
                                                           tmp_path):
    out = tmp_path / 'share.json'
    proc = run_tool(TOOL, CONFIG, '--num-samples', '24', '--json', str(out),
                    *data_options(tiny_demo_pkl))
    assert proc.returncode == 0, proc.stdout[-3000:]
    rows = {(r['clip_masks'], r['num_clips']): r
            for r in json.loads(out.read_text())['rows']}
    assert set(rows) == {('shared', 1), ('shared', 10), ('independent', 1),
                         ('independent', 10)}
    for row in rows.values():
        assert row['kept_per_clip'] == 4 and row['samples'] == 24
    # sequence-consistent: 10 clips observe the 4 positions one clip does,
    # i.e. at most the 4 kept segments (about a quarter of each sequence)
    assert rows['shared', 10]['positions'] == 4
    assert rows['shared', 10]['share'] <= 0.3
    assert rows['shared', 10]['share'] > rows['shared', 1]['share']
    # independent masks: the 10 clips together see many more segments
    assert rows['independent', 10]['positions'] > 10
    assert rows['independent', 10]['share'] > 1.4 * rows['shared', 10][
        'share']
    assert rows['independent', 1]['share'] == pytest.approx(
        rows['shared', 1]['share'], abs=0.02)
    assert '% of the timeline' in proc.stdout
