# Human3.6M bank (COCO-17) written by tools/data/h36m_to_bank.py --out
# data/h36m/h36m_bank.pkl --val-subjects S9 S11: train clips, val scored.
_base_ = './completion_bank_16f.py'
ann_file = 'data/h36m/h36m_bank.pkl'
train_dataloader = dict(dataset=dict(ann_file=ann_file, split='train'))
val_dataloader = dict(dataset=dict(ann_file=ann_file, split='val'))
test_dataloader = dict(dataset=dict(ann_file=ann_file, split='val'))
