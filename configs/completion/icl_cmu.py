# Total batch 256 = 1 GPU x 256 per GPU (auto_scale_lr: docs/tools.md).
# In-context completion pre-trained on real human motion (CMU motion
# capture, 2D COCO-17 views; configs/_base_/datasets/completion_cmu.py), the
# default completion network of the real-data FineTec configs when no
# dataset-specific checkpoint exists. Clip-normalised, so one network serves
# any image size and framing. CPU-sized recipe like icl_demo.py (16 blocks,
# Adam 1e-3 -> 1e-5 cosine, batch 256, seed 304; deviations from the
# paper's recipe are listed there) but 6,000 iterations, validated every
# 1,000: on the bank of 4 views / stride 32 (2,384 clips) a 12,000-iteration
# run was best on val at iteration 4,000 and then over-fitted. Shipped as
# checkpoints/icl_cmu-<hash>.pth with its provenance in docs/completion.md.
_base_ = [
    '../_base_/models/icl_completion.py',
    '../_base_/datasets/completion_cmu.py',
    '../_base_/corruption/severe.py',
    '../_base_/schedules/adam_cosine_40k.py',
    '../_base_/completion_runtime.py'
]
max_iters = 6000
model = dict(
    net=dict(num_blocks=16, merge_after=4),
    bank=_base_.train_dataloader.dataset)
train_cfg = dict(max_iters=max_iters, val_interval=1000)
optim_wrapper = dict(optimizer=dict(lr=1e-3))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=max_iters, eta_min=1e-5,
         by_epoch=False, begin=0, end=max_iters)
]
default_hooks = dict(checkpoint=dict(interval=1000))
from finetec_mm.engine import protocol  # noqa: E402
train_dataloader, val_dataloader, test_dataloader = protocol.compose_loaders(
    _base_)
default_hooks = protocol.checkpoint_hooks(_base_)
