# Completion alone (base-only) plus decomposition-guided augmentation (S_dyna / S_stat fed in place of S_base to half of the training clips).
_base_ = ['../finetec/finetec_1xb32-u16-16e_demo-severe.py']
model = dict(
    linear_stream=False,
    decomposition=dict(_delete_=True, regions='coco'),
    streams=('base', 'dyna', 'stat'),
    accel_head=None,
    completion=dict(observed_marker=False),
    stream_augment_prob=0.5)
