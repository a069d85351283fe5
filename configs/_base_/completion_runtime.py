# Runtime of the completion pre-training: default_runtime (FineTecRunner,
# SafeCheckpointHook) with iteration-based logging and checkpoints, the best
# checkpoint by the lowest restoration MPJPE, and the paper's seed.
_base_ = './default_runtime.py'
default_hooks = dict(
    logger=dict(interval=100),
    checkpoint=dict(by_epoch=False, interval=2000, max_keep_ckpts=3,
                    save_best='restore/mpjpe', rule='less'))
log_processor = dict(by_epoch=False)
randomness = dict(seed=304)
