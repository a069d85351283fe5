# The defaults plus decomposition-guided augmentation (S_dyna / S_stat fed in place of S_base to half of the training clips).
_base_ = ['../finetec/finetec_1xb32-u16-16e_demo-severe.py']
model = dict(
    decomposition=dict(_delete_=True, regions='coco'),
    streams=('base', 'dyna', 'stat'),
    stream_augment_prob=0.5)
