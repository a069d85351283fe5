# FineGym-skeleton V2, Gym288 subset (FineTec authors' release, 2026-05):
# Gym288-skeleton-V2.pkl, 288 classes, splits train (29,290) / val (9,645);
# one tracked gymnast, COCO-17 2D keypoints, sequences of 2 to 725 frames
# (mean 48.3); the target box of every first frame was re-annotated before
# tracking and pose extraction. Sequences shorter than the 16-frame clip
# repeat frames in the clip and are corrupted by the raw-frame rule of
# docs/corruption_protocol.md. Assumptions (see docs/data_preparation.md):
# name is assumed from the Gym99 file (Gym99-skeleton-V2.pkl);
# the split names `train` / `val` follow the release's "training /
# validation samples" table. A wrong split name stops loading with the
# available splits listed; tools/data/validate_dataset.py prints them.
# No split is held out for checkpoint selection: validation reads the
# reported `val` split for monitoring only (save_best=None).
_base_ = './skeleton_16f_1p.py'
ann_file = 'data/finegym_v2/Gym288-skeleton-V2.pkl'
# FineTec's completion network (only FineTec configs read it): by default
# the one pre-trained on real human motion (CMU motion capture,
# configs/completion/icl_cmu_fallback.py, which falls back to linear
# interpolation where it has no evidence; clip-normalised, so it serves any
# framing). For one pre-trained on this dataset's own bank instead:
# python tools/train.py configs/completion/icl_gym288_v2.py, then
# tools/publish_checkpoint.py, and set completion_checkpoint to the
# published file (docs/completion.md).
# (shipped with the repository: found relative to this file, so the
# config runs from any working directory; data paths stay relative to it)
completion_checkpoint = '{{fileDirname}}/../../../checkpoints/icl_cmu_fallback-1509886b.pth'
num_classes = 288
train_dataloader = dict(
    dataset=dict(ann_file=ann_file, split='train', num_classes=num_classes))
val_dataloader = dict(
    dataset=dict(ann_file=ann_file, split='val', num_classes=num_classes))
test_dataloader = dict(
    dataset=dict(ann_file=ann_file, split='val', num_classes=num_classes))
