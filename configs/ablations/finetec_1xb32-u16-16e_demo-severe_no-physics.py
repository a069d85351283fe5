# Table 4: the full method without Lagrangian acceleration.
_base_ = ['../finetec/finetec_1xb32-u16-16e_demo-severe.py']
model = dict(
    linear_stream=False,
    completion=dict(observed_marker=True),
    decomposition=dict(_delete_=True, regions='coco'),
    streams=('base', 'dyna', 'stat'),
    stream_augment_prob=0.5,
    accel_head=None)
