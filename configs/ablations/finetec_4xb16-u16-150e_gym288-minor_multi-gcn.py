# Multi-GCN: six parallel GCNs (S and a streams), late fusion.
_base_ = ['../finetec/finetec_4xb16-u16-150e_gym288-minor.py']
model = dict(type='FineTecMultiGCN', stream_augment_prob=None)
