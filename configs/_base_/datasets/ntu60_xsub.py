# NTU RGB+D 60 2D skeletons (HRNet, COCO-17, up to 2 persons), cross-subject
# split; MMAction2's ntu60_2d.pkl. 100-frame clips as in the paper.
_base_ = './skeleton_100f_2p.py'
ann_file = 'data/skeleton/ntu60_2d.pkl'
# FineTec's completion network pre-trained on this dataset's bank
# (python tools/train.py configs/completion/icl_ntu60.py, then
# tools/publish_checkpoint.py); only FineTec configs read it. The shipped
# real-motion network (checkpoints/icl_cmu-*.pth) completes 16-frame clips
# and does not fit NTU's 100-frame clips, so NTU needs its own.
completion_checkpoint = 'checkpoints/icl_ntu60.pth'
num_classes = 60
train_dataloader = dict(
    dataset=dict(
        ann_file=ann_file, split='xsub_train', num_classes=num_classes))
val_dataloader = dict(
    dataset=dict(
        ann_file=ann_file, split='xsub_val', num_classes=num_classes))
test_dataloader = dict(
    dataset=dict(
        ann_file=ann_file, split='xsub_val', num_classes=num_classes))
