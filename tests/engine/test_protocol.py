"""protocol: a config's pipelines and model composed from its pieces."""
import pytest
from mmengine.config import Config

from finetec_mm.engine import protocol, recompose
from mmaction.registry import TRANSFORMS


def make_cfg(**top):
    """A config as the pieces leave it: templates, loaders, a model."""
    train_pipeline = [dict(type='PoseDecode'),
                      dict(type='CorruptionProtocol'),
                      dict(type='GenSkeFeat', dataset='coco', feats=['j'])]
    test_pipeline = [dict(type='UniformSampleFrames', clip_len=16,
                          num_clips=10, test_mode=True),
                     dict(type='PoseDecode'),
                     dict(type='CorruptionProtocol', test_mode=True),
                     dict(type='GenSkeFeat', dataset='coco', feats=['j'])]
    cfg = dict(
        train_pipeline=train_pipeline, test_pipeline=test_pipeline,
        model=dict(backbone=dict(num_person=None),
                   cls_head=dict(num_classes=None)),
        train_dataloader=dict(dataset=dict(
            type='RepeatDataset', times=2,
            dataset=dict(type='PoseDataset', pipeline=train_pipeline))),
        test_dataloader=dict(dataset=dict(pipeline=test_pipeline)))
    cfg.update(top)
    return Config(cfg)


def composed(cfg, **overrides):
    train, val, test = protocol.compose_loaders(cfg, **overrides)
    assert val is None  # the config has no val loader
    return train['dataset']['dataset']['pipeline'], test['dataset'][
        'pipeline']


def types(pipeline):
    return [step['type'] for step in pipeline]


def test_corruption_slot_becomes_corrupt_and_fill():
    cfg = make_cfg(corruption=dict(level='severe', fill='linear', seed=3))
    train, test = composed(cfg)
    assert types(train) == ['PoseDecode', 'SkeletonCorrupt', 'GapFill',
                            'GenSkeFeat']
    assert train[1] == dict(type='SkeletonCorrupt', level='severe', seed=3,
                            test_mode=False)
    assert train[2] == dict(type='GapFill', method='linear')
    assert test[2]['test_mode'] is True
    # the templates are left as they were: composing again gives the same
    assert composed(cfg) == (train, test)
    assert types(cfg.train_pipeline)[1] == 'CorruptionProtocol'


@pytest.mark.parametrize('top', [{}, dict(corruption=dict(level=None))])
def test_clean_protocol_removes_the_slot(top):
    _, test = composed(make_cfg(**top))
    assert types(test) == ['UniformSampleFrames', 'PoseDecode', 'GenSkeFeat']


def test_dataset_facts_fill_the_model():
    cfg = make_cfg(num_classes=7, num_person=2,
                   completion_checkpoint='c.pth')
    cfg.model.completion = dict(checkpoint=None)
    model = protocol.compose_model(cfg)
    assert model['cls_head']['num_classes'] == 7
    assert model['backbone']['num_person'] == 2
    assert model['completion']['checkpoint'] == 'c.pth'
    assert cfg.model.cls_head.num_classes is None  # input untouched


def test_input_transforms_replace_features_with_loader_mode():
    features = [dict(type='ICLCompletion', checkpoint=None, test_mode=None),
                dict(type='FormatGCNInput', num_person=1)]
    cfg = make_cfg(completion_checkpoint='c.pth')
    train, test = composed(cfg, input_transforms=features)
    assert types(train[-2:]) == ['ICLCompletion', 'FormatGCNInput']
    assert train[-2]['test_mode'] is False and test[-2]['test_mode'] is True
    assert train[-2]['checkpoint'] == 'c.pth'
    assert 'test_mode' not in train[-1]
    assert features[0]['test_mode'] is None  # the argument is not modified


def test_frozen_and_perturbation_rewrite_only_test_pipelines():
    cfg = make_cfg(corruption=dict(level='severe', fill='linear'),
                   frozen=True, test_time_perturb=dict(drop=0.3))
    train, test = composed(cfg)
    assert types(test) == ['LoadFrozenClips', 'PoseDecode', 'ApplyFrozenMask',
                           'TestTimePerturb', 'GapFill', 'GenSkeFeat']
    assert types(train)[1:3] == ['SkeletonCorrupt', 'GapFill']


def test_unknown_override_and_missing_template_fail():
    with pytest.raises(KeyError, match='not composition inputs'):
        protocol.compose_loaders(make_cfg(), corruptoin=dict(level='minor'))
    cfg = make_cfg(corruption=dict(level='minor'))
    cfg.pop('test_pipeline')
    with pytest.raises(ValueError, match='no `test_pipeline` template'):
        recompose(cfg)


def test_recompose_follows_a_changed_input():
    cfg = make_cfg(corruption=dict(level='severe'), num_classes=3)
    recompose(cfg)
    assert cfg.test_dataloader.dataset.pipeline[2]['level'] == 'severe'
    cfg.corruption.level = 'minor'
    assert protocol.touches_composition({'corruption.level': 'minor'})
    assert not protocol.touches_composition({'train_cfg.max_epochs': 1})
    recompose(cfg)
    assert cfg.test_dataloader.dataset.pipeline[2]['level'] == 'minor'
    assert cfg.model.cls_head.num_classes == 3


def test_at_level_sets_the_level_on_a_copy():
    cfg = make_cfg(corruption=dict(level='severe', ratio=0.6, seed=2),
                   num_classes=3)
    recompose(cfg)
    minor = protocol.at_level(cfg, 'minor')
    step = minor.test_dataloader.dataset.pipeline[2]
    assert step['level'] == 'minor' and 'ratio' not in step
    assert step['seed'] == 2
    # the original is untouched
    assert cfg.corruption.ratio == 0.6
    assert cfg.test_dataloader.dataset.pipeline[2]['level'] == 'severe'


def test_checkpoint_selection_never_on_the_reported_split():
    def loaders(val_split, test_split):
        return make_cfg(
            val_dataloader=dict(dataset=dict(ann_file='a.pkl',
                                             split=val_split)),
            test_dataloader=dict(dataset=dict(ann_file='a.pkl',
                                              split=test_split)))
    assert protocol.checkpoint_hooks(loaders('test', 'test')) == dict(
        checkpoint=dict(save_best=None))
    assert protocol.checkpoint_hooks(loaders('val', 'test')) == {}


def test_uncomposed_slot_fails_loudly():
    with pytest.raises(RuntimeError, match='uncomposed `CorruptionProtocol`'):
        TRANSFORMS.build(dict(type='CorruptionProtocol'))
