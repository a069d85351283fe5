# NTU-style 2D-skeleton loaders: COCO-17, up to two persons, 100-frame clips
# (the paper's NTU protocol). Same structure as skeleton_16f_1p.py.
_base_ = './skeleton_16f_1p.py'
clip_len = 100
num_person = 2
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
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
