"""tools/fit_fallback_gate.py on a tiny frozen network: action-held-out
selection, the fitted gate in a checkpoint that serves inference."""
import json

import pytest
import torch
from mmengine.registry import init_default_scope

from finetec_mm.datasets import SkeletonBank
from finetec_mm.engine.safe_checkpoint import (DIGEST_KEY, content_digest,
                                               encode)
from finetec_mm.models.completion import ICLCompletionModel
from finetec_mm.models.completion.loading import build_completion_model
from tests.utils import load_tool

CONFIG = 'configs/completion/icl_demo_fallback.py'


@pytest.fixture(scope='module')
def frozen(tiny_demo_pkl, tmp_path_factory):
    """An untrained 4-block ICLCompletionModel checkpoint on the tiny bank
    (what the tool freezes)."""
    init_default_scope('mmaction')
    torch.manual_seed(0)
    model = ICLCompletionModel(net=dict(type='ICLCompletionNet',
                                        num_blocks=4, merge_after=2),
                               pool_size=16)
    model.fill_from_bank(SkeletonBank(tiny_demo_pkl, split='train'))
    path = str(tmp_path_factory.mktemp('frozen') / 'net.pth')
    ckpt = dict(state_dict=model.state_dict(), meta=encode(dict(iter=0)))
    ckpt[DIGEST_KEY] = content_digest(ckpt)
    torch.save(ckpt, path)
    return path


def _options(pkl):
    return ['--cfg-options', f'test_dataloader.dataset.ann_file={pkl}',
            f'val_dataloader.dataset.ann_file={pkl}',
            f'train_dataloader.dataset.ann_file={pkl}',
            'model.net.num_blocks=4', 'model.net.merge_after=2',
            'model.pool_size=16']


def test_fit_selects_with_labels_held_out_and_writes_a_gated_checkpoint(
        frozen, tiny_demo_pkl, tmp_path, capsys):
    tool = load_tool('tools/fit_fallback_gate.py')
    out = tool.main([CONFIG, frozen, '--work-dir', str(tmp_path),
                     '--fit', ':val', '--loao', '--objectives', 'clip',
                     '--weight-decays', '0.01', '--dead-zones', '0', '0.5',
                     '--iters', '20', '--levels', 'severe', '--eval',
                     ':test', '--eval-json', str(tmp_path / 'eval.json'),
                     *_options(tiny_demo_pkl)])
    text = capsys.readouterr().out
    # one held-out score per label and dead zone
    assert text.count('LOAO clip weight decay 0.01 dead zone') == 2
    assert 'selected: objective clip' in text
    model = build_completion_model(out)  # config from the checkpoint meta
    assert type(model).__name__ == 'LinearFallbackCompletionModel'
    assert model.gate.threshold in (0., 0.5)
    info = json.load(open(tmp_path / 'eval.json'))
    rows = info['eval'][':test']
    assert info['dead_zone'] == model.gate.threshold
    assert {r['level'] for r in rows} == {'severe'}
    assert all(r['clips'] > 0 and r['mpjpe_missing'] > 0 for r in rows)
    x = torch.zeros(2, 16, 17, 2)
    mask = torch.zeros(2, 16, dtype=torch.bool)
    mask[:, ::3] = True
    x[mask] = torch.rand(int(mask.sum()), 17, 2)
    with torch.no_grad():
        y = model.complete(x, mask)
    assert torch.equal(y[mask], x[mask]) and torch.isfinite(y).all()


def test_a_checkpoint_that_does_not_fit_is_refused(frozen, tiny_demo_pkl,
                                                   tmp_path):
    tool = load_tool('tools/fit_fallback_gate.py')
    with pytest.raises(ValueError, match='does not fit'):
        tool.main([CONFIG, frozen, '--work-dir', str(tmp_path),
                   *_options(tiny_demo_pkl)[:-3], 'model.net.num_blocks=2',
                   'model.net.merge_after=1', 'model.pool_size=16'])


def test_edge_cap_is_selected_after_the_fit_and_saved(frozen, tiny_demo_pkl,
                                                      tmp_path, capsys):
    tool = load_tool('tools/fit_fallback_gate.py')
    out = tool.main([CONFIG, frozen, '--work-dir', str(tmp_path),
                     '--fit', ':val', '--iters', '5', '--levels', 'severe',
                     '--edge-caps', '0', '0.5', '--cap-check', ':test',
                     *_options(tiny_demo_pkl)])
    text = capsys.readouterr().out
    assert 'edge cap 0: worst ratio' in text
    assert 'edge cap 0.5: worst ratio' in text
    assert 'selected: edge cap' in text
    model = build_completion_model(out)  # config from the checkpoint meta
    assert model.gate.edge_cap in (0., 0.5)
    fixed = tool.main([CONFIG, frozen, '--work-dir', str(tmp_path / 'b'),
                       '--fit', ':val', '--iters', '5', '--levels', 'severe',
                       '--edge-cap', '0.25', *_options(tiny_demo_pkl)])
    capped = build_completion_model(fixed)
    assert capped.gate.edge_cap == 0.25
    # the cap is off while fitting: the weights do not depend on it
    for k, v in model.gate.state_dict().items():
        assert torch.equal(v, capped.gate.state_dict()[k]), k
