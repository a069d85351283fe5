# Table 5: S_base + S_stat (no S_dyna).
_base_ = ['../finetec/finetec_1xb32-u16-16e_bandai-severe.py']
model = dict(streams=('base', 'stat'))
