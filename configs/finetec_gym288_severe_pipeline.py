# Total batch 64 = 4 GPUs x 16 per GPU (auto_scale_lr: docs/tools.md).
# The paper's full method (configs/ablations/finetec_4xb16-u16-150e_gym288-
# severe_paper-full.py) with completion and decomposition in the data
# pipeline (see configs/finetec_demo_severe_pipeline.py).
_base_ = ['ablations/finetec_4xb16-u16-150e_gym288-severe_paper-full.py']
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
