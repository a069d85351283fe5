# FineTec (DESIGN §1) around MMAction2's ST-GCN. The pipeline's joint
# features are replaced by the model's own inputs (`input_transforms`):
# S_corrupt -> ICLCompletion -> S_base -> DecompositionAugment ->
# [S_base, S_dyna, S_stat] + score, 7 channels per joint. The recognizer adds
# Lagrangian accelerations, fuses by cross-attention and feeds the GCN.
# `completion_checkpoint` comes from the dataset piece; `num_classes` too.
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
    loss_accel_weight=1.0)
input_transforms = [
    dict(type='ICLCompletion', checkpoint=None, test_mode=None),
    dict(type='DecompositionAugment', test_mode=None),
]
