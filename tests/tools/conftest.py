"""A tiny trained checkpoint shared by the tests of the inference and
analysis tools (trained once per session)."""
import os.path as osp

import pytest

from tests.utils import ROOT, data_options, run_tool

STGCN_CONFIG = osp.join(ROOT, 'configs', 'stgcn_demo_clean.py')


@pytest.fixture(scope='session')
def tiny_stgcn(tiny_demo_pkl, tmp_path_factory):
    """``configs/stgcn_demo_clean.py`` trained for one epoch (3 iterations)
    on the tiny demo data, and the ``tools/test.py --dump`` of its val
    split (24 samples, 10 clips each)."""
    work_dir = tmp_path_factory.mktemp('tiny_stgcn')
    proc = run_tool('tools/train.py', STGCN_CONFIG, '--work-dir',
                    str(work_dir), '--seed', '0', '--no-validate',
                    *data_options(tiny_demo_pkl, **{
                        'train_dataloader.batch_size': 16,
                        'train_cfg.max_epochs': 1}))
    assert proc.returncode == 0, proc.stdout[-3000:]
    checkpoint = str(work_dir / 'epoch_1.pth')
    dump = str(work_dir / 'pred.pkl')
    proc = run_tool('tools/test.py', STGCN_CONFIG, checkpoint, '--work-dir',
                    str(work_dir / 'test'), '--dump', dump,
                    *data_options(tiny_demo_pkl))
    assert proc.returncode == 0, proc.stdout[-3000:]
    return dict(config=STGCN_CONFIG, checkpoint=checkpoint, dump=dump,
                pkl=tiny_demo_pkl,
                label_map=osp.join(osp.dirname(tiny_demo_pkl),
                                   'label_map.txt'))
