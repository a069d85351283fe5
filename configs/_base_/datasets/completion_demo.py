# Completion bank of the synthetic demo data, small loaders for a 2-core CPU.
# Four clips per training sample (5,760 clips) instead of one. Checkpoints
# are selected on val; test is only reported.
_base_ = './completion_bank_16f.py'
ann_file = 'data/demo/finetec_demo.pkl'
train_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(ann_file=ann_file, split='train', num_clips=4))
val_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(ann_file=ann_file, split='val'))
test_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(ann_file=ann_file, split='test'))
