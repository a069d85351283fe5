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
