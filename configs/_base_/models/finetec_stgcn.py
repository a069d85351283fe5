# FineTec around MMAction2's ST-GCN (docs/model.md). The pipeline keeps
# plain (x, y, score) joint features of S_corrupt; the recognizer hosts the
# frozen completion network (S_corrupt -> S_base) and the decomposition
# (S_base -> S_dyna, S_stat, training only) and runs both batched on the
# model's device. The GCN sees S_base's (x, y, score) unchanged, a 0/1
# observed channel (`observed_marker=True`: 1 on frames that were observed,
# 0 on restored ones) and the Lagrangian acceleration of the same stream: 6
# input channels. In training, `stream_augment_prob` of the clips are fed
# S_dyna or S_stat instead of S_base (decomposition-guided augmentation);
# the test path has no random perturbation. The physics loss supervises the
# Lagrangian estimate itself (`loss_target='lagrangian'`), so it cannot be
# met by closing the gate, against the second difference of the clip after
# two smoothing passes (`pseudo_smoothing=2`), which re-encodes less of the
# drop mask. `completion_checkpoint` and `num_classes` come from the dataset
# piece. The `*_pipeline` configs run completion + decomposition as
# data-pipeline transforms instead (ICLCompletion, DecompositionAugment).
model = dict(
    type='FineTecRecognizer',
    backbone=dict(
        type='STGCN', graph_cfg=dict(layout='coco', mode='stgcn_spatial')),
    cls_head=dict(type='GCNHead', num_classes=None, in_channels=256),
    accel_head=dict(
        type='LagrangianAccelHead', loss_target='lagrangian',
        pseudo_smoothing=2),
    accel_scale=10.,
    streams=('base', 'dyna', 'stat'),
    stream_augment_prob=0.5,
    loss_accel_weight=1.0,
    completion=dict(checkpoint=None, observed_marker=True),
    decomposition=dict(regions='coco'))
