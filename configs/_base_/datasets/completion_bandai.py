# Completion bank of the Bandai-Namco Research Motion dataset 2 in 2D COCO-17
# (configs/_base_/datasets/bandai.py; CC BY-NC 4.0: never redistribute it or
# a network trained on it). Trained on `xtake_train`, four clips per take;
# val and test read `xtake_val`, the split recognition reports on, so no
# best checkpoint is kept (protocol.checkpoint_hooks): the last one is used.
_base_ = './completion_bank_16f.py'
ann_file = 'data/bandai/bandai_dev.pkl'
train_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(ann_file=ann_file, split='xtake_train', num_clips=4))
val_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(ann_file=ann_file, split='xtake_val'))
test_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(ann_file=ann_file, split='xtake_val'))
