# Table 5: S_base + S_dyna (no S_stat).
_base_ = ['../finetec/finetec_4xb16-u16-150e_gym288-moderate.py']
input_transforms = [
    dict(type='ICLCompletion', checkpoint=None, test_mode=None),
    dict(type='DecompositionAugment', streams=('base', 'dyna'), test_mode=None)
]
model = dict(streams=('base', 'dyna'))
