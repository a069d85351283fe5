# Total batch 256 = 1 GPU x 256 per GPU (auto_scale_lr: docs/tools.md).
# In-context completion pre-trained on the Bandai-Namco `xtake_train` takes
# (configs/_base_/datasets/completion_bandai.py), for FineTec on that
# dataset: pass the result with
#   --cfg-options model.completion.checkpoint=work_dirs/icl_bandai/iter_12000.pth
# The release is CC BY-NC 4.0, so this network is never shipped. Same
# CPU-sized recipe as icl_demo.py (16 blocks, 12,000 iterations, Adam
# 1e-3 -> 1e-5 cosine, batch 256, seed 304; deviations from the paper are
# listed there). The last iteration is used: val is the reported split.
_base_ = [
    '../_base_/models/icl_completion.py',
    '../_base_/datasets/completion_bandai.py',
    '../_base_/corruption/severe.py',
    '../_base_/schedules/adam_cosine_40k.py',
    '../_base_/completion_runtime.py'
]
max_iters = 12000
model = dict(
    net=dict(num_blocks=16, merge_after=4),
    bank=_base_.train_dataloader.dataset)
train_cfg = dict(max_iters=max_iters, val_interval=3000)
optim_wrapper = dict(optimizer=dict(lr=1e-3))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=max_iters, eta_min=1e-5,
         by_epoch=False, begin=0, end=max_iters)
]
default_hooks = dict(checkpoint=dict(interval=3000))
from finetec_mm.engine import protocol  # noqa: E402
train_dataloader, val_dataloader, test_dataloader = protocol.compose_loaders(
    _base_)
default_hooks = protocol.checkpoint_hooks(_base_)
