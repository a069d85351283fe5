# Total batch 32 = 1 GPU x 32 per GPU (auto_scale_lr: docs/tools.md).
# The paper's full method (configs/ablations/finetec_1xb32-u16-16e_demo-
# severe_paper-full.py) with completion and decomposition run one sample at
# a time in the data pipeline (ICLCompletion, DecompositionAugment
# in the dataloader workers) instead of batched inside the recognizer. Same
# model inputs (tests/models/recognizers/test_hosted_path.py); useful to
# inspect the streams a sample gets, slower to train (docs/benchmarks.md).
_base_ = ['ablations/finetec_1xb32-u16-16e_demo-severe_paper-full.py']
input_transforms = [
    dict(type='ICLCompletion', checkpoint=None, observed_marker=True,
         test_mode=None),
    dict(type='DecompositionAugment', test_mode=None),
]
from finetec_mm.engine import protocol  # noqa: E402
train_dataloader, val_dataloader, test_dataloader = protocol.compose_loaders(
    _base_, input_transforms=input_transforms)
# the marker arrives as the score's sign: feed its observed channel
model = dict(completion=None, decomposition=None, observed_channel=True)
