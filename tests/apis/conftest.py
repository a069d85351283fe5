"""Sequences built from the tiny demo data in each pose-estimator format
(the tiny trained ST-GCN they are classified with is in tests/conftest.py)."""
import pickle

import pytest

from tests.apis.writers import TwoPeople


@pytest.fixture(scope='session')
def demo_test_annos(tiny_demo_pkl):
    """The annotations of the tiny demo data's test split, in split order."""
    with open(tiny_demo_pkl, 'rb') as f:
        data = pickle.load(f)
    by_name = {a['frame_dir']: a for a in data['annotations']}
    return [by_name[n] for n in data['split']['test']]


@pytest.fixture(scope='session')
def two_people(demo_test_annos):
    """Test sample 0 (the person to classify) and a smaller distractor far
    from it (sample 1), with frames where nobody or only the distractor is
    there."""
    return TwoPeople(demo_test_annos[0], demo_test_annos[1])
