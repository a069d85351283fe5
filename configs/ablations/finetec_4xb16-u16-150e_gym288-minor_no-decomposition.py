# Table 4: no spatial decomposition (S_base only).
_base_ = ['../finetec/finetec_4xb16-u16-150e_gym288-minor.py']
model = dict(decomposition=None, streams=('base', ))
