# Fusion comparison: MLP instead of cross-attention.
_base_ = ['../finetec/finetec_4xb16-u16-150e_gym288-moderate.py']
model = dict(fusion=dict(type='MLPFusion'))
