# Table 4: no spatial decomposition (S_base only).
_base_ = ['../finetec/finetec_1xb32-u16-16e_bandai-severe.py']
model = dict(decomposition=None, streams=('base', ))
