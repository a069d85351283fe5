# The embedded synthetic demo data (tools/data/generate_demo_data.py writes
# it). Splits: train (1,440), val (480; checkpoint selection) and test (480;
# reported numbers, never used to select or tune anything). Small loaders
# for a 2-core CPU.
_base_ = './skeleton_16f_1p.py'
ann_file = 'data/demo/finetec_demo.pkl'
num_classes = 24
# Completion network pre-trained on the demo bank (docs/completion.md says
# how it was made); only FineTec configs read it.
# (shipped with the repository: found relative to this file, so the
# config runs from any working directory; data paths stay relative to it)
completion_checkpoint = '{{fileDirname}}/../../../checkpoints/icl_demo-a35cca84.pth'
train_dataloader = dict(
    batch_size=32,
    num_workers=1,
    pin_memory=False,
    dataset=dict(ann_file=ann_file, split='train', num_classes=num_classes))
val_dataloader = dict(
    num_workers=1,
    pin_memory=False,
    dataset=dict(ann_file=ann_file, split='val', num_classes=num_classes))
test_dataloader = dict(
    num_workers=1,
    pin_memory=False,
    dataset=dict(ann_file=ann_file, split='test', num_classes=num_classes))
