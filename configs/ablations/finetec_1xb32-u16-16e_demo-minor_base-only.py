# Completion alone: one GCN on the completed S_base (FineTec's completion stream without the linear stream; no decomposition, no physics, no observed channel), the reference FineTec must not fall below; the defaults until 2026-12-05.
_base_ = ['../finetec/finetec_1xb32-u16-16e_demo-minor.py']
model = dict(
    linear_stream=False,
    decomposition=None,
    streams=('base', ),
    accel_head=None,
    completion=dict(observed_marker=False))
