# Completion alone (base-only) plus the Lagrangian acceleration channels (fed without gradient: the physics head learns from L_Ac alone) and L_Ac.
_base_ = ['../finetec/finetec_1xb32-u16-16e_bandai-severe.py']
model = dict(
    linear_stream=False,
    decomposition=None,
    streams=('base', ),
    accel_head=dict(
        _delete_=True, type='LagrangianAccelHead',
        loss_target='lagrangian', pseudo_smoothing=2),
    completion=dict(observed_marker=False),
    detach_accel=True)
