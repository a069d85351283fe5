"""Frozen evaluation sets: tools/data/freeze_eval_set.py and the
``frozen=True`` switch of recompose, end to end on the tiny demo."""
import importlib.util
import os.path as osp
import pickle
import re

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from finetec_mm.engine import recompose
from mmaction.datasets.transforms import UniformSampleFrames
from mmaction.registry import DATASETS
from tests.utils import ROOT, data_options, run_tool

CONFIG = 'configs/stgcn_demo_clean.py'
TOOL = 'tools/data/freeze_eval_set.py'
SEVERE = {'corruption.level': 'severe'}


def load_tool():
    spec = importlib.util.spec_from_file_location('freeze_eval_set',
                                                  osp.join(ROOT, TOOL))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load(path):
    with open(path, 'rb') as f:
        return pickle.load(f)


@pytest.fixture(scope='module')
def frozen(tiny_demo_pkl, tmp_path_factory):
    out = tmp_path_factory.mktemp('frozen') / 'severe.pkl'
    proc = run_tool(TOOL, CONFIG, '--out', str(out),
                    *data_options(tiny_demo_pkl, **SEVERE))
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert 'freezing test: 24/24' in proc.stdout  # progress on stderr
    return str(out)


def test_dataset(pkl, frozen_pkl=None, **options):
    """The resolved test dataset of CONFIG (severe unless overridden)."""
    cfg = Config.fromfile(osp.join(ROOT, CONFIG))
    cfg.merge_from_dict({**SEVERE, 'test_dataloader.dataset.ann_file': pkl,
                         **options})
    if frozen_pkl is not None:
        cfg.merge_from_dict({'test_dataloader.dataset.ann_file': frozen_pkl,
                             'frozen': True})
    recompose(cfg)
    init_default_scope('mmaction')
    return DATASETS.build(cfg.test_dataloader.dataset)


test_dataset.__test__ = False  # a helper, not a test


def test_frozen_file_is_a_pose_dataset_with_the_masks(frozen, tiny_demo_pkl):
    data, source = load(frozen), load(tiny_demo_pkl)
    assert set(data) == {'split', 'annotations', 'frozen_meta'}
    assert data['split'] == {'test': source['split']['test']}
    originals = {a['frame_dir']: a for a in source['annotations']}
    sampler = UniformSampleFrames(clip_len=16, num_clips=10, test_mode=True)
    for anno in data['annotations']:
        orig = originals[anno['frame_dir']]
        assert anno['label'] == orig['label']
        assert (anno['clip_len'], anno['num_clips'],
                anno['total_frames']) == (16, 10, 160)
        kp, score, mask = (anno['keypoint'], anno['keypoint_score'],
                           anno['frame_mask'])
        assert kp.dtype == score.dtype == np.float32 and mask.dtype == bool
        assert kp.shape == (1, 160, 17, 2) and score.shape == (1, 160, 17)
        assert (mask.reshape(10, 16).sum(1) == 4).all()  # 12 of 16 dropped
        # sequence-consistent: all 10 clips drop the same positions
        assert (mask.reshape(10, 16) == mask[:16]).all()
        assert not kp[:, ~mask].any() and not score[:, ~mask].any()
        # kept frames: the original pixels of the sampled source frames
        inds = anno['source_frame_inds']
        assert inds.shape == (160, ) and inds.dtype == np.int64
        sampled = sampler(dict(total_frames=orig['total_frames'],
                               keypoint=orig['keypoint'].copy()))
        assert np.array_equal(inds, sampled['frame_inds'])
        np.testing.assert_allclose(kp[:, mask],
                                   orig['keypoint'][:, inds[mask]],
                                   rtol=0, atol=1e-3)
        assert np.array_equal(score[:, mask],
                              orig['keypoint_score'][:, inds[mask]])
    meta = data['frozen_meta']
    assert meta['created_by'] == 'finetec_mm' and meta['version']
    assert meta['corruption'] == {'level': 'severe'} and meta['seed'] == 0
    assert meta['split'] == 'test' and meta['num_samples'] == 24
    assert meta['clip_masks'] == 'shared'
    assert [s['type'] for s in meta['pipeline']] == [
        'PreNormalize2D', 'UniformSampleFrames', 'PoseDecode',
        'SkeletonCorrupt'
    ]


@pytest.mark.parametrize('fill', [None, 'linear'])
def test_frozen_inputs_are_bit_identical(frozen, tiny_demo_pkl, fill):
    options = {} if fill is None else {'corruption.fill': fill}
    on_the_fly = test_dataset(tiny_demo_pkl, **options)
    from_file = test_dataset(tiny_demo_pkl, frozen, **options)
    types = [type(t).__name__ for t in from_file.pipeline.transforms]
    assert types[:4] == ['PreNormalize2D', 'LoadFrozenClips', 'PoseDecode',
                         'ApplyFrozenMask']
    assert ('GapFill' in types) == (fill is not None)
    assert len(on_the_fly) == len(from_file) == 24
    for idx in range(24):
        a, b = on_the_fly[idx], from_file[idx]
        assert a['inputs'].shape == (10, 1, 16, 17, 3)
        assert torch.equal(a['inputs'], b['inputs']), idx
        assert torch.equal(a['data_samples'].gt_labels.item,
                           b['data_samples'].gt_labels.item)
    if fill is None:  # the frozen file really holds the corruption
        clean = test_dataset(tiny_demo_pkl, corruption=None)
        assert not torch.equal(clean[0]['inputs'], from_file[0]['inputs'])


def test_frozen_sets_say_which_protocol_they_carry(frozen, tmp_path):
    """A frozen file names its clip-mask protocol when loaded; files frozen
    before the field existed still load and are reported as
    ``'independent'`` (their masks were drawn per clip)."""
    from mmengine.logging import MMLogger

    from finetec_mm.datasets.pose_dataset import frozen_protocol
    data = load(frozen)
    assert frozen_protocol(data['frozen_meta']) == 'shared'
    old = dict(data, frozen_meta={
        k: v for k, v in data['frozen_meta'].items() if k != 'clip_masks'})
    assert frozen_protocol(old['frozen_meta']) == 'independent'
    old_file = tmp_path / 'old.pkl'
    with open(old_file, 'wb') as f:
        pickle.dump(old, f)
    logger = MMLogger.get_instance('frozen_protocol_test')
    messages = []
    logger.info = messages.append
    dataset = test_dataset(str(old_file), frozen_pkl=str(old_file),
                           **{'test_dataloader.dataset.split': 'test'})
    assert len(dataset) == 24
    assert any("clip masks 'independent'" in m for m in messages), messages


def test_freezing_is_deterministic(frozen, tiny_demo_pkl, tmp_path):
    again = tmp_path / 'again.pkl'
    load_tool().main([CONFIG, '--out', str(again),
                      *data_options(tiny_demo_pkl, **SEVERE)])
    a, b = load(frozen), load(again)
    assert a['split'] == b['split']
    assert a['frozen_meta'] == b['frozen_meta']
    for x, y in zip(a['annotations'], b['annotations'], strict=True):
        assert x.keys() == y.keys()
        for key, value in x.items():
            if isinstance(value, np.ndarray):
                assert value.dtype == y[key].dtype
                assert np.array_equal(value, y[key]), (x['frame_dir'], key)
            else:
                assert value == y[key]


def test_clean_config_is_frozen_with_a_warning(tiny_demo_pkl, tmp_path,
                                               capsys):
    out = tmp_path / 'clean.pkl'
    load_tool().main([CONFIG, '--out', str(out), '--split-loader', 'val',
                      *data_options(tiny_demo_pkl)])
    assert 'has no corruption' in capsys.readouterr().err
    data = load(out)
    assert all(a['frame_mask'].all() and a['num_clips'] == 1
               for a in data['annotations'])
    assert data['frozen_meta']['corruption'] is None


def test_tool_errors(tiny_demo_pkl, tmp_path):
    tool = load_tool()
    missing = tmp_path / 'no' / 'such' / 'dir'
    with pytest.raises(SystemExit, match='does not exist'):
        tool.main([CONFIG, '--out', str(missing / 'x.pkl')])
    with pytest.raises(SystemExit, match='must end with .pkl'):
        tool.main([CONFIG, '--out', str(tmp_path / 'x.json')])
    with pytest.raises(SystemExit, match='frozen=True'):
        tool.main([CONFIG, '--out', str(tmp_path / 'x.pkl'),
                   '--cfg-options', 'frozen=True'])


def test_recompose_frozen_switch():
    cfg = Config.fromfile(osp.join(ROOT, CONFIG))
    cfg.merge_from_dict({'corruption.level': 'severe',
                         'corruption.fill': 'linear', 'frozen': True})
    train = [dict(step) for step in cfg.train_dataloader.dataset.pipeline]
    recompose(cfg)
    once = cfg.to_dict()
    recompose(cfg)
    assert cfg.to_dict() == once  # idempotent
    types = [s['type'] for s in cfg.test_dataloader.dataset.pipeline]
    assert types == [
        'PreNormalize2D', 'LoadFrozenClips', 'PoseDecode', 'ApplyFrozenMask',
        'GapFill', 'GenSkeFeat', 'FormatGCNInput', 'PackActionInputs'
    ]
    assert [s['type'] for s in cfg.val_dataloader.dataset.pipeline] == types
    train_types = [s['type'] for s in cfg.train_dataloader.dataset.pipeline]
    assert train_types[:4] == [s['type'] for s in train][:3] + [
        'SkeletonCorrupt'
    ]
    # the spelled-out config piece matches the derived pipeline (no fill)
    piece = Config.fromfile(
        osp.join(ROOT, 'configs/_base_/datasets/frozen_test_pipeline.py'))
    cfg = Config.fromfile(osp.join(ROOT, CONFIG))
    cfg.merge_from_dict({'corruption.level': 'severe', 'frozen': True})
    recompose(cfg)
    assert cfg.to_dict()['test_dataloader']['dataset']['pipeline'] == \
        piece.to_dict()['frozen_test_pipeline']


def _scores(dump):
    return torch.stack([p['pred_scores']['item'] for p in load(dump)])


def test_test_tool_on_frozen_file_matches_on_the_fly(frozen, tiny_demo_pkl,
                                                     tiny_stgcn, tmp_path):
    # tiny_stgcn: CONFIG trained one epoch (seed 0, batch 16, no
    # validation) on tiny_demo_pkl, exactly the run this test needs
    assert tiny_stgcn['config'] == osp.join(ROOT, CONFIG)
    assert tiny_stgcn['pkl'] == tiny_demo_pkl
    ckpt = tiny_stgcn['checkpoint']
    runs = {}
    for name, extra in (('fly', {}),
                        ('frozen', {'test_dataloader.dataset.ann_file':
                                    frozen,
                                    'test_dataloader.dataset.split': 'test',
                                    'frozen': True})):
        dump = tmp_path / f'{name}.pkl'
        proc = run_tool('tools/test.py', CONFIG, ckpt, '--work-dir',
                        str(tmp_path / name), '--dump', str(dump),
                        *data_options(tiny_demo_pkl, **SEVERE, **extra))
        assert proc.returncode == 0, proc.stdout[-3000:]
        top1 = re.search(r'acc/top1\s+([0-9.]+)\n', proc.stdout)
        assert top1, proc.stdout[-3000:]
        runs[name] = (top1.group(1), _scores(dump))
    assert runs['fly'][0] == runs['frozen'][0]
    assert runs['fly'][1].shape == (24, 24)
    assert torch.equal(runs['fly'][1], runs['frozen'][1])
