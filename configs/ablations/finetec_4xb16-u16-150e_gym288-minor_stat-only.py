# Table 5: S_base + S_stat (no S_dyna).
_base_ = ['../finetec/finetec_4xb16-u16-150e_gym288-minor.py']
model = dict(streams=('base', 'stat'))
