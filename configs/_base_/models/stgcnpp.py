# ST-GCN++ (PYSKL): adaptive graph initialised from the spatial partition,
# residual GCN and multi-scale TCN. `num_classes` comes from the dataset piece.
model = dict(
    type='RecognizerGCN',
    backbone=dict(
        type='STGCN',
        gcn_adaptive='init',
        gcn_with_res=True,
        tcn_type='mstcn',
        graph_cfg=dict(layout='coco', mode='spatial')),
    cls_head=dict(type='GCNHead', num_classes=None, in_channels=256))
