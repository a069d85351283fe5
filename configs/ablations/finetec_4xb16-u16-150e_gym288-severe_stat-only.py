# Table 5: S_base + S_stat (no S_dyna).
_base_ = ['../finetec/finetec_4xb16-u16-150e_gym288-severe.py']
input_transforms = [
    dict(type='ICLCompletion', checkpoint=None, test_mode=None),
    dict(type='DecompositionAugment', streams=('base', 'stat'), test_mode=None)
]
model = dict(streams=('base', 'stat'))
