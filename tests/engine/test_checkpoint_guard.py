"""Checkpoints that leave model weights unloaded are refused; a genuine
FineTec checkpoint (with or without the hosted completion's weights) is
accepted."""
import os.path as osp

import pytest
import torch

from finetec_mm.engine import CheckpointError, load_checkpoint_checked
from finetec_mm.engine.checkpoint_guard import compare_with_model
from tests.utils import PAPER_FULL_DEMO, ROOT


def build(config):
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    import finetec_mm  # noqa: F401
    from mmaction.registry import MODELS
    init_default_scope('mmaction')
    return MODELS.build(Config.fromfile(osp.join(ROOT, config)).model)


@pytest.fixture(scope='module')
def finetec():
    """The demo FineTec model of the paper's full method (hosts the
    completion network; has a pipeline variant)."""
    return build(PAPER_FULL_DEMO)


def save(tmp_path, name, state, wrap=True):
    path = str(tmp_path / name)
    torch.save({'state_dict': state} if wrap else state, path)
    return path


def randomized(state):
    return {k: torch.rand_like(v) if v.is_floating_point() else v
            for k, v in state.items()}


def test_full_checkpoint_loads_its_weights(finetec, tmp_path):
    state = randomized(finetec.state_dict())
    path = save(tmp_path, 'full.pth', {f'module.{k}': v
                                       for k, v in state.items()})
    load_checkpoint_checked(finetec, path)  # module. prefixes stripped
    name = 'cls_head.fc.weight'
    assert torch.equal(finetec.state_dict()[name], state[name])


def test_finetec_checkpoint_without_completion_weights_is_complete(
        finetec, tmp_path):
    """Trained with completion in the data pipeline: the hosted network
    keeps the weights of its own checkpoint file."""
    own = {k: v.clone() for k, v in finetec.state_dict().items()
           if k.startswith('completion.')}
    state = {k: v for k, v in finetec.state_dict().items()
             if not k.startswith('completion.')}
    report = compare_with_model(finetec, state)
    assert report.complete and not report.missing
    load_checkpoint_checked(finetec, save(tmp_path, 'pipe.pth', state,
                                          wrap=False))
    for k, v in own.items():
        assert torch.equal(finetec.state_dict()[k], v)


def test_completion_weights_ignored_by_a_model_without_completion(
        finetec):
    from mmengine.config import Config
    from mmaction.registry import MODELS
    cfg = Config.fromfile(osp.join(ROOT, PAPER_FULL_DEMO))
    cfg.model.completion = None
    # the pipeline variant: the marker arrives in the score's sign
    cfg.model.observed_channel = True
    plain = MODELS.build(cfg.model)
    report = compare_with_model(plain, finetec.state_dict())
    assert report.complete, report


def test_foreign_checkpoint_refused(finetec, tmp_path):
    path = save(tmp_path, 'foreign.pth', {'encoder.weight': torch.zeros(2)})
    with pytest.raises(CheckpointError) as err:
        load_checkpoint_checked(finetec, path)
    message = str(err.value)
    num = len([k for k in finetec.state_dict()
               if not k.startswith('completion.')])
    assert message.startswith(f'checkpoint {path!r} does not fit the model: '
                              f'0 of {num} model weights load; {num} missing')
    assert '1 unexpected (e.g. encoder.weight)' in message
    assert '\n' not in message


def test_partial_and_reshaped_checkpoints(finetec, tmp_path):
    state = dict(finetec.state_dict())
    del state['backbone.data_bn.weight']
    state['cls_head.fc.weight'] = torch.zeros(3, 256)
    path = save(tmp_path, 'partial.pth', state)
    with pytest.raises(CheckpointError, match=r'1 missing \(e.g. backbone.'
                       r'data_bn.weight\); 0 unexpected; 1 with another '
                       r'shape \(e.g. cls_head.fc.weight\)'):
        load_checkpoint_checked(finetec, path)
    before = finetec.state_dict()['backbone.data_bn.bias'].clone()
    state['backbone.data_bn.bias'] = before + 1
    del state['cls_head.fc.weight']
    path = save(tmp_path, 'partial2.pth', state)
    load_checkpoint_checked(finetec, path, allow_partial=True)
    assert torch.equal(finetec.state_dict()['backbone.data_bn.bias'],
                       before + 1)


def test_missing_checkpoint_file(finetec, tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        load_checkpoint_checked(finetec, str(tmp_path / 'nope.pth'))
