# Runtime shared by every config. Configs compose their pipelines and model
# in the file (finetec_mm/engine/protocol.py), so MMAction2's own tools run
# them as is; `FineTecRunner` only adapts distributed training to hosts
# without CUDA (see finetec_mm/engine/runner.py).
default_scope = 'mmaction'
custom_imports = dict(imports=['finetec_mm'], allow_failed_imports=False)
runner_type = 'FineTecRunner'

default_hooks = dict(
    runtime_info=dict(type='RuntimeInfoHook'),
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=20, ignore_last=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(
        type='CheckpointHook', interval=1, max_keep_ckpts=3,
        save_best='auto'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # mmengine's SyncBuffersHook averages every buffer, which corrupts the
    # frozen completion's int64 sequence ids and its prompt pool under DDP;
    # this one averages only float buffers of trained modules that differ
    # between ranks (finetec_mm/engine/sync_buffers.py).
    sync_buffers=dict(type='SyncRunningBuffersHook'))
# Checkpoints load with torch's weights_only=True (finetec_mm/engine).
custom_hooks = [dict(type='SafeCheckpointHook')]

# Skeleton clips have fixed shapes, so cuDNN's per-shape algorithm search
# pays off on GPUs (no effect on CPU); set False for bit-reproducible GPU runs.
env_cfg = dict(
    cudnn_benchmark=True,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))

log_processor = dict(type='LogProcessor', window_size=20, by_epoch=True)
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='ActionVisualizer', vis_backends=vis_backends)
log_level = 'INFO'
load_from = None
resume = False

