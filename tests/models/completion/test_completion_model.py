"""ICLCompletionModel: losses, predict/tensor modes, buffers, baselines."""
import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope

from finetec_mm.datasets import SkeletonBank
from finetec_mm.functional.gap_filling import fill_gaps
from finetec_mm.models.completion import ICLCompletionModel

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


def test_buffers_come_from_the_bank_and_the_state_dict(bank):
    torch.manual_seed(0)
    model = ICLCompletionModel(NET, bank=bank, pool_size=8)
    np.testing.assert_allclose(model.prior.numpy(), bank.prior(), atol=1e-6)
    idx = bank.pool_indices(8)
    assert torch.equal(model.prompt_pool, torch.from_numpy(bank.clips[idx]))
    assert {'prior', 'prompt_pool'} <= set(model.state_dict())
    fresh = ICLCompletionModel(NET, pool_size=8)  # no bank: zero buffers
    inputs, samples, _, _ = batch(bank)
    with pytest.raises(RuntimeError, match='prompt pool'):
        fresh(inputs, samples, mode='predict')
    fresh.load_state_dict(model.state_dict())
    model.eval(), fresh.eval()
    assert torch.equal(model(inputs, samples, mode='tensor'),
                       fresh(inputs, samples, mode='tensor'))


def test_loss_mode(bank):
    torch.manual_seed(0)
    model = ICLCompletionModel(NET, bank=bank, pool_size=8)
    clips = list(torch.from_numpy(bank.clips[:8]))  # pseudo_collate list
    losses = model(clips, mode='loss')
    assert set(losses) == {'loss_query', 'loss_prompt'}
    assert all(v.ndim == 0 and v > 0 for v in losses.values())
    sum(losses.values()).backward()
    assert all(p.grad is not None for p in model.parameters())


def test_velocity_loss_is_mse_of_time_differences(bank):
    clips = torch.from_numpy(bank.clips[:4])
    torch.manual_seed(0)
    plain = ICLCompletionModel(NET, bank=bank, pool_size=8)
    torch.manual_seed(0)
    model = ICLCompletionModel(NET, bank=bank, pool_size=8,
                               loss_velocity_weight=2.)
    model.load_state_dict(plain.state_dict())
    torch.manual_seed(1)
    losses = model(clips, mode='loss')
    # recompute with the same random draws
    torch.manual_seed(1)
    B, T = clips.shape[:2]
    from finetec_mm.functional.corruption import num_dropped
    from finetec_mm.models.completion.masking import (random_frames_mask,
                                                      random_strategy_masks)
    counts = torch.tensor([num_dropped(T, r) for r in model.train_ratios])
    n_drop = counts[torch.randint(len(counts), (B, ))]
    query_mask = random_frames_mask(n_drop, T)
    context_mask = random_strategy_masks(query_mask, model.strategies)
    completed, _ = model.net(clips.roll(1, 0), context_mask,
                             clips * query_mask[:, :, None, None],
                             query_mask, model.prior)
    expected = ((completed.diff(dim=1) - clips.diff(dim=1))**2).mean()
    torch.testing.assert_close(losses['loss_velocity'], 2 * expected)
    assert 'loss_velocity' not in plain(clips, mode='loss')


def test_without_prompt_the_context_is_ignored(bank):
    torch.manual_seed(0)
    model = ICLCompletionModel(NET, bank=bank, pool_size=8, use_prompt=False)
    losses = model(torch.from_numpy(bank.clips[:4]), mode='loss')
    assert set(losses) == {'loss_query'}
    inputs, samples, _, mask = batch(bank)
    model.eval()
    completed = model(inputs, samples, mode='tensor')
    model.prompt_pool.normal_()  # the pool must not matter any more
    assert torch.equal(completed, model(inputs, samples, mode='tensor'))
    assert torch.equal(completed[mask], inputs[mask])


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
        loss = model(clips, mode='loss')['loss_query']
        opt.zero_grad()
        loss.backward()
        opt.step()
        history.append(loss.item())
    # starts at linear interpolation's error (residual design): a few steps
    # already cut it
    assert history[-1] < 0.95 * history[0]
