# Completion pre-training (paper): Adam, weight decay 1e-4, cosine LR
# 1e-5 -> 5e-8 over 40k iterations (batch 256 in the dataset piece).
max_iters = 40000
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters,
                 val_interval=2000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    optimizer=dict(type='Adam', lr=1e-5, weight_decay=1e-4))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=max_iters, eta_min=5e-8,
         by_epoch=False, begin=0, end=max_iters)
]
auto_scale_lr = dict(enable=False, base_batch_size=256)
