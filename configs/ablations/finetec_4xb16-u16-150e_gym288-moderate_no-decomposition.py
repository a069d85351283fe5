# Table 4: no spatial decomposition (S_base only).
_base_ = ['../finetec/finetec_4xb16-u16-150e_gym288-moderate.py']
input_transforms = [
    dict(type='ICLCompletion', checkpoint=None, test_mode=None),
    dict(type='GenSkeFeat', dataset='coco', feats=['j'])
]
model = dict(streams=('base', ))
