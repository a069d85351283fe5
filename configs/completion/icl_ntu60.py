# Total batch 256 = 1 GPU x 256 per GPU (auto_scale_lr: docs/tools.md).
# In-context completion pre-training on ntu60, the paper's recipe: 48 blocks,
# Adam, cosine LR 1e-5 -> 5e-8 over 40k iterations, weight decay 1e-4,
# batch 256, seed 304. Restoration scored at the severe level; switch with
# corruption.level=minor|moderate, or model.baseline=linear for a baseline.
_base_ = [
    '../_base_/models/icl_completion.py',
    '../_base_/datasets/completion_ntu60_xsub.py',
    '../_base_/corruption/severe.py',
    '../_base_/schedules/adam_cosine_40k.py',
    '../_base_/completion_runtime.py'
]
# The bank that gives the prior and the prompt pool: the training clips.
model = dict(net=dict(clip_len=100), bank=_base_.train_dataloader.dataset)
from finetec_mm.engine import protocol  # noqa: E402
train_dataloader, val_dataloader, test_dataloader = protocol.compose_loaders(
    _base_)
default_hooks = protocol.checkpoint_hooks(_base_)
