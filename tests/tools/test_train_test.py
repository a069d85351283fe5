"""End-to-end runs of tools/train.py, tools/test.py, tools/dist_train.sh."""
import os.path as osp
import pickle
import shutil
import sys

import pytest
import torch

from finetec_mm.engine import load_from_local_safe
from tests.utils import ROOT, data_options, load_tool, run_tool

CONFIG = 'configs/stgcn_demo_clean.py'
FINETEC_CONFIG = 'configs/finetec_demo_severe.py'


def train(work_dir, pkl, *extra_args, **options):
    opts = {'train_dataloader.batch_size': 16, 'train_cfg.max_epochs': 1,
            'train_cfg.val_interval': 1}
    opts.update(options)
    proc = run_tool('tools/train.py', CONFIG, '--work-dir', str(work_dir),
                    '--seed', '0', *extra_args, *data_options(pkl, **opts))
    assert proc.returncode == 0, proc.stdout[-3000:]
    return proc.stdout


@pytest.fixture(scope='module')
def trained(tiny_demo_pkl, tmp_path_factory):
    work_dir = tmp_path_factory.mktemp('train')
    log = train(work_dir, tiny_demo_pkl)
    return work_dir, log


def test_train_one_epoch_writes_checkpoint(trained):
    work_dir, log = trained
    assert 'Epoch(train) [1][3/3]' in log  # 48 samples / batch 16
    assert 'acc/top1' in log  # validation ran
    checkpoint = load_from_local_safe(osp.join(work_dir, 'epoch_1.pth'))
    assert checkpoint['meta']['epoch'] == 1
    assert checkpoint['meta']['iter'] == 3
    assert 'backbone.data_bn.weight' in checkpoint['state_dict']
    assert checkpoint['optimizer']['state'], 'optimizer state not saved'


def test_test_tool_dumps_predictions(trained, tiny_demo_pkl, tmp_path):
    work_dir, _ = trained
    dump = tmp_path / 'pred.pkl'
    proc = run_tool('tools/test.py', CONFIG, osp.join(work_dir, 'epoch_1.pth'),
                    '--work-dir', str(tmp_path), '--dump', str(dump),
                    *data_options(tiny_demo_pkl, **{
                        # 2 test clips, not 10: still averaged over clips
                        'test_dataloader.dataset.pipeline.1.num_clips': 2}))
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert 'acc/mean1' in proc.stdout
    with open(dump, 'rb') as f:
        predictions = pickle.load(f)
    with open(tiny_demo_pkl, 'rb') as f:
        data = pickle.load(f)
    labels = {a['frame_dir']: a['label'] for a in data['annotations']}
    val_labels = [labels[name] for name in data['split']['val']]
    assert len(predictions) == len(val_labels) == 24
    for pred, label in zip(predictions, val_labels):
        scores = pred['pred_scores']['item']
        assert scores.shape == (24, )
        assert torch.isclose(scores.sum(), torch.tensor(1.0), atol=1e-4)
        assert int(pred['gt_labels']['item']) == label
        assert int(pred['pred_labels']['item']) == int(scores.argmax())


def test_resume_continues_with_optimizer_state(tiny_demo_pkl, tmp_path):
    """A run interrupted after epoch 1 and resumed with the same config ends
    with the same weights as the uninterrupted run: only possible if epoch,
    optimizer momentum and LR schedule are all restored. Deterministic clip
    sampling removes the data randomness."""
    det = {'train_dataloader.dataset.pipeline.1.test_mode': True,
           'train_cfg.max_epochs': 2,
           # warm-up in epoch 1, cosine in epoch 2: both must be restored
           'param_scheduler.0.end': 1, 'param_scheduler.1.begin': 1,
           'param_scheduler.1.end': 2, 'param_scheduler.1.T_max': 1}
    straight, resumed = tmp_path / 'straight', tmp_path / 'resumed'
    train(straight, tiny_demo_pkl, '--no-validate', **det)
    log = train(resumed, tiny_demo_pkl, '--no-validate', '--resume',
                str(straight / 'epoch_1.pth'), **det)
    assert 'resumed epoch: 1, iter: 3' in log
    assert 'Epoch(train) [1]' not in log and 'Epoch(train) [2][3/3]' in log
    a = load_from_local_safe(str(straight / 'epoch_2.pth'))
    b = load_from_local_safe(str(resumed / 'epoch_2.pth'))
    for name, weight in a['state_dict'].items():
        torch.testing.assert_close(b['state_dict'][name], weight,
                                   rtol=1e-4, atol=1e-5)
    momentum = [s['momentum_buffer'] for s in b['optimizer']['state'].values()]
    assert momentum and all(m is not None for m in momentum)


def test_dist_train_two_cpu_processes(tiny_demo_pkl, tmp_path):
    proc = run_tool(
        'tools/dist_train.sh', CONFIG, '2', '--work-dir', str(tmp_path),
        *data_options(tiny_demo_pkl, **{
            'train_dataloader.batch_size': 8, 'train_cfg.max_epochs': 1}),
        env={'PORT': '29731'})
    assert proc.returncode == 0, proc.stdout[-3000:]
    log = proc.stdout
    assert 'Distributed training: True' in log
    # 48 samples, 8 per process, 2 processes -> 3 iterations per epoch
    assert 'Epoch(train) [1][3/3]' in log
    assert osp.isfile(tmp_path / 'epoch_1.pth')


def _tamper(src, dst, how):
    data = bytearray(open(src, 'rb').read())
    if how == 'truncate':
        data = data[:len(data) // 2]
    elif how == 'flip':
        data[len(data) // 2] ^= 0xFF
    open(dst, 'wb').write(bytes(data))


@pytest.mark.parametrize('how,message', [
    ('truncate', 'is not a PyTorch checkpoint'),
    ('flip', 'does not match the digest'),
])
def test_test_tool_refuses_damaged_checkpoint(trained, tiny_demo_pkl,
                                              tmp_path, how, message):
    work_dir, _ = trained
    bad = tmp_path / 'bad.pth'
    _tamper(osp.join(work_dir, 'epoch_1.pth'), bad, how)
    proc = run_tool('tools/test.py', CONFIG, str(bad), '--work-dir',
                    str(tmp_path), *data_options(tiny_demo_pkl))
    assert proc.returncode != 0
    assert message in proc.stdout and str(bad) in proc.stdout


class _Payload:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (shutil.copyfile, (__file__, self.marker))


def test_test_tool_never_runs_pickled_code(tiny_demo_pkl, tmp_path):
    marker = tmp_path / 'code_ran'
    evil = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'meta': _Payload(str(marker))}, evil)
    proc = run_tool('tools/test.py', CONFIG, str(evil), '--work-dir',
                    str(tmp_path), *data_options(tiny_demo_pkl))
    assert proc.returncode != 0
    assert 'was refused' in proc.stdout and 'shutil.copyfile' in proc.stdout
    assert not marker.exists(), 'pickled code was executed'


def test_publish_checkpoint(trained, tmp_path):
    work_dir, _ = trained
    proc = run_tool('tools/publish_checkpoint.py',
                    osp.join(work_dir, 'epoch_1.pth'),
                    str(tmp_path / 'stgcn_demo.pth'))
    assert proc.returncode == 0, proc.stdout
    (released, ) = tmp_path.glob('stgcn_demo-*.pth')
    release = torch.load(released, weights_only=True)
    assert set(release) == {'state_dict', 'meta', '__finetec_digest__'}
    assert release['meta']['epoch'] == 1
    loaded = load_from_local_safe(str(released))
    original = load_from_local_safe(osp.join(work_dir, 'epoch_1.pth'))
    for name, weight in original['state_dict'].items():
        assert torch.equal(loaded['state_dict'][name], weight)
    # a file whose content does not match the hash in its name is refused
    renamed = tmp_path / 'other-00000000.pth'
    shutil.copyfile(released, renamed)
    with pytest.raises(RuntimeError, match='SHA-256'):
        load_from_local_safe(str(renamed))


def test_amp_flag_selects_the_amp_optim_wrapper(monkeypatch):
    from mmengine.config import Config

    monkeypatch.syspath_prepend(osp.join(ROOT, 'tools'))  # its _bootstrap
    monkeypatch.chdir(ROOT)
    train = load_tool('tools/train.py')
    monkeypatch.setattr(sys, 'argv', ['train.py', FINETEC_CONFIG, '--amp'])
    cfg = train.merge_args(Config.fromfile(FINETEC_CONFIG), train.parse_args())
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
    assert cfg.optim_wrapper.loss_scale == 'dynamic'
    assert cfg.optim_wrapper.optimizer.type == 'SGD'
    cfg = Config.fromfile(FINETEC_CONFIG)
    cfg.optim_wrapper.type = 'OtherWrapper'
    with pytest.raises(ValueError, match='OtherWrapper'):
        train.merge_args(cfg, train.parse_args())
