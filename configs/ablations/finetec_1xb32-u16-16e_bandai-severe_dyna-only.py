# Table 5: S_base + S_dyna (no S_stat).
_base_ = ['../finetec/finetec_1xb32-u16-16e_bandai-severe.py']
model = dict(streams=('base', 'dyna'))
