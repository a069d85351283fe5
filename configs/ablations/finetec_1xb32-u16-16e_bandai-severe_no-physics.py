# Table 4: no Lagrangian acceleration.
_base_ = ['../finetec/finetec_1xb32-u16-16e_bandai-severe.py']
model = dict(accel_head=None)
