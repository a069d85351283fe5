# Completion alone (base-only) plus the 0/1 observed channel.
_base_ = ['../finetec/finetec_1xb32-u16-16e_bandai-severe.py']
model = dict(
    linear_stream=False,
    decomposition=None,
    streams=('base', ),
    accel_head=None,
    completion=dict(observed_marker=True))
