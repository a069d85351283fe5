# Multi-GCN: six parallel GCNs (S and a streams), late fusion.
_base_ = ['../finetec/finetec_1xb32-u16-16e_demo-severe.py']
model = dict(type='FineTecMultiGCN', stream_augment_prob=None)
