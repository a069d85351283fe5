# AAGCN (2s-AGCN with attention), MMAction2's implementation.
model = dict(
    type='RecognizerGCN',
    backbone=dict(
        type='AAGCN',
        graph_cfg=dict(layout='coco', mode='spatial'),
        num_person=None),  # from the dataset piece
    cls_head=dict(type='GCNHead', num_classes=None, in_channels=256))
