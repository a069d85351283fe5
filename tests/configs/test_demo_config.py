"""`make demo`'s config is the results config on a shorter schedule: same
model, data, corruption, optimiser and test protocol (10 sequence-consistent
clips on the demo `test` split), fewer epochs, validation once at the end."""
import os.path as osp
import re

from mmengine.config import Config

from tests.utils import ROOT

RESULTS_CONFIG = 'configs/finetec_demo_severe.py'


def makefile_demo_config():
    text = open(osp.join(ROOT, 'Makefile')).read()
    return re.search(r'^DEMO_CONFIG \?= (\S+)$', text, re.M).group(1)


def load(path):
    return Config.fromfile(osp.join(ROOT, path))


def test_demo_config_shows_what_the_results_config_shows():
    demo_path = makefile_demo_config()
    assert demo_path != RESULTS_CONFIG
    demo, ref = load(demo_path), load(RESULTS_CONFIG)
    assert demo.model == ref.model
    assert demo.model.type == 'FineTecRecognizer'
    assert demo.model.completion.checkpoint == ref.completion_checkpoint
    assert demo.corruption == ref.corruption == dict(level='severe')
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        assert demo[loader].dataset == ref[loader].dataset, loader
    assert demo.test_dataloader.batch_size == ref.test_dataloader.batch_size
    test = demo.test_dataloader.dataset
    assert test.split == 'test'
    sampler = [s for s in test.pipeline if s.type == 'UniformSampleFrames']
    assert sampler[0].num_clips == 10
    corrupt = [s for s in test.pipeline if s.type == 'SkeletonCorrupt']
    assert corrupt[0].test_mode and corrupt[0].level == 'severe'
    assert demo.optim_wrapper == ref.optim_wrapper
    assert demo.test_evaluator == ref.test_evaluator


def test_demo_config_is_cheaper():
    demo, ref = load(makefile_demo_config()), load(RESULTS_CONFIG)
    epochs = demo.train_cfg.max_epochs
    assert epochs < ref.train_cfg.max_epochs
    # every epoch sees the whole train split: fewer epochs, fewer samples
    # validation once, after the last epoch; one checkpoint, the last
    assert demo.train_cfg.val_begin == epochs
    assert demo.train_cfg.val_interval == epochs
    assert demo.default_hooks.checkpoint.interval == epochs
    # the learning-rate schedule ends at the last epoch
    assert max(s.end for s in demo.param_scheduler) == epochs
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        assert demo[loader].num_workers == 0, loader
        assert not demo[loader].persistent_workers, loader


def test_results_config_keeps_its_16_epochs():
    """docs/results.md cites configs/finetec_demo_severe.py for 16 epochs."""
    ref = load(RESULTS_CONFIG)
    assert ref.train_cfg.max_epochs == 16
    assert '16 epochs' in open(osp.join(ROOT, 'docs', 'results.md')).read()
