# Completion alone: the plain GCN on the completed S_base (no decomposition, no physics, no observed channel), the reference FineTec must not fall below; the defaults now, stated explicitly so that it stays the reference.
_base_ = ['../finetec/finetec_1xb32-u16-16e_demo-severe.py']
model = dict(
    decomposition=None,
    streams=('base', ),
    accel_head=None,
    completion=dict(observed_marker=False))
