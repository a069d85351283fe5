# Table 4: no context-aware completion (zero-filled S_corrupt is decomposed).
_base_ = ['../finetec/finetec_1xb32-u16-16e_bandai-severe.py']
model = dict(completion=None)
