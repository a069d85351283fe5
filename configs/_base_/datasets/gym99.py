# FineGym Gym99 2D skeletons: MMAction2's gym_2d.pkl (HRNet keypoints on
# ground-truth boxes, COCO-17, one person), splits train / val.
# See docs/data_preparation.md for where to get it.
_base_ = './skeleton_16f_1p.py'
ann_file = 'data/gym/gym_2d.pkl'
# FineTec's completion network pre-trained on this dataset's bank
# (python tools/train.py configs/completion/icl_gym99.py, then
# tools/publish_checkpoint.py); only FineTec configs read it.
completion_checkpoint = 'checkpoints/icl_gym99.pth'
num_classes = 99
train_dataloader = dict(
    dataset=dict(ann_file=ann_file, split='train', num_classes=num_classes))
val_dataloader = dict(
    dataset=dict(ann_file=ann_file, split='val', num_classes=num_classes))
test_dataloader = dict(
    dataset=dict(ann_file=ann_file, split='val', num_classes=num_classes))
