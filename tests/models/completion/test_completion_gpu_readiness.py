"""The hosted completion on a GPU: fp32 whatever the autocast context, and
no host synchronisation in its forward (captured whole by dynamo)."""
import pytest
import torch
from mmengine.registry import init_default_scope

from finetec_mm.datasets import SkeletonBank
from finetec_mm.models.completion import ICLCompletionModel
from finetec_mm.models.completion.masking import (drop_counts,
                                                  random_frames_mask)

NET = dict(type='ICLCompletionNet', num_blocks=4, merge_after=2)


@pytest.fixture(scope='module')
def model_and_clips(tiny_demo_pkl):
    """A completion model on the tiny bank, and corrupted clips (N, T, V, 2)
    with scores (N, T, V): rows 0-3 partly observed, row 4 fully observed,
    row 5 with no observed frame (a padded person)."""
    init_default_scope('mmaction')
    bank = SkeletonBank(tiny_demo_pkl, split='train')
    torch.manual_seed(0)
    model = ICLCompletionModel(NET, bank=bank, pool_size=8).eval()
    for block in model.net.blocks:  # a network that changes its inputs
        torch.nn.init.normal_(block.fc.weight, std=0.2)
    gt = torch.from_numpy(bank.clips[:6])
    mask = random_frames_mask(drop_counts(6, 16, 0.75), 16,
                              torch.Generator().manual_seed(0))
    mask[4] = True
    mask[5] = False
    coords = gt * mask[:, :, None, None]
    scores = mask[:, :, None].float().expand(-1, -1, 17) * 0.9
    return model, coords.contiguous(), scores.contiguous()


@pytest.mark.parametrize('dtype', [torch.bfloat16, torch.float16])
def test_completion_runs_fp32_under_autocast(model_and_clips, dtype):
    """Under ``--amp`` training the hosted completion gives the fp32 S_base
    that validation and test compute (bit for bit)."""
    model, coords, scores = model_and_clips
    with torch.no_grad():
        ref = model.complete_sequences(coords, scores)
        with torch.autocast('cpu', dtype=dtype):
            amp = model.complete_sequences(coords, scores)
    for a, b in zip(ref, amp):
        assert b.dtype == a.dtype
        assert torch.equal(a, b)
    assert ref[0].dtype == torch.float32


def test_completion_forward_has_no_host_sync(model_and_clips):
    """``complete_sequences`` is captured whole by dynamo: no data-dependent
    Python branch, no ``.item()``, no boolean-mask indexing."""
    model, coords, scores = model_and_clips
    torch._dynamo.reset()
    compiled = torch.compile(model.complete_sequences, fullgraph=True,
                             backend='eager')
    with torch.no_grad():
        ref = model.complete_sequences(coords, scores)
        out = compiled(coords, scores)
    for a, b in zip(ref, out):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-6)
    # the rows without work are left exactly as they were
    assert torch.equal(ref[0][4], coords[4]) and torch.equal(ref[0][5],
                                                             coords[5])
    assert not torch.equal(ref[0][0], coords[0])


def test_empty_pool_is_refused_without_reading_the_pool(model_and_clips):
    """The empty-pool check is settled when the buffers are filled or
    loaded, not by a device read per call."""
    model, coords, scores = model_and_clips
    fresh = ICLCompletionModel(NET, pool_size=8).eval()
    with pytest.raises(RuntimeError, match='empty prompt pool'):
        fresh.complete_sequences(coords, scores)
    fresh.load_state_dict(model.state_dict())
    with torch.no_grad():
        assert torch.equal(fresh.complete_sequences(coords, scores)[0],
                           model.complete_sequences(coords, scores)[0])
