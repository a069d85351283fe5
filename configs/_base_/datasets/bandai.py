# Bandai-Namco Research Motion dataset 2, converted to 2D COCO-17 by
# tools/data/bvh_to_posedataset.py (docs/data_preparation.md): real motion
# capture, 30 fine-grained classes (10 contents x 3 styles), splits by take
# (`xtake_train`, `xtake_val`). The release is CC BY-NC 4.0: convert it
# yourself, never redistribute it or what is trained on it. There is no
# separate test split: results are reported on `xtake_val`, so no best
# checkpoint is selected on it (protocol.checkpoint_hooks: the last one is
# tested). Same clip protocol and demo-sized schedule as the demo data.
_base_ = './skeleton_16f_1p.py'
ann_file = 'data/bandai/bandai_dev.pkl'
num_classes = 30
# Real-motion completion network (docs/model_zoo.md); one pre-trained on
# the dataset's own `xtake_train` can be given with
# --cfg-options model.completion.checkpoint=...
completion_checkpoint = 'checkpoints/icl_cmu_fallback-1509886b.pth'
train_dataloader = dict(
    batch_size=32,
    num_workers=1,
    pin_memory=False,
    dataset=dict(ann_file=ann_file, split='xtake_train',
                 num_classes=num_classes))
val_dataloader = dict(
    num_workers=1,
    pin_memory=False,
    dataset=dict(ann_file=ann_file, split='xtake_val',
                 num_classes=num_classes))
test_dataloader = dict(
    num_workers=1,
    pin_memory=False,
    dataset=dict(ann_file=ann_file, split='xtake_val',
                 num_classes=num_classes))
