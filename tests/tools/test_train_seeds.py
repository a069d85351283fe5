"""tools/train.py's --seed / --diff-rank-seed / --deterministic reach every
config, including the completion configs that set their own ``randomness``
(the paper's seed 304), and --deterministic prepares cuBLAS."""
import os
import os.path as osp
import sys

import pytest
from mmengine.config import Config

from tests.utils import ROOT, load_tool

COMPLETION = osp.join(ROOT, 'configs/completion/icl_demo.py')
RECOGNITION = osp.join(ROOT, 'configs/stgcn_demo_clean.py')


@pytest.fixture
def train(monkeypatch):
    monkeypatch.syspath_prepend(osp.join(ROOT, 'tools'))  # its _bootstrap
    monkeypatch.chdir(ROOT)
    return load_tool('tools/train.py')


def merged(train, config, *flags):
    return train.merge_args(Config.fromfile(config),
                            train.parse_args([config, *flags]))


@pytest.mark.parametrize('config', [COMPLETION, RECOGNITION],
                         ids=['completion', 'recognition'])
def test_cli_seed_flags_reach_the_config(train, config):
    cfg = merged(train, config, '--seed', '7', '--diff-rank-seed',
                 '--deterministic')
    assert cfg.randomness.seed == 7
    assert cfg.randomness.diff_rank_seed is True
    assert cfg.randomness.deterministic is True


def test_config_seed_stays_without_flags(train):
    assert merged(train, COMPLETION).randomness.seed == 304
    assert not merged(train, COMPLETION).randomness.get('diff_rank_seed')
    assert merged(train, RECOGNITION).randomness.seed is None


def test_deterministic_sets_the_cublas_workspace(monkeypatch):
    """cuBLAS raises at its first matmul under
    ``torch.use_deterministic_algorithms(True)`` unless
    CUBLAS_WORKSPACE_CONFIG is set before CUDA starts."""
    from finetec_mm.compat import prepare_deterministic
    monkeypatch.delenv('CUBLAS_WORKSPACE_CONFIG', raising=False)
    prepare_deterministic(Config(dict(randomness=dict(seed=0))))
    assert 'CUBLAS_WORKSPACE_CONFIG' not in os.environ
    prepare_deterministic(Config(dict(randomness=dict(deterministic=True))))
    assert os.environ['CUBLAS_WORKSPACE_CONFIG'] == ':4096:8'
    monkeypatch.setenv('CUBLAS_WORKSPACE_CONFIG', ':16:8')  # the user's
    prepare_deterministic(Config(dict(randomness=dict(deterministic=True))))
    assert os.environ['CUBLAS_WORKSPACE_CONFIG'] == ':16:8'


def test_runner_prepares_deterministic_runs(monkeypatch):
    from mmengine.runner import Runner

    from finetec_mm.engine import FineTecRunner
    monkeypatch.delenv('CUBLAS_WORKSPACE_CONFIG', raising=False)
    monkeypatch.setattr(Runner, 'from_cfg', classmethod(lambda cls, c: c))
    FineTecRunner.from_cfg(Config(dict(randomness=dict(deterministic=True))))
    assert os.environ['CUBLAS_WORKSPACE_CONFIG'] == ':4096:8'
