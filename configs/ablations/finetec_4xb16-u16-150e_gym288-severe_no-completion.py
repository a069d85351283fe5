# Table 4: the full method without context-aware completion (zero-filled S_corrupt is decomposed).
_base_ = ['../finetec/finetec_4xb16-u16-150e_gym288-severe.py']
model = dict(
    linear_stream=False,
    completion=None,
    decomposition=dict(_delete_=True, regions='coco'),
    streams=('base', 'dyna', 'stat'),
    stream_augment_prob=0.5,
    accel_head=dict(
        _delete_=True, type='LagrangianAccelHead',
        loss_target='lagrangian', pseudo_smoothing=2))
