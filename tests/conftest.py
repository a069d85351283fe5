"""Shared fixtures: small datasets written by the tests themselves."""
import os.path as osp
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


@pytest.fixture(scope='session')
def tiny_demo_pkl(tmp_path_factory):
    """The demo generator at 2 train / 1 val / 1 test samples per class
    (48 / 24 / 24)."""
    from finetec_mm.datasets.demo_data import write_demo_dataset
    out_dir = tmp_path_factory.mktemp('tiny_demo')
    return write_demo_dataset(
        str(out_dir), num_per_class_train=2, num_per_class_val=1, seed=3,
        progress=False, num_per_class_test=1)


TINY_STGCN_CONFIG = osp.join(ROOT, 'configs', 'stgcn_demo_clean.py')


@pytest.fixture(scope='session')
def tiny_stgcn(tiny_demo_pkl, tmp_path_factory):
    """``configs/stgcn_demo_clean.py`` trained for one epoch (3 iterations)
    on the tiny demo data, and the ``tools/test.py --dump`` of its val
    split (24 samples, 10 clips each); shared by the tool and API tests."""
    from tests.utils import data_options, run_tool
    work_dir = tmp_path_factory.mktemp('tiny_stgcn')
    proc = run_tool('tools/train.py', TINY_STGCN_CONFIG, '--work-dir',
                    str(work_dir), '--seed', '0', '--no-validate',
                    *data_options(tiny_demo_pkl, **{
                        'train_dataloader.batch_size': 16,
                        'train_cfg.max_epochs': 1}))
    assert proc.returncode == 0, proc.stdout[-3000:]
    checkpoint = str(work_dir / 'epoch_1.pth')
    dump = str(work_dir / 'pred.pkl')
    proc = run_tool('tools/test.py', TINY_STGCN_CONFIG, checkpoint,
                    '--work-dir', str(work_dir / 'test'), '--dump', dump,
                    *data_options(tiny_demo_pkl))
    assert proc.returncode == 0, proc.stdout[-3000:]
    return dict(config=TINY_STGCN_CONFIG, checkpoint=checkpoint, dump=dump,
                pkl=tiny_demo_pkl,
                label_map=osp.join(osp.dirname(tiny_demo_pkl),
                                   'label_map.txt'))
