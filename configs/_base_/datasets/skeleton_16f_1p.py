# Generic 2D-skeleton loaders: COCO-17, one person, 16-frame uniform clips
# (the paper's Gym protocol). Children set `ann_file`, split names and
# `num_classes`. `CorruptionProtocol` marks where the config's `corruption`
# (SkeletonCorrupt + optional GapFill) is inserted, after clip sampling.
dataset_type = 'CheckedPoseDataset'
clip_len = 16
num_person = 1
decode_tail = [
    dict(type='GenSkeFeat', dataset='coco', feats=['j']),
    dict(type='FormatGCNInput', num_person=num_person),
    dict(type='PackActionInputs', meta_keys=('img_shape', 'frame_dir'))
]
train_pipeline = [
    dict(type='PreNormalize2D'),
    dict(type='UniformSampleFrames', clip_len=clip_len),
    dict(type='PoseDecode'),
    dict(type='CorruptionProtocol'),
] + decode_tail
val_pipeline = [
    dict(type='PreNormalize2D'),
    dict(type='UniformSampleFrames', clip_len=clip_len, num_clips=1,
         test_mode=True),
    dict(type='PoseDecode'),
    dict(type='CorruptionProtocol', test_mode=True),
] + decode_tail
test_pipeline = [
    dict(type='PreNormalize2D'),
    dict(type='UniformSampleFrames', clip_len=clip_len, num_clips=10,
         test_mode=True),
    dict(type='PoseDecode'),
    dict(type='CorruptionProtocol', test_mode=True),
] + decode_tail

# Loader settings for GPU training: 4 workers per GPU keep up with FineTec
# (its pipeline is the plain skeleton pipeline plus corruption, ~0.3 ms per
# sample per core; completion and decomposition run in the model, see
# docs/benchmarks.md); pinned host memory for asynchronous copies.
train_dataloader = dict(
    batch_size=16,
    num_workers=4,
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, ann_file=None, split='train',
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=64,
    num_workers=4,
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, ann_file=None, split='val',
                 pipeline=val_pipeline, test_mode=True))
test_dataloader = dict(
    batch_size=16,
    num_workers=4,
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, ann_file=None, split='val',
                 pipeline=test_pipeline, test_mode=True))

val_evaluator = [dict(type='AccMetric')]
test_evaluator = val_evaluator
