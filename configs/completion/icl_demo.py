# Total batch 256 = 1 GPU x 256 per GPU (auto_scale_lr: docs/tools.md).
# In-context completion pre-trained on the synthetic demo data, sized for a
# 2-core CPU (47 minutes measured for the shipped icl_demo-a35cca84 on the
# shared 2-core AMD EPYC, docs/completion.md). Deviations from the paper recipe
# (configs/completion/icl_gym99.py), all for the short CPU run:
#   * 16 MLP blocks instead of 48 (3x faster per iteration; 22k parameters);
#   * 12,000 iterations instead of 40k;
#   * Adam LR 1e-3 -> 1e-5 (cosine) instead of 1e-5 -> 5e-8: at the paper's
#     LR 4k iterations barely move the near-identity network;
#   * the training bank has 4 clips per demo sample (5,760 clips).
# Kept: batch 256, weight decay 1e-4, seed 304, mixed query ratios
# {0.25, 0.5, 0.75}, the five prompt-masking strategies, the losses.
_base_ = [
    '../_base_/models/icl_completion.py',
    '../_base_/datasets/completion_demo.py',
    '../_base_/corruption/severe.py',
    '../_base_/schedules/adam_cosine_40k.py',
    '../_base_/completion_runtime.py'
]
max_iters = 12000
model = dict(
    net=dict(num_blocks=16, merge_after=4),
    bank=_base_.train_dataloader.dataset)
train_cfg = dict(max_iters=max_iters, val_interval=2000)
optim_wrapper = dict(optimizer=dict(lr=1e-3))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=max_iters, eta_min=1e-5,
         by_epoch=False, begin=0, end=max_iters)
]
default_hooks = dict(checkpoint=dict(interval=2000))
from finetec_mm.engine import protocol  # noqa: E402
train_dataloader, val_dataloader, test_dataloader = protocol.compose_loaders(
    _base_)
default_hooks = protocol.checkpoint_hooks(_base_)
