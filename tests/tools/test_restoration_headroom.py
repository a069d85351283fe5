"""tools/analysis/restoration_headroom.py: cubic fills, edge frames, the
table's internal consistency and the exemplar rows (its ``main(argv)``
called in this process: the tool only reads files and prints)."""
import json

import numpy as np
import torch
from mmengine.registry import init_default_scope

from tests.utils import ROOT, data_options, load_tool

headroom = load_tool('tools/analysis/restoration_headroom.py')
CONFIG = f'{ROOT}/configs/completion/icl_demo.py'


def _clip(fn, T=16):
    t = np.arange(T, dtype=np.float64)
    x = np.stack([fn(t + j) for j in range(6)], axis=1)  # (T, 6)
    return np.stack([x, -x], axis=-1)  # (T, 6, 2)


def test_edge_frames():
    observed = np.array([0, 0, 1, 0, 1, 0, 0], bool)
    assert headroom.edge_frames(observed).tolist() == [1, 1, 0, 0, 0, 1, 1]


def test_cubic_fills_keep_observed_frames_and_beat_linear_on_curves():
    observed = np.zeros(16, bool)
    observed[[1, 4, 8, 11, 14]] = True
    line = _clip(lambda t: 0.3 * t + 1)
    curve = _clip(lambda t: 0.02 * (t - 7) ** 3 + np.sin(t / 3))
    linear = headroom.fill_gaps(curve[None], observed, 'linear')[0][0]
    inside = ~observed & ~headroom.edge_frames(observed)
    for kind in ('pchip', 'spline'):
        # linear motion is reproduced exactly between observed frames
        out = headroom.cubic_fill(line, observed, kind)
        np.testing.assert_allclose(out[inside], line[inside], atol=1e-12)
        out = headroom.cubic_fill(curve, observed, kind)
        assert np.array_equal(out[observed], curve[observed])
        # ends held like the linear baseline
        np.testing.assert_array_equal(out[0], curve[1])
        np.testing.assert_array_equal(out[15], curve[14])
        err = np.abs(out - curve)[inside].mean()
        assert err < 0.8 * np.abs(linear - curve)[inside].mean()
    two = np.zeros(16, bool)
    two[[3, 9]] = True
    np.testing.assert_array_equal(
        headroom.cubic_fill(curve, two, 'spline'),
        headroom.fill_gaps(curve[None], two, 'linear')[0][0])


def test_velocity_fill_continues_uniform_motion_at_the_ends():
    observed = np.zeros(16, bool)
    observed[[3, 6, 11, 12]] = True
    line = _clip(lambda t: 0.3 * t + 1)
    np.testing.assert_allclose(headroom.velocity_fill(line, observed), line,
                               atol=1e-12)
    curve = _clip(lambda t: np.sin(t / 3))
    out = headroom.velocity_fill(curve, observed)
    linear = headroom.fill_gaps(curve[None], observed, 'linear')[0][0]
    inside = ~headroom.edge_frames(observed)
    assert np.array_equal(out[inside], linear[inside])
    np.testing.assert_allclose(out[0], curve[3] - 3 * (curve[6] - curve[3]) / 3)
    np.testing.assert_allclose(out[15], curve[12] + 3 * (curve[12] - curve[11]))
    one = np.zeros(16, bool)
    one[5] = True
    assert np.array_equal(headroom.velocity_fill(curve, one), np.broadcast_to(
        curve[5], curve.shape))


def test_table_on_a_small_bank(tiny_demo_pkl, tmp_path):
    out = tmp_path / 'headroom.json'
    headroom.main([CONFIG, '--ann-file', tiny_demo_pkl, '--split', 'val',
                   '--levels', 'minor', 'severe', '--json', str(out)])
    rows = json.loads(out.read_text())
    assert [r['level'] for r in rows] == ['minor', 'severe']
    for r in rows:
        # the mean over missing frames is the share-weighted mean of the
        # edge and interior means
        mixed = (r['edge_share'] * r['edge'] +
                 (1 - r['edge_share']) * r['interior'])
        assert abs(mixed - r['linear']) < 1e-9
        assert 0 < r['edge_share'] < 1 and 0 < r['edge_error_share'] < 1
    assert rows[0]['linear'] < rows[1]['linear']
    assert rows[0]['edge_share'] < rows[1]['edge_share']


def test_exemplar_rows(tiny_demo_pkl, tmp_path):
    """With the test clips themselves as the pool (--full-pool on a train
    bank that is the test split), the best-of-pool exemplar is exact and
    retrieval finds it; with the checkpoint's small pool of train clips,
    the oracle is never worse than the retrieved exemplar."""
    from finetec_mm.datasets import SkeletonBank
    from finetec_mm.models.completion import ICLCompletionModel
    init_default_scope('mmaction')
    net = dict(type='ICLCompletionNet', num_blocks=4, merge_after=2)
    torch.manual_seed(0)
    model = ICLCompletionModel(net, pool_size=16, bank=SkeletonBank(
        tiny_demo_pkl, split='train'))
    ckpt = tmp_path / 'icl.pth'
    torch.save({'state_dict': model.state_dict()}, ckpt)
    common = ['--ann-file', tiny_demo_pkl, '--split', 'test', '--levels',
              'severe', '--checkpoint', str(ckpt)]
    opts = data_options(tiny_demo_pkl, **{
        'model.net.num_blocks': 4, 'model.pool_size': 16,
        'train_dataloader.dataset.split': 'test',
        'train_dataloader.dataset.num_clips': 1})
    rows = {}
    for name, extra in (('own', ['--full-pool']), ('train', [])):
        out = tmp_path / f'{name}.json'
        headroom.main([CONFIG, *common, *extra, '--json', str(out), *opts])
        rows[name] = json.loads(out.read_text())[0]
    own, train = rows['own'], rows['train']
    assert own['exemplar_oracle'] < 1e-6 and own['exemplar'] < 1e-6
    assert train['exemplar_oracle'] <= train['exemplar']
    assert train['exemplar_oracle'] > 1e-3
    assert own['linear'] == train['linear'] and own['icl'] > 0
