# Completion bank of FineGym-skeleton V2, Gym99: train clips, val scored.
_base_ = './completion_bank_16f.py'
ann_file = 'data/finegym_v2/Gym99-skeleton-V2.pkl'
train_dataloader = dict(dataset=dict(ann_file=ann_file, split='train'))
val_dataloader = dict(dataset=dict(ann_file=ann_file, split='val'))
test_dataloader = dict(dataset=dict(ann_file=ann_file, split='val'))
