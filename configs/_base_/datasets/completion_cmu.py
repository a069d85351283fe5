# Completion bank of real human motion: CMU motion capture converted to 2D
# COCO-17 views (30 fps, 64-frame windows 16 frames apart, 12 virtual
# cameras per take; docs/completion.md):
#   python tools/data/cmu_to_bank.py --root PATH/TO/cmu_mocap \
#       --out data/cmu_bank/cmu_coco17_30fps.pkl --views 12 --stride 16
# Train takes feed the
# bank, whole held-out train takes are `val` (checkpoint selection), the
# benchmark's test takes are `test` (reported only). Four clips per window.
_base_ = './completion_bank_16f.py'
ann_file = 'data/cmu_bank/cmu_coco17_30fps.pkl'
train_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(ann_file=ann_file, split='train', num_clips=4))
val_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(ann_file=ann_file, split='val'))
test_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(ann_file=ann_file, split='test'))
