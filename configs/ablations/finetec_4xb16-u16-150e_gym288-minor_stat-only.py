# Table 5: the full method with S_base + S_stat (no S_dyna).
_base_ = ['../finetec/finetec_4xb16-u16-150e_gym288-minor.py']
model = dict(
    linear_stream=False,
    completion=dict(observed_marker=True),
    decomposition=dict(_delete_=True, regions='coco'),
    streams=('base', 'stat'),
    stream_augment_prob=0.5,
    accel_head=dict(
        _delete_=True, type='LagrangianAccelHead',
        loss_target='lagrangian', pseudo_smoothing=2))
