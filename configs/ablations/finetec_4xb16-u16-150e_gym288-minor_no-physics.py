# Table 4: no Lagrangian acceleration.
_base_ = ['../finetec/finetec_4xb16-u16-150e_gym288-minor.py']
model = dict(accel_head=None)
