"""resolve_protocol: the cross-piece keys of a config become components."""
import pytest
from mmengine.config import Config

from finetec_mm.engine import resolve_protocol
from mmaction.registry import TRANSFORMS


def make_cfg(**top):
    pipeline = [dict(type='PoseDecode'), dict(type='CorruptionProtocol'),
                dict(type='GenSkeFeat', dataset='coco', feats=['j'])]
    test_pipeline = [dict(type='PoseDecode'),
                     dict(type='CorruptionProtocol', test_mode=True)]
    return Config(dict(
        model=dict(backbone=dict(num_person=None),
                   cls_head=dict(num_classes=None)),
        train_dataloader=dict(dataset=dict(
            type='RepeatDataset', times=2,
            dataset=dict(type='PoseDataset', pipeline=pipeline))),
        test_dataloader=dict(dataset=dict(pipeline=test_pipeline)),
        **top))


def test_corruption_slot_becomes_corrupt_and_fill():
    cfg = make_cfg(corruption=dict(level='severe', fill='linear', seed=3))
    resolve_protocol(cfg)
    train = cfg.train_dataloader.dataset.dataset.pipeline
    assert [s['type'] for s in train] == [
        'PoseDecode', 'SkeletonCorrupt', 'GapFill', 'GenSkeFeat']
    assert train[1] == dict(type='SkeletonCorrupt', level='severe', seed=3,
                            test_mode=False)
    assert train[2] == dict(type='GapFill', method='linear')
    test = cfg.test_dataloader.dataset.pipeline
    assert test[1]['test_mode'] is True
    resolve_protocol(cfg)  # idempotent
    assert len(cfg.train_dataloader.dataset.dataset.pipeline) == 4


@pytest.mark.parametrize('top', [{}, dict(corruption=dict(level=None))])
def test_clean_protocol_removes_the_slot(top):
    cfg = make_cfg(**top)
    resolve_protocol(cfg)
    assert [s['type'] for s in cfg.test_dataloader.dataset.pipeline] == [
        'PoseDecode']


def test_dataset_facts_fill_the_model():
    cfg = make_cfg(num_classes=7, num_person=2)
    resolve_protocol(cfg)
    assert cfg.model.cls_head.num_classes == 7
    assert cfg.model.backbone.num_person == 2


def test_input_transforms_replace_features_with_loader_mode():
    cfg = make_cfg(input_transforms=[
        dict(type='DecompositionAugment', test_mode=None),
        dict(type='FormatGCNInput', num_person=1)])
    cfg.test_dataloader.dataset.pipeline.append(
        dict(type='GenSkeFeat', dataset='coco', feats=['j']))
    resolve_protocol(cfg)
    train = cfg.train_dataloader.dataset.dataset.pipeline
    test = cfg.test_dataloader.dataset.pipeline
    assert [s['type'] for s in train[-2:]] == [
        'DecompositionAugment', 'FormatGCNInput']
    assert train[-2]['test_mode'] is False and test[-2]['test_mode'] is True
    assert 'test_mode' not in train[-1]
    assert cfg.input_transforms[0]['test_mode'] is None  # template kept


def test_unresolved_slot_fails_loudly():
    with pytest.raises(RuntimeError, match='unresolved `CorruptionProtocol`'):
        TRANSFORMS.build(dict(type='CorruptionProtocol'))
