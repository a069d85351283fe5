# Gym288-skeleton: gym288_skeleton.pkl, splits train (28,739) / test (9,484),
# float16 keypoints; the extra kp_w_gt / kp_wo_gt fields are dropped on load.
_base_ = './skeleton_16f_1p.py'
ann_file = 'data/gym288/gym288_skeleton.pkl'
# FineTec's completion network (only FineTec configs read it): by default
# the one pre-trained on real human motion (CMU motion capture,
# configs/completion/icl_cmu_fallback.py, which falls back to linear
# interpolation where it has no evidence; clip-normalised, so it serves any
# framing). For one pre-trained on this dataset's own bank instead:
# python tools/train.py configs/completion/icl_gym288.py, then
# tools/publish_checkpoint.py, and set completion_checkpoint to the
# published file (docs/completion.md).
# (shipped with the repository: found relative to this file, so the
# config runs from any working directory; data paths stay relative to it)
completion_checkpoint = '{{fileDirname}}/../../../checkpoints/icl_cmu_fallback-1509886b.pth'
num_classes = 288
train_dataloader = dict(
    dataset=dict(ann_file=ann_file, split='train', num_classes=num_classes))
val_dataloader = dict(
    dataset=dict(ann_file=ann_file, split='test', num_classes=num_classes))
test_dataloader = dict(
    dataset=dict(ann_file=ann_file, split='test', num_classes=num_classes))
