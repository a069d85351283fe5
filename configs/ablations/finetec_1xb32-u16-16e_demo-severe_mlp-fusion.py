# Fusion comparison: the full method plus MLP fusion channels.
_base_ = ['../finetec/finetec_1xb32-u16-16e_demo-severe.py']
model = dict(
    linear_stream=False,
    completion=dict(observed_marker=True),
    decomposition=dict(_delete_=True, regions='coco'),
    streams=('base', 'dyna', 'stat'),
    stream_augment_prob=0.5,
    accel_head=dict(
        _delete_=True, type='LagrangianAccelHead',
        loss_target='lagrangian', pseudo_smoothing=2),
    fusion=dict(type='MLPFusion'))
