# The full method's front end on linearly interpolated frames instead of the completion network (no observed channel).
_base_ = ['../finetec/finetec_1xb32-u16-16e_bandai-severe.py']
corruption = dict(level='severe', fill='linear')
from finetec_mm.engine import protocol  # noqa: E402
train_dataloader, val_dataloader, test_dataloader = protocol.compose_loaders(
    _base_, corruption=corruption)
model = dict(
    linear_stream=False,
    completion=None,
    decomposition=dict(_delete_=True, regions='coco'),
    streams=('base', 'dyna', 'stat'),
    stream_augment_prob=0.5,
    accel_head=dict(
        _delete_=True, type='LagrangianAccelHead',
        loss_target='lagrangian', pseudo_smoothing=2))
