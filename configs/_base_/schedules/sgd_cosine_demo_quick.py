# Short demo schedule of `make demo` (configs/finetec_demo_severe_quick.py,
# which also halves the batch to 16): the optimiser of sgd_cosine_demo.py
# (SGD 0.1 Nesterov) with a 1-epoch linear warm-up, then cosine to zero,
# over 10 epochs; validation once, after the last epoch. The results tables
# use sgd_cosine_demo.py (16 epochs, batch 32), not this.
max_epochs = 10
warmup_epochs = 1
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=max_epochs, val_begin=max_epochs,
    val_interval=max_epochs)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0,
         end=warmup_epochs, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=0,
         T_max=max_epochs - warmup_epochs, by_epoch=True,
         begin=warmup_epochs, end=max_epochs, convert_to_iter_based=True)
]
optim_wrapper = dict(
    optimizer=dict(
        type='SGD', lr=0.1, momentum=0.9, weight_decay=0.0005, nesterov=True))
# lr 0.1 is this schedule's LR at a total batch of 16 (1 GPU x 16, the quick
# config's loader); --auto-scale-lr scales it by total batch / 16.
auto_scale_lr = dict(enable=False, base_batch_size=16)
