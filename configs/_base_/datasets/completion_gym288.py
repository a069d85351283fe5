# Completion bank of Gym288-skeleton: train clips, test scored.
_base_ = './completion_bank_16f.py'
ann_file = 'data/gym288/gym288_skeleton.pkl'
train_dataloader = dict(dataset=dict(ann_file=ann_file, split='train'))
val_dataloader = dict(dataset=dict(ann_file=ann_file, split='test'))
test_dataloader = dict(dataset=dict(ann_file=ann_file, split='test'))
