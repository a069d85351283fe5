# FineTec around MMAction2's ST-GCN. The pipeline keeps plain
# (x, y, score) joint features of S_corrupt; the recognizer hosts the frozen
# completion network (S_corrupt -> S_base) and the decomposition
# (S_base -> S_dyna, S_stat) and runs both batched on the model's device,
# then adds Lagrangian accelerations, fuses by cross-attention and feeds the
# GCN. `completion_checkpoint` comes from the dataset piece (a hosted
# `completion.checkpoint=None` gets it); `num_classes` too. The `*_pipeline`
# configs run completion + decomposition as data-pipeline transforms
# instead (ICLCompletion, DecompositionAugment): same model inputs, more CPU
# work per sample. `observed_marker=True`: the score channel of frames the
# completion restored is negated, so the GCN can tell them from observed
# frames (docs/model.md; the `*_no-marker` ablation sets False).
model = dict(
    type='FineTecRecognizer',
    backbone=dict(
        type='STGCN', graph_cfg=dict(layout='coco', mode='stgcn_spatial')),
    cls_head=dict(type='GCNHead', num_classes=None, in_channels=256),
    fusion=dict(
        type='CrossAttentionFusion', embed_dim=32, num_heads=4,
        out_channels=8),
    accel_head=dict(type='LagrangianAccelHead'),
    streams=('base', 'dyna', 'stat'),
    loss_accel_weight=1.0,
    completion=dict(checkpoint=None, observed_marker=True),
    decomposition=dict(regions='coco'))
