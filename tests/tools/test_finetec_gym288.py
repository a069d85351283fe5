"""configs/finetec_gym288_severe.py end to end on a small file in the
Gym288-skeleton format (float16 keypoints, kp_w_gt / kp_wo_gt fields, splits
train / test), single process and with tools/dist_train.sh on 2 CPU ranks."""
import glob
import os.path as osp
import pickle

import numpy as np
import pytest

from finetec_mm.engine import load_from_local_safe
from tests.utils import ROOT, data_options, run_tool

CONFIG = 'configs/finetec_gym288_severe.py'


@pytest.fixture(scope='module')
def gym288_like(tiny_demo_pkl, tmp_path_factory):
    with open(tiny_demo_pkl, 'rb') as f:
        data = pickle.load(f)
    for i, ann in enumerate(data['annotations']):
        T = ann['total_frames']
        ann['keypoint'] = ann['keypoint'].astype(np.float16)
        ann['keypoint_score'] = ann['keypoint_score'].astype(np.float16)
        ann['kp_w_gt'] = np.zeros((T, 17, 3), np.float16)
        ann['kp_wo_gt'] = np.zeros((T, 17, 3), np.float16)
        ann['label'] = (ann['label'] * 12) % 288  # spread over 288 classes
    data['split'] = dict(train=data['split']['train'],
                         test=data['split']['val'])
    path = tmp_path_factory.mktemp('gym288') / 'gym288_skeleton.pkl'
    with open(path, 'wb') as f:
        pickle.dump(data, f)
    return str(path)


def options(pkl):
    (completion, ) = glob.glob(osp.join(ROOT, 'checkpoints',
                                        'icl_demo-*.pth'))
    return data_options(pkl, **{
        'train_cfg.max_epochs': 1, 'train_cfg.val_interval': 1,
        'train_dataloader.batch_size': 8, 'val_dataloader.batch_size': 8,
        'test_dataloader.batch_size': 4, 'completion_checkpoint': completion,
        # 2 test clips per sample (index 1: UniformSampleFrames)
        'test_dataloader.dataset.pipeline.1.num_clips': 2})


def test_train_validate_save_and_test(gym288_like, tmp_path):
    proc = run_tool('tools/train.py', CONFIG, '--work-dir', str(tmp_path),
                    *options(gym288_like))
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert 'Epoch(train) [1][6/6]' in proc.stdout  # 48 samples / 8
    assert 'Epoch(val) [1][3/3]' in proc.stdout and 'acc/top1' in proc.stdout
    checkpoint = load_from_local_safe(str(tmp_path / 'epoch_1.pth'))
    assert checkpoint['state_dict']['cls_head.fc.weight'].shape[0] == 288
    # the defaults: the hosted completion + the GCN, no physics head
    assert any(k.startswith('completion.') for k in checkpoint['state_dict'])
    assert not any(k.startswith('accel_head.')
                   for k in checkpoint['state_dict'])
    proc = run_tool('tools/test.py', CONFIG, str(tmp_path / 'epoch_1.pth'),
                    '--work-dir', str(tmp_path / 'test'),
                    *options(gym288_like))
    assert proc.returncode == 0, proc.stdout[-3000:]
    for metric in ('acc/top1', 'acc/top5', 'acc/mean1'):
        assert f'  {metric} ' in proc.stdout


def test_dist_train_two_ranks(gym288_like, tmp_path):
    proc = run_tool('tools/dist_train.sh', CONFIG, '2', '--work-dir',
                    str(tmp_path), *options(gym288_like),
                    env={'PORT': '29733'})
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert 'Distributed training: True' in proc.stdout
    assert 'Epoch(train) [1][3/3]' in proc.stdout  # 48 / (8 x 2 ranks)
    assert osp.isfile(tmp_path / 'epoch_1.pth')
