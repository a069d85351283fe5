# Completion bank of Gym99 (MMAction2's gym_2d.pkl): train clips, val scored.
_base_ = './completion_bank_16f.py'
ann_file = 'data/gym/gym_2d.pkl'
train_dataloader = dict(dataset=dict(ann_file=ann_file, split='train'))
val_dataloader = dict(dataset=dict(ann_file=ann_file, split='val'))
test_dataloader = dict(dataset=dict(ann_file=ann_file, split='val'))
