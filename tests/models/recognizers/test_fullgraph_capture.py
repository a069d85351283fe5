"""No host synchronisation in the hosted FineTec forward: once the
per-sample random keys are computed, the tensor computation of the
training and test forward (completion + decomposition + physics + backbone
+ head) is captured whole by ``torch.compile(..., fullgraph=True)``, which
refuses data-dependent Python control flow, ``.item()``-style reads and
numpy calls on the way (dynamo's ``eager`` backend: tracing only)."""
from unittest import mock

import pytest
import torch
from mmengine.registry import init_default_scope

import finetec_mm  # noqa: F401
from tests.utils import small_demo_finetec_config
from finetec_mm.functional.sequence_random import SequenceRandom
from mmaction.registry import MODELS



def _keys_by_position(cls, num, salt=0):
    """Training keys precomputed as a function of position (stands for the
    host-side draw from numpy's RNG, which is not part of the graph)."""
    return cls(range(salt * num, salt * num + num))


@pytest.fixture(scope='module')
def model():
    init_default_scope('mmaction')
    cfg = small_demo_finetec_config()
    torch.manual_seed(0)
    return MODELS.build(cfg.model)


def raw_batch(n=3):
    """(n, 1, 1, 16, 17, 3) [x, y, score] with ~60 % of frames missing."""
    g = torch.Generator().manual_seed(1)
    coords = torch.rand(n, 1, 1, 16, 17, 2, generator=g) * 100
    observed = torch.rand(n, 1, 1, 16, 1, 1, generator=g) > 0.6
    observed[:, :, :, 0] = True
    scores = torch.rand(n, 1, 1, 16, 17, 1, generator=g) * 0.5 + 0.5
    return torch.cat([coords, scores], -1) * observed


@pytest.mark.parametrize('training', [True, False], ids=['train', 'test'])
def test_hosted_forward_is_one_graph(model, training):
    model.train(training)
    raw = raw_batch()

    def forward(inputs):
        return model.extract_feat(inputs, stage='head')

    with mock.patch.object(SequenceRandom, 'from_numpy',
                           classmethod(_keys_by_position)):
        ref, ref_extra = forward(raw)
        torch._dynamo.reset()
        compiled = torch.compile(forward, fullgraph=True, backend='eager')
        with torch.no_grad():
            out, extra = compiled(raw)
    torch._dynamo.reset()
    assert out.shape == (3, 24)
    torch.testing.assert_close(out, ref.detach(), rtol=1e-5, atol=1e-6)
    assert set(extra) == set(ref_extra)
