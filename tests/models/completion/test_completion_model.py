"""ICLCompletionModel: losses, predict/tensor modes, buffers, baselines."""
import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope

from finetec_mm.datasets import SkeletonBank
from finetec_mm.functional.clip_norm import clip_frame, normalize_clip
from finetec_mm.functional.corruption import num_dropped
from finetec_mm.functional.gap_filling import fill_gaps
from finetec_mm.functional.prompt_retrieval import sequence_key
from finetec_mm.models.completion import ICLCompletionModel
from finetec_mm.models.completion.masking import random_frames_mask

NET = dict(type='ICLCompletionNet', num_blocks=4, merge_after=2)


@pytest.fixture(scope='module')
def bank(tiny_demo_pkl):
    init_default_scope('mmaction')
    return SkeletonBank(tiny_demo_pkl, split='train')


def batch(bank, n=6, ratio=0.75):
    gt = torch.from_numpy(bank.clips[:n])
    g = torch.Generator().manual_seed(0)
    from finetec_mm.models.completion.masking import (drop_counts,
                                                      random_frames_mask)
    mask = random_frames_mask(drop_counts(n, 16, ratio), 16, g)
    inputs = gt * mask[:, :, None, None]
    samples = [dict(gt_keypoint=gt[i], frame_mask=mask[i], frame_dir=str(i))
               for i in range(n)]
    return inputs, samples, gt, mask


def _normalized_bank(bank):
    clips = torch.from_numpy(bank.clips)
    return normalize_clip(clips, *clip_frame(
        clips, torch.ones(clips.shape[:2], dtype=torch.bool), (11, 12)))


def test_buffers_come_from_the_bank_and_the_state_dict(bank):
    torch.manual_seed(0)
    model = ICLCompletionModel(NET, bank=bank, pool_size=8)
    clips = _normalized_bank(bank)
    np.testing.assert_allclose(model.prior.numpy(), clips.mean(0).numpy(),
                               atol=1e-6)
    idx = bank.pool_indices(8)
    assert torch.equal(model.prompt_pool, clips[idx])
    keys = [sequence_key(bank.sequences()[i]) for i in idx]
    assert model.pool_source.tolist() == keys
    assert {'prior', 'prompt_pool', 'pool_source'} <= set(model.state_dict())
    fresh = ICLCompletionModel(NET, pool_size=8)  # no bank: zero buffers
    inputs, samples, _, _ = batch(bank)
    with pytest.raises(RuntimeError, match='prompt pool'):
        fresh(inputs, samples, mode='predict')
    fresh.load_state_dict(model.state_dict())
    model.eval(), fresh.eval()
    assert torch.equal(model(inputs, samples, mode='tensor'),
                       fresh(inputs, samples, mode='tensor'))


def _train_samples(bank, n):
    return [dict(sequence=s) for s in bank.sequences()[:n]]


def test_loss_mode(bank):
    torch.manual_seed(0)
    model = ICLCompletionModel(NET, bank=bank, pool_size=8)
    clips = list(torch.from_numpy(bank.clips[:8]))  # pseudo_collate list
    losses = model(clips, _train_samples(bank, 8), mode='loss')
    assert set(losses) == {'loss_query', 'loss_prompt'}
    assert all(v.ndim == 0 and v > 0 for v in losses.values())
    sum(losses.values()).backward()
    assert all(p.grad is not None for p in model.parameters())


def test_training_retrieval_excludes_the_own_sequence(bank):
    model = ICLCompletionModel(NET, bank=bank, pool_size=16)
    pool = model.prompt_pool
    query = pool[:4] * 2 + 1  # every query's best match is its own clip
    mask = torch.ones(4, 16, dtype=torch.bool)
    mask[:, ::2] = False
    seen = model._prompts(query, mask, 'retrieve')
    assert torch.equal(seen, pool[:4])
    source = model.pool_source[:4]
    chosen = model._prompts(query, mask, 'retrieve', source)
    for b in range(4):
        hits = (pool == chosen[b]).flatten(1).all(1).nonzero().flatten()
        assert (model.pool_source[hits] != source[b]).all()


def test_velocity_loss_is_mse_of_time_differences(bank):
    clips = torch.from_numpy(bank.clips[:4])
    torch.manual_seed(0)
    model = ICLCompletionModel(NET, bank=bank, pool_size=8,
                               prompt_mode='none', loss_velocity_weight=2.)
    torch.manual_seed(1)
    losses = model(clips, mode='loss')
    # recompute with the same random draws
    torch.manual_seed(1)
    B, T = clips.shape[:2]
    counts = torch.tensor([num_dropped(T, r) for r in model.train_ratios])
    n_drop = counts[torch.randint(len(counts), (B, ))]
    query_mask = random_frames_mask(n_drop, T)
    target = normalize_clip(clips, *clip_frame(clips, query_mask, (11, 12)))
    query = target * query_mask[:, :, None, None]
    completed = model.net(torch.zeros_like(query),
                          torch.zeros_like(query_mask), query, query_mask,
                          model.prior)
    expected = ((completed.diff(dim=1) - target.diff(dim=1))**2).mean()
    torch.testing.assert_close(losses['loss_velocity'], 2 * expected)
    torch.testing.assert_close(losses['loss_query'],
                               ((completed - target)**2).mean())


def test_without_prompt_the_context_is_ignored(bank):
    torch.manual_seed(0)
    model = ICLCompletionModel(NET, bank=bank, pool_size=8,
                               prompt_mode='none')
    losses = model(torch.from_numpy(bank.clips[:4]), mode='loss')
    assert set(losses) == {'loss_query'}
    inputs, samples, _, mask = batch(bank)
    model.eval()
    completed = model(inputs, samples, mode='tensor')
    model.prompt_pool.normal_()  # the pool must not matter any more
    assert torch.equal(completed, model(inputs, samples, mode='tensor'))
    assert torch.equal(completed[mask], inputs[mask])


def _trained_like(model):
    for block in model.net.blocks:
        torch.nn.init.normal_(block.fc.weight, std=0.2)
    torch.nn.init.normal_(model.net.head.weight, std=0.2)
    return model.eval()


@pytest.mark.parametrize('prompt_mode', ['retrieve', 'random', 'none'])
def test_completion_follows_translation_and_scale(bank, prompt_mode):
    torch.manual_seed(0)
    model = _trained_like(ICLCompletionModel(NET, bank=bank, pool_size=8,
                                             prompt_mode=prompt_mode))
    inputs, samples, _, mask = batch(bank)
    out = model.complete(inputs, mask)
    shift = torch.tensor([120., -35.])
    moved = (inputs * 3. + shift) * mask[:, :, None, None]
    out_moved = model.complete(moved, mask)
    torch.testing.assert_close(out_moved, out * 3. + shift, rtol=1e-4,
                               atol=1e-3)
    assert torch.equal(out_moved[mask], moved[mask])  # observed: unchanged
    # without normalisation the same move changes the completion
    raw = _trained_like(ICLCompletionModel(NET, bank=bank, pool_size=8,
                                           prompt_mode=prompt_mode,
                                           normalize=False))
    assert not torch.allclose(raw.complete(moved, mask),
                              raw.complete(inputs, mask) * 3. + shift,
                              atol=1e-2)


def test_prompt_modes_differ_and_are_reproducible(bank):
    torch.manual_seed(0)
    model = _trained_like(ICLCompletionModel(NET, bank=bank, pool_size=8))
    inputs, _, _, mask = batch(bank)
    outs = {m: model.complete(inputs, mask, prompt_mode=m)
            for m in ('retrieve', 'random', 'none')}
    assert torch.equal(outs['random'],
                       model.complete(inputs, mask, prompt_mode='random'))
    assert not torch.allclose(outs['retrieve'], outs['none'])
    assert not torch.allclose(outs['random'], outs['none'])
    with pytest.raises(ValueError, match='prompt_mode'):
        ICLCompletionModel(NET, prompt_mode='nearest')


def test_prompt_dropout_gives_empty_prompts(bank, monkeypatch):
    torch.manual_seed(0)
    model = ICLCompletionModel(NET, bank=bank, pool_size=8,
                               prompt_dropout=1.)
    seen = {}
    forward = model.net.forward

    def spy(context, context_mask, *args):
        seen.update(context=context, context_mask=context_mask)
        return forward(context, context_mask, *args)

    monkeypatch.setattr(model.net, 'forward', spy)
    model(torch.from_numpy(bank.clips[:6]), _train_samples(bank, 6),
          mode='loss')
    assert not seen['context_mask'].any() and not seen['context'].any()


def test_predict_keeps_observed_frames_and_packs_for_the_metric(bank):
    model = ICLCompletionModel(NET, bank=bank, pool_size=8).eval()
    inputs, samples, gt, mask = batch(bank)
    outs = model(inputs, samples, mode='predict')
    assert len(outs) == 6 and set(outs[0]) == {'pred', 'gt', 'frame_mask',
                                               'frame_dir'}
    for i, out in enumerate(outs):
        assert torch.equal(out['pred'][mask[i]], gt[i][mask[i]])
        assert torch.equal(out['gt'], gt[i])
    # pseudo_collate's dict of lists works too; no samples: mask from zeros
    as_dict = {k: [s[k] for s in samples] for k in samples[0]}
    again = model(inputs, as_dict, mode='predict')
    assert torch.equal(again[0]['pred'], outs[0]['pred'])
    assert torch.equal(model(inputs, mode='tensor'),
                       torch.stack([o['pred'] for o in outs]))


@pytest.mark.parametrize('method', ['linear', 'copy_lr', 'copy_rl'])
def test_baselines_are_fill_gaps(bank, method):
    model = ICLCompletionModel(NET, baseline=method, pool_size=8)
    inputs, samples, _, mask = batch(bank)
    outs = model(inputs, samples, mode='predict')
    for i, out in enumerate(outs):
        ref = fill_gaps(inputs[i][None].numpy(), mask[i].numpy(), method)[0]
        np.testing.assert_array_equal(out['pred'].numpy(), ref[0])
    with pytest.raises(ValueError):
        ICLCompletionModel(NET, baseline='cubic')


def test_a_few_training_steps_reduce_the_loss(bank):
    """Same batch and corruption draws every step (seeded), so the loss
    curve reflects learning, not sampling noise."""
    torch.manual_seed(0)
    model = ICLCompletionModel(NET, bank=bank, pool_size=8)
    clips = torch.from_numpy(bank.clips[:32])
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    history = []
    for _ in range(25):
        torch.manual_seed(1)
        loss = model(clips, _train_samples(bank, 32),
                     mode='loss')['loss_query']
        opt.zero_grad()
        loss.backward()
        opt.step()
        history.append(loss.item())
    # starts at linear interpolation's error (residual design): a few steps
    # already cut it
    assert history[-1] < 0.95 * history[0]


def test_augment_changes_training_clips_only(bank, monkeypatch):
    import finetec_mm.models.completion.completion_model as cm
    seen = []
    real = cm.augment_clips

    def spy(clips, **kw):
        seen.append(kw)
        return real(clips, **kw)

    monkeypatch.setattr(cm, 'augment_clips', spy)
    kw = dict(mirror_prob=1., reverse_prob=0., max_rotation=10.)
    torch.manual_seed(0)
    plain = ICLCompletionModel(NET, bank=bank, pool_size=8)
    torch.manual_seed(0)
    model = ICLCompletionModel(NET, bank=bank, pool_size=8, augment=kw)
    assert seen == [kw]  # checked once at build time
    clips = torch.from_numpy(bank.clips[:6])
    torch.manual_seed(1)
    aug = model(clips, _train_samples(bank, 6), mode='loss')
    assert seen == [kw, kw]
    torch.manual_seed(1)
    ref = plain(clips, _train_samples(bank, 6), mode='loss')
    assert aug['loss_query'] != ref['loss_query']
    inputs, samples, _, _ = batch(bank)
    model.eval(), plain.eval()
    assert torch.equal(model(inputs, samples, mode='tensor'),
                       plain(inputs, samples, mode='tensor'))
    assert len(seen) == 2  # inference does not augment
    with pytest.raises(ValueError, match='left/right joint table'):
        ICLCompletionModel(dict(NET, num_joints=5), pool_size=8,
                           augment=kw)
