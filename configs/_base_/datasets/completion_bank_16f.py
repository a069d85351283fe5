# Skeleton-bank loaders for the completion (16-frame clips, COCO-17, 2D).
# Training reads clean clips of the train split (the model corrupts them on
# the fly); val/test read one clip per sample of the test split, corrupted
# at the config's `corruption` level (the `CorruptionProtocol` slot, same
# SkeletonCorrupt drops as the recognition test pipelines) and scored by
# RestorationMetric. Children set `ann_file` and the split names.
bank_type = 'SkeletonBank'
# Batch: `batch_size` is per GPU (mmengine). The paper's recipe is a total
# batch of 256 = 1 GPU x 256 (`auto_scale_lr.base_batch_size=256` in
# adam_cosine_40k.py): with N GPUs set train_dataloader.batch_size=256/N, or
# keep 256 and pass --auto-scale-lr (lr x N).
# InfiniteSampler: mmengine's iteration loop sleeps 2 s at every epoch end
# of a finite sampler (22 iterations on the demo bank).
train_dataloader = dict(
    batch_size=256,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type=bank_type, ann_file=None, split='train', clip_len=16,
                 num_clips=1))
# Template of the val/test pipelines (the leaf composes the corruption in).
val_pipeline = [dict(type='CorruptionProtocol', test_mode=True)]
test_pipeline = val_pipeline
val_dataloader = dict(
    batch_size=256,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=bank_type, ann_file=None, split='val', clip_len=16,
                 pipeline=val_pipeline,
                 test_mode=True))
test_dataloader = val_dataloader
val_evaluator = dict(type='RestorationMetric')
test_evaluator = val_evaluator
