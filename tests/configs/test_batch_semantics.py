"""Every leaf config states its total batch, GPUs x per-GPU batch, in its
name (MMAction2's ``NxbM``) or in a ``# Total batch T = N GPU(s) x M per
GPU`` header line, and sets ``auto_scale_lr.base_batch_size`` to that
total, so ``--auto-scale-lr`` keeps the recipe with another GPU count
(docs/tools.md)."""
import glob
import os.path as osp
import re

import pytest
from mmengine.config import Config

from tests.utils import ROOT

CONFIGS = sorted(
    p for p in glob.glob(osp.join(ROOT, 'configs', '**', '*.py'),
                         recursive=True) if '_base_' not in p)
NAME = re.compile(r'_(\d+)xb(\d+)-')
HEADER = re.compile(
    r'^# Total batch (\d+) = (\d+) GPUs? x (\d+) per GPU\b', re.M)


def stated_batch(path):
    """(GPUs, per-GPU batch) from the file name, else from the header;
    a header's total must be the product it states."""
    match = NAME.search(osp.basename(path))
    if match:
        return int(match.group(1)), int(match.group(2))
    with open(path) as f:
        match = HEADER.search(f.read())
    if match is None:
        raise AssertionError(
            f'{osp.relpath(path, ROOT)} states no total batch: name it '
            f'..._NxbM-... or start it with "# Total batch T = N GPU(s) x M '
            f'per GPU"')
    total, gpus, per_gpu = map(int, match.groups())
    assert total == gpus * per_gpu, match.group(0)
    return gpus, per_gpu


def test_header_parser_refuses_a_wrong_product(tmp_path):
    path = tmp_path / 'x.py'
    path.write_text('# Total batch 64 = 2 GPUs x 16 per GPU\n')
    with pytest.raises(AssertionError):
        stated_batch(str(path))
    path.write_text('# Total batch 64 = 4 GPUs x 16 per GPU\n')
    assert stated_batch(str(path)) == (4, 16)
    path.write_text('# batch 64\n')
    with pytest.raises(AssertionError, match='states no total batch'):
        stated_batch(str(path))


@pytest.mark.parametrize('path', CONFIGS,
                         ids=lambda p: osp.relpath(p, ROOT))
def test_config_states_its_total_batch(path):
    gpus, per_gpu = stated_batch(path)
    cfg = Config.fromfile(path)
    assert cfg.train_dataloader.batch_size == per_gpu
    scale = cfg.get('auto_scale_lr')
    assert scale is not None, 'no auto_scale_lr'
    assert scale.base_batch_size == gpus * per_gpu
    assert scale.get('enable') is False  # --auto-scale-lr turns it on
