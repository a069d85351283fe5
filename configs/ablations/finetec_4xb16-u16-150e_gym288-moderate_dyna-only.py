# Table 5: S_base + S_dyna (no S_stat).
_base_ = ['../finetec/finetec_4xb16-u16-150e_gym288-moderate.py']
model = dict(streams=('base', 'dyna'))
