# Table 4: no context-aware completion (zero-filled S_corrupt is decomposed).
_base_ = ['../finetec/finetec_4xb16-u16-150e_gym288-severe.py']
model = dict(completion=None)
