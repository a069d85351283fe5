# Fusion comparison: MLP instead of cross-attention.
_base_ = ['../finetec/finetec_1xb32-u16-16e_bandai-severe.py']
model = dict(fusion=dict(type='MLPFusion'))
