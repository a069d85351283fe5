# Completion bank of NTU RGB+D 60 2D (HRNet, COCO-17), cross-subject:
# 100-frame clips as in the paper; each person is its own sequence.
_base_ = './completion_bank_16f.py'
ann_file = 'data/skeleton/ntu60_2d.pkl'
train_dataloader = dict(
    dataset=dict(ann_file=ann_file, split='xsub_train', clip_len=100))
val_dataloader = dict(
    dataset=dict(ann_file=ann_file, split='xsub_val', clip_len=100))
test_dataloader = dict(
    dataset=dict(ann_file=ann_file, split='xsub_val', clip_len=100))
