# The test pipeline of a frozen evaluation set (tools/data/freeze_eval_set.py)
# for the 1-person COCO-17 loaders of skeleton_16f_1p.py. Usually you do not
# need it: `--cfg-options frozen=True` makes FineTecRunner derive it from the
# config's own test pipeline (finetec_mm/engine/protocol.py). It is for
# codebases/configs that want to spell the pipeline out, e.g. with this file
# as an extra `_base_` item:
#   test_dataloader = dict(dataset=dict(
#       ann_file='FROZEN.pkl', pipeline={{_base_.frozen_test_pipeline}}))
# Stored clips are in pixels with dropped frames at 0; ApplyFrozenMask zeroes
# them again after PreNormalize2D. Insert dict(type='GapFill', method=...)
# after ApplyFrozenMask to evaluate a gap-filling baseline.
frozen_test_pipeline = [
    dict(type='PreNormalize2D'),
    dict(type='LoadFrozenClips'),
    dict(type='PoseDecode'),
    dict(type='ApplyFrozenMask'),
    dict(type='GenSkeFeat', dataset='coco', feats=['j']),
    dict(type='FormatGCNInput', num_person=1),
    dict(type='PackActionInputs', meta_keys=('img_shape', 'frame_dir'))
]
