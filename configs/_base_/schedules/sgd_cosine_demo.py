# Demo schedule: 16 epochs, sized for a 2-core CPU in a few minutes. SGD 0.1
# (Nesterov) as MMAction2's GCN configs, with a 2-epoch linear warm-up: with
# MMEngine's initialisation (Kaiming fan-out temporal convolutions) and only
# 45 iterations per epoch, starting at lr 0.1 leaves ST-GCN at 23 % clean
# top-1 after 16 epochs; the warm-up brings it to 77 % (docs/results.md).
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=16, val_begin=1, val_interval=4)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0, end=2,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=0, T_max=14, by_epoch=True,
         begin=2, end=16, convert_to_iter_based=True)
]
optim_wrapper = dict(
    optimizer=dict(
        type='SGD', lr=0.1, momentum=0.9, weight_decay=0.0005, nesterov=True))
auto_scale_lr = dict(enable=False, base_batch_size=32)
