"""The stack workarounds in finetec_mm.compat do what they claim."""
import numpy as np
from mmengine.config import Config
from mmengine.runner.checkpoint import CheckpointLoader

import finetec_mm  # noqa: F401
from finetec_mm import compat
from finetec_mm.engine.safe_checkpoint import load_from_local_safe
from mmaction.registry import TRANSFORMS


def test_numpy2_aliases_make_pose_compact_work():
    assert np.Inf == np.inf
    keypoint = np.zeros((1, 4, 17, 2), np.float32)
    keypoint[..., 0] = np.linspace(100, 200, 17)
    keypoint[..., 1] = np.linspace(50, 300, 17)
    results = dict(keypoint=keypoint, img_shape=(480, 640))
    out = TRANSFORMS.build(dict(type='PoseCompact', hw_ratio=1.))(results)
    h, w = out['img_shape']
    assert abs(h - w) <= 1 and h < 480  # cropped to a square box
    assert out['keypoint'][..., 0].min() >= 0 and out['keypoint'].max() < h


def test_local_checkpoints_go_through_the_safe_loader():
    loader = CheckpointLoader._get_checkpoint_loader('/some/where.pth')
    assert loader is load_from_local_safe


def test_cpu_host_gets_gloo_and_no_device_ids(monkeypatch):
    monkeypatch.setattr(compat, 'cuda_ready', lambda: False)
    calls = []
    monkeypatch.setattr(compat, 'init_cpu_distributed', calls.append)
    cfg = Config(dict(launcher='pytorch', env_cfg=dict(
        dist_cfg=dict(backend='nccl'))))
    compat.adapt_config_to_host(cfg)
    assert cfg.model_wrapper_cfg == dict(type='MMDistributedDataParallel',
                                         device_ids=None)
    assert cfg.env_cfg.dist_cfg.backend == 'gloo' and calls == ['pytorch']


def test_gpu_host_config_untouched(monkeypatch):
    monkeypatch.setattr(compat, 'cuda_ready', lambda: True)
    cfg = Config(dict(launcher='pytorch', env_cfg=dict(
        dist_cfg=dict(backend='nccl'))))
    compat.adapt_config_to_host(cfg)
    assert 'model_wrapper_cfg' not in cfg
    assert cfg.env_cfg.dist_cfg.backend == 'nccl'


def test_finish_distributed_destroys_the_group_and_is_a_noop_after(tmp_path):
    import torch.distributed as dist
    assert not dist.is_initialized()
    dist.init_process_group('gloo', init_method=f'file://{tmp_path}/store',
                            rank=0, world_size=1)
    compat.finish_distributed()
    assert not dist.is_initialized()
    compat.finish_distributed()  # nothing left to destroy: no error
    assert not dist.is_initialized()
