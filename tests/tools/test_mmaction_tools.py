"""Our configs run through MMAction2's own tools (from the mmaction2 wheel)
and give the same model, pipelines and metrics as ours for the same seed."""
import os.path as osp
import re

import pytest
import torch

import mmaction
from tests.utils import ROOT, data_options, run_tool

MM_TOOLS = osp.join(osp.dirname(mmaction.__file__), '.mim', 'tools')
METRIC = re.compile(r'acc/top1: ([0-9.]+)')


def test_mmaction_tools_are_installed():
    assert osp.isfile(osp.join(MM_TOOLS, 'train.py'))
    assert osp.isfile(osp.join(MM_TOOLS, 'test.py'))


def top1(stdout: str) -> float:
    """The test top-1 of an mmengine log (the last ``acc/top1``)."""
    values = METRIC.findall(stdout)
    assert values, stdout[-3000:]
    return float(values[-1])


def weights(path):
    state = torch.load(path, map_location='cpu', weights_only=True)
    return state['state_dict']


@pytest.mark.parametrize('config', [
    'configs/stgcn_demo_severe_interp.py', 'configs/finetec_demo_severe.py'
])
def test_train_and_test_through_mmaction_tools(config, tiny_demo_pkl,
                                               tmp_path):
    """One epoch of training with MMAction2's ``tools/train.py`` and with
    ours (seed 0) gives the same weights; MMAction2's ``tools/test.py``
    loads the checkpoint (``weights_only=True``: ``finetec_mm`` is imported
    through the config's ``custom_imports``) and reports our tool's top-1."""
    options = data_options(tiny_demo_pkl, **{
        'train_dataloader.batch_size': 16, 'train_cfg.max_epochs': 1})
    runs = {}
    for name, tool in (('mmaction', osp.join(MM_TOOLS, 'train.py')),
                       ('ours', 'tools/train.py')):
        work_dir = tmp_path / name
        proc = run_tool(tool, config, '--work-dir', str(work_dir), '--seed',
                        '0', *options)
        assert proc.returncode == 0, proc.stdout[-3000:]
        runs[name] = str(work_dir / 'epoch_1.pth')
    ours, theirs = weights(runs['ours']), weights(runs['mmaction'])
    assert ours.keys() == theirs.keys()
    for key in ours:
        torch.testing.assert_close(ours[key], theirs[key], rtol=0, atol=0)

    # 2 test clips per sample (index 1: UniformSampleFrames), for both tools
    test_options = data_options(
        tiny_demo_pkl, **{'test_dataloader.dataset.pipeline.1.num_clips': 2})
    scores = []
    for tool in (osp.join(MM_TOOLS, 'test.py'), 'tools/test.py'):
        proc = run_tool(tool, config, runs['mmaction'], '--work-dir',
                        str(tmp_path / 'test'), *test_options)
        assert proc.returncode == 0, proc.stdout[-3000:]
        assert 'SkeletonCorrupt' in proc.stdout or 'Epoch(test)' in \
            proc.stdout
        scores.append(top1(proc.stdout))
    assert scores[0] == scores[1]
