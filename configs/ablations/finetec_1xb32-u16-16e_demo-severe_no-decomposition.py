# Table 4: no spatial decomposition (S_base only).
_base_ = ['../finetec/finetec_1xb32-u16-16e_demo-severe.py']
input_transforms = [
    dict(type='ICLCompletion', checkpoint=None, test_mode=None),
    dict(type='GenSkeFeat', dataset='coco', feats=['j'])
]
model = dict(streams=('base', ))
