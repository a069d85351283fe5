"""tools/stream.py (MMPose output with two people, --fast, label lines,
PNG; the distractor never followed), its one-line errors, and the stream
protocol / latency tools; in process, with a tiny ST-GCN."""
import os.path as osp
import pickle
import re

import pytest
import torch

from tests.apis.writers import TwoPeople, write_json
from tests.utils import ROOT, load_tool

CONFIG = 'configs/stgcn_demo_severe_interp.py'
SMALL = ['model.backbone.num_stages=2', 'model.backbone.inflate_stages=[]',
         'model.backbone.down_stages=[]', 'model.cls_head.in_channels=64']


@pytest.fixture(scope='module')
def tiny_checkpoint(tmp_path_factory):
    """Random weights of the 2-stage ST-GCN of CONFIG (what SMALL makes)."""
    from mmengine.config import Config

    from finetec_mm.apis import init_recognizer
    cfg = Config.fromfile(osp.join(ROOT, CONFIG))
    cfg.model.backbone.update(num_stages=2, inflate_stages=[],
                              down_stages=[])
    cfg.model.cls_head.in_channels = 64
    torch.manual_seed(0)
    model = init_recognizer(cfg)
    path = str(tmp_path_factory.mktemp('stream_ckpt') / 'tiny.pth')
    torch.save(dict(state_dict=model.state_dict()), path)
    return path


@pytest.fixture(scope='module')
def demo_test_annos(tiny_demo_pkl):
    with open(tiny_demo_pkl, 'rb') as f:
        data = pickle.load(f)
    by_name = {a['frame_dir']: a for a in data['annotations']}
    return [by_name[n] for n in data['split']['test']]


def test_stream_cli_replays_pose_estimator_output(tiny_checkpoint,
                                                  demo_test_annos,
                                                  tmp_path, capsys):
    """Two people per frame (MMPose JSON), frames with nobody / only the
    distractor, 20 % extra burst drops: label lines with a time stamp, the
    latency summary and the PNG (main(argv) in process: the command line
    costs 10 s of imports here)."""
    people = TwoPeople(demo_test_annos[0], demo_test_annos[1])
    path = write_json(tmp_path / 'two.json', people.mmpose())
    png = str(tmp_path / 'scores.png')
    tool = load_tool('tools/stream.py')
    preds = tool.main([CONFIG, tiny_checkpoint, path, '--fast', '--window',
                       '32', '--drop-ratio', '0.2', '--drop-pattern',
                       'burst', '--plot', png, '--cfg-options', *SMALL])
    out = capsys.readouterr().out
    assert f'{people.T} frames at 30 fps, 11 dropped (burst)' in out
    assert re.search(r'^\[ +\d+\.\d\d s\] .+ frames observed$', out, re.M)
    assert 'latency per push median' in out
    assert osp.getsize(png) > 1000
    # the distractor is never followed: A is candidate 1 in odd frames
    truth = people.truth()
    for p in preds:
        for slot, chosen in zip(range(p['window'][0], p['window'][1] + 1),
                                p['track']['chosen']):
            assert chosen in (None, truth[slot])


def test_stream_cli_errors_are_one_line(tiny_checkpoint, tiny_demo_pkl,
                                        tmp_path):
    stream = load_tool('tools/stream.py')
    for argv, fragment in (
            ([str(tmp_path / 'none.json')], 'does not exist'),
            ([tiny_demo_pkl, '--split', 'test', '--sample', 'nope'],
             "no sample 'nope'")):
        with pytest.raises(SystemExit) as err:
            stream.main([CONFIG, tiny_checkpoint, *argv])
        assert str(err.value).startswith('error: ')
        assert fragment in str(err.value)
        assert '\n' not in str(err.value)


def test_stream_eval_prints_the_curve(tiny_checkpoint, tiny_demo_pkl,
                                      tmp_path, capsys):
    tool = load_tool('tools/analysis/stream_eval.py')
    out = tool.main([CONFIG, tiny_checkpoint, '--every', '8', '--window',
                     '32', '--json', str(tmp_path / 'curve.json'),
                     '--cfg-options', *SMALL,
                     f'test_dataloader.dataset.ann_file={tiny_demo_pkl}',
                     'test_dataloader.dataset.split=test'])
    assert out['num_samples'] == 3 and out['level'] == 'severe'
    assert set(out['accuracy']) == {'0.25', '0.5', '0.75', '1.0'}
    assert out['answered']['1.0'] == 1.0  # every sequence predicted by end
    assert 0.2 < out['observed_share'] < 0.3  # 4 of 16 segments
    assert 'offline 1-clip' in capsys.readouterr().out
    assert osp.isfile(tmp_path / 'curve.json')


def test_stream_latency_reports_both_models(tiny_demo_pkl, capsys):
    tool = load_tool('tools/analysis/stream_latency.py')
    out = tool.main(['--input', tiny_demo_pkl, '--num-samples', '1'])
    assert set(out['models']) == {'finetec', 'stgcn'}
    for row in out['models'].values():
        assert row['predictions'] > 0 and row['median_ms'] > 0
    assert out['machine']['cpu_count'] >= 1
    # read from /proc/loadavg, this process not counted (-1: unreadable)
    if osp.isfile('/proc/loadavg'):
        assert min(out['other_running_processes']) >= 0
    assert 'torch threads' in capsys.readouterr().out


@pytest.mark.parametrize('path', ['tools/stream.py', 'tools/infer.py'])
def test_person_option_is_auto_or_a_track_number(path, capsys):
    """``--person`` of both tools: 'auto' or N >= 0; anything else is one
    argparse error line that quotes the value."""
    tool = load_tool(path)
    args = ['c.py', 'k.pth', 'in.json']
    assert tool.parse_args(args + ['--person', 'auto']).person == 'auto'
    assert tool.parse_args(args + ['--person', '3']).person == 3
    for bad in ('-1', 'first', '2.5'):
        with pytest.raises(SystemExit):
            tool.parse_args(args + ['--person', bad])
        err = capsys.readouterr().err.strip().splitlines()[-1]
        assert err.endswith(
            f"expected 'auto' or a number >= 0, got {bad!r}"), err
