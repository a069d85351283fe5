# MMAction2 ST-GCN on COCO-17 joints (x, y, score). `num_classes` comes from
# the dataset piece.
model = dict(
    type='RecognizerGCN',
    backbone=dict(
        type='STGCN', graph_cfg=dict(layout='coco', mode='stgcn_spatial')),
    cls_head=dict(type='GCNHead', num_classes=None, in_channels=256))
