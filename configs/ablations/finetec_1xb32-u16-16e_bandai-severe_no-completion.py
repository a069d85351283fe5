# Table 4: the full method without context-aware completion (zero-filled S_corrupt is decomposed).
_base_ = ['../finetec/finetec_1xb32-u16-16e_bandai-severe.py']
model = dict(
    linear_stream=False,
    completion=None,
    decomposition=dict(_delete_=True, regions='coco'),
    streams=('base', 'dyna', 'stat'),
    stream_augment_prob=0.5,
    accel_head=dict(
        _delete_=True, type='LagrangianAccelHead',
        loss_target='lagrangian', pseudo_smoothing=2))
