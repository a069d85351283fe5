# FineGym Gym99 2D skeletons: MMAction2's gym_2d.pkl (HRNet keypoints on
# ground-truth boxes, COCO-17, one person), splits train / val.
# See docs/data_preparation.md for where to get it.
_base_ = './skeleton_16f_1p.py'
ann_file = 'data/gym/gym_2d.pkl'
# FineTec's completion network (only FineTec configs read it): by default
# the one pre-trained on real human motion (CMU motion capture,
# configs/completion/icl_cmu_fallback.py, which falls back to linear
# interpolation where it has no evidence; clip-normalised, so it serves any
# framing). For one pre-trained on this dataset's own bank instead:
# python tools/train.py configs/completion/icl_gym99.py, then
# tools/publish_checkpoint.py, and set completion_checkpoint to the
# published file (docs/completion.md).
# (shipped with the repository: found relative to this file, so the
# config runs from any working directory; data paths stay relative to it)
completion_checkpoint = '{{fileDirname}}/../../../checkpoints/icl_cmu_fallback-1509886b.pth'
num_classes = 99
train_dataloader = dict(
    dataset=dict(ann_file=ann_file, split='train', num_classes=num_classes))
val_dataloader = dict(
    dataset=dict(ann_file=ann_file, split='val', num_classes=num_classes))
test_dataloader = dict(
    dataset=dict(ann_file=ann_file, split='val', num_classes=num_classes))
