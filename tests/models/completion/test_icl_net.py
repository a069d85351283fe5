"""ICLCompletionNet: shapes, observed frames, init, equivariance, grads."""
import pytest
import torch

from finetec_mm.models.completion import ICLCompletionNet
from finetec_mm.models.completion.masking import random_frames_mask


def make_inputs(B=3, T=16, seed=0):
    g = torch.Generator().manual_seed(seed)
    ctx = torch.randn(B, T, 17, 2, generator=g) * 0.3
    query = torch.randn(B, T, 17, 2, generator=g) * 0.3
    prior = torch.randn(T, 17, 2, generator=g) * 0.3
    qmask = random_frames_mask(torch.full((B, ), T // 2), T, g)
    cmask = random_frames_mask(torch.full((B, ), T // 4), T, g)
    return ctx, cmask, query, qmask, prior


def small(T=16, **kw):
    torch.manual_seed(0)
    return ICLCompletionNet(clip_len=T, num_blocks=kw.pop('num_blocks', 8),
                            merge_after=kw.pop('merge_after', 2), **kw)


def test_shapes_and_observed_frames_bit_identical():
    net = small()
    ctx, cmask, query, qmask, prior = make_inputs()
    out = net(ctx, cmask, query, qmask, prior)
    rec = net.reconstruct(ctx, cmask, prior)
    assert out.shape == rec.shape == query.shape
    assert torch.equal(out[qmask], query[qmask])
    assert not torch.equal(out[~qmask], query[~qmask])
    assert torch.equal(rec[cmask], ctx[cmask])


def test_default_is_the_paper_net():
    net = ICLCompletionNet()
    assert net.embed[0].in_features == 43 and net.embed[0].out_features == 34
    assert len(net.blocks) == 48
    axes = ''.join(b.axis[0].upper() for b in net.blocks[:8])
    assert axes == 'STSTTSTS'


def test_near_identity_init():
    net = small(num_blocks=16, merge_after=4)
    ctx, cmask, query, qmask, prior = make_inputs()
    x = torch.randn(6, 32, 34)
    for block in net.blocks:
        assert (block(x) - x).abs().max() < 1e-4
    # At init the output is (almost) a function of the embedding alone:
    # dropping every block changes it by < 1e-4.
    full = net(ctx, cmask, query, qmask, prior)
    blocks = net.blocks
    net.blocks = torch.nn.ModuleList()
    net.merge_after = 0
    bare = net(ctx, cmask, query, qmask, prior)
    net.blocks = blocks
    assert (full - bare).abs().max() < 1e-4


def test_batch_permutation_commutes():
    net = small().eval()
    ctx, cmask, query, qmask, prior = make_inputs(B=5)
    perm = torch.tensor([3, 0, 4, 1, 2])
    out = net(ctx, cmask, query, qmask, prior)
    pout = net(ctx[perm], cmask[perm], query[perm], qmask[perm], prior)
    torch.testing.assert_close(pout, out[perm])
    rec = net.reconstruct(ctx, cmask, prior)
    torch.testing.assert_close(net.reconstruct(ctx[perm], cmask[perm], prior),
                               rec[perm])


def test_gradient_reaches_every_parameter():
    net = small()
    ctx, cmask, query, qmask, prior = make_inputs()
    out = net(ctx, cmask, query, qmask, prior)
    rec = net.reconstruct(ctx, cmask, prior)
    (out.square().mean() + rec.square().mean()).backward()
    for name, p in net.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name


def test_deterministic():
    ctx, cmask, query, qmask, prior = make_inputs()
    a = small()(ctx, cmask, query, qmask, prior)
    b = small()(ctx, cmask, query, qmask, prior)
    assert torch.equal(a, b)


def test_clip_len_100_and_bad_shapes():
    net = small(T=100, num_blocks=4)
    ctx, cmask, query, qmask, prior = make_inputs(B=2, T=100)
    out = net(ctx, cmask, query, qmask, prior)
    assert out.shape == (2, 100, 17, 2)
    assert torch.equal(out[qmask], query[qmask])
    with pytest.raises(ValueError):
        net(*make_inputs(B=2, T=16))
    with pytest.raises(ValueError):
        ICLCompletionNet(num_blocks=4, merge_after=5)


def test_linear_fill_matches_fill_gaps():
    import numpy as np
    from finetec_mm.functional.gap_filling import fill_gaps
    from finetec_mm.functional.gap_filling import linear_fill
    ctx, cmask, query, qmask, prior = make_inputs(B=6)
    qmask[0] = False  # a row without observed frame stays unchanged
    qmask[1] = False
    qmask[1, 5] = True
    out = linear_fill(query.reshape(6, 16, -1), qmask).reshape(query.shape)
    for b in range(6):
        ref = fill_gaps(query[b][None].numpy(), qmask[b].numpy())[0][0]
        np.testing.assert_allclose(out[b].numpy(), ref, atol=1e-6)


@pytest.mark.parametrize('residual', ['linear', 'prior'])
def test_residual_bases(residual):
    net = small(residual=residual)
    torch.nn.init.zeros_(net.head.weight)
    ctx, cmask, query, qmask, prior = make_inputs()
    out = net(ctx, cmask, query, qmask, prior)
    if residual == 'prior':  # zero head: the prior where frames are missing
        torch.testing.assert_close(out[~qmask], prior.expand_as(query)[~qmask])
    else:
        from finetec_mm.functional.gap_filling import linear_fill
        ref = linear_fill(query.reshape(3, 16, -1), qmask).reshape(
            query.shape)
        torch.testing.assert_close(out, ref)


def test_prompt_reconstruction_cannot_see_the_clean_context():
    """The prompt loss's target is the clean context: its unobserved frames
    must not reach the reconstruction (the old prompt stream copied them)."""
    net = small(num_blocks=8, merge_after=4)
    for block in net.blocks:  # a trained-like net, not the identity init
        torch.nn.init.normal_(block.fc.weight, std=0.3)
    ctx, cmask, _, _, prior = make_inputs()
    hidden = ctx.clone()
    hidden[~cmask] = 0.  # zero what only the target knows
    rec = net.reconstruct(ctx, cmask, prior)
    assert torch.equal(net.reconstruct(hidden, cmask, prior), rec)
    # a reconstruction that can see the clean half changes when it is zeroed
    ctx_feat, _ = net._frames(ctx, cmask, ctx, 1.)
    hid_feat, _ = net._frames(hidden, cmask, hidden, 1.)
    assert not torch.equal(ctx_feat, hid_feat)
