"""Every workaround for the upstream stack, in one place.

The pinned stack is ``mmaction2==1.1.0 + mmcv-lite==2.0.1 + mmengine==0.10.7``
on torch >= 2.1 and numpy 1 or 2. Each function below fixes one trap that was
reproduced on that stack; its docstring names the trap. :func:`apply` runs the
ones that are safe to apply at import time (``import finetec_mm`` calls it).

Traps handled elsewhere, by design rather than by patching:

* ``_base_ = 'mmaction::...'`` fails on mmaction2 1.1.0 (its model index holds
  a list where mmengine expects a string). We ship our own ``configs/_base_``.
* mmaction2's ``dist_test.sh`` has a comment inside a backslash-continued
  command, so its ``PYTHONPATH`` never reaches python, and
  ``torch.distributed.launch`` is deprecated. Our ``tools/dist_*.sh`` are
  written from scratch around ``torchrun``.
* mmaction2 1.2.0's wheel lacks ``models/localizers/drn`` (upstream #2714) and
  1.1.0 asserts ``mmcv < 2.1.0``: pinned in ``requirements/runtime.txt``.
"""
import importlib.util
import os
import sys

import numpy as np
import torch


class _ShimFinder:
    """Meta-path finder that serves one module name from a file of ours (a
    real spec, so ``importlib.reload`` of it works as mmengine expects)."""

    def __init__(self, name: str, path: str) -> None:
        self.name, self.path = name, path

    def find_spec(self, fullname, path=None, target=None):
        if fullname != self.name:
            return None
        return importlib.util.spec_from_file_location(fullname, self.path)


def provide_pkg_resources() -> None:
    """Trap: mmengine 0.10.7 imports ``pkg_resources`` (``is_installed``,
    ``get_installed_path``: ``pkg::`` config paths, ``collect_env``'s
    package checks), which setuptools >= 81 no longer ships, nor does a
    Python without setuptools. Where it is missing, a small stand-in on
    ``importlib.metadata`` (``finetec_mm/_shims/pkg_resources.py``) is
    served under that name; a real ``pkg_resources`` is always preferred."""
    if importlib.util.find_spec('pkg_resources') is not None:
        return
    shim = os.path.join(os.path.dirname(__file__), '_shims',
                        'pkg_resources.py')
    sys.meta_path.append(_ShimFinder('pkg_resources', shim))


def provide_distutils() -> None:
    """Trap: Python 3.12 has no ``distutils`` and mmengine's
    ``collect_env`` (run at every Runner start) imports it. setuptools
    provides it through a shim that its ``distutils-precedence.pth``
    activates, but a ``.pth`` file is only read from site-packages, not
    from ``PYTHONPATH`` (``pip install --target DIR`` + ``PYTHONPATH=DIR``,
    as on the GPU machines). Importing setuptools activates the same shim.
    Raises a one-line ImportError when neither is available."""
    if 'distutils' in sys.modules or importlib.util.find_spec(
            'distutils') is not None:
        return
    try:
        import setuptools  # noqa: F401  (installs setuptools' distutils)
    except ImportError:
        pass
    if 'distutils' not in sys.modules and importlib.util.find_spec(
            'distutils') is None:
        raise ImportError(  # pragma: no cover - depends on environment
            'finetec_mm needs `distutils` (mmengine 0.10.7 imports it) and '
            'this Python has none: run `pip install setuptools`.')


def restore_numpy_aliases() -> None:
    """Trap: numpy 2 removed ``np.Inf`` (used by mmaction2's ``PoseCompact``
    and ``MMCompact``) and ``np.trapz`` (used by its proposal AUC metric).
    Both are restored as aliases of their numpy-2 names; on numpy 1 nothing
    changes."""
    if 'Inf' not in np.__dict__:
        np.Inf = np.inf
    if 'trapz' not in np.__dict__ and hasattr(np, 'trapezoid'):
        np.trapz = np.trapezoid


def register_safe_local_loader() -> None:
    """Trap: torch >= 2.6 loads with ``weights_only=True`` and mmengine 0.10.7
    checkpoints then fail (their message hub pickles ``HistoryBuffer`` and
    numpy objects). Allow-listing numpy globals ends at ``builtins.getattr``,
    which is unsafe, so we never turn ``weights_only`` off. Instead our
    training checkpoints are written in a weights-only-loadable encoding
    (:class:`~finetec_mm.engine.SafeCheckpointHook`) and local files are read
    with ``weights_only=True`` and decoded
    (:func:`~finetec_mm.engine.safe_checkpoint.load_from_local_safe`).
    Registering it for the empty prefix replaces mmengine's local loader, so
    ``load_from``, ``--resume`` and ``tools/test.py`` all go through it."""
    from mmengine.runner.checkpoint import CheckpointLoader

    from .engine.safe_checkpoint import load_from_local_safe
    CheckpointLoader.register_scheme(prefixes='', force=True)(
        load_from_local_safe)


def fp32_head_losses() -> None:
    """Trap: under bf16 autocast MMAction2's ``BaseHead.loss_by_feat``
    crashes (``cls_scores.cpu().numpy()`` for its top-k accuracy: ``TypeError:
    Got unsupported ScalarType BFloat16``); fp16 passes. The class scores are
    cast to float32 before the head's losses and accuracies, for every head
    and recognizer (cross-entropy runs in float32 under autocast anyway)."""
    from mmaction.models.heads.base import BaseHead
    loss_by_feat = BaseHead.loss_by_feat
    if getattr(loss_by_feat, '_fp32_scores', False):
        return

    def fp32_loss_by_feat(self, cls_scores, data_samples):
        if cls_scores.is_floating_point():
            cls_scores = cls_scores.float()
        return loss_by_feat(self, cls_scores, data_samples)

    fp32_loss_by_feat._fp32_scores = True
    fp32_loss_by_feat.__doc__ = loss_by_feat.__doc__
    BaseHead.loss_by_feat = fp32_loss_by_feat


def cuda_ready() -> bool:
    """True when this process should use CUDA/nccl."""
    return torch.cuda.is_available() and torch.cuda.device_count() > 0


def init_cpu_distributed(launcher: str) -> None:
    """Trap: mmengine's ``init_dist`` calls ``torch.cuda.set_device``
    unconditionally, so ``--launcher pytorch|slurm|mpi`` crashes on a host
    without CUDA. On such a host we initialise a gloo process group ourselves
    before the Runner exists (the Runner then skips ``init_dist``). Rank and
    world size come from torchrun's variables, or SLURM's / Open MPI's."""
    import torch.distributed as dist
    if dist.is_initialized():
        return
    env = os.environ
    if launcher == 'slurm':
        env.setdefault('RANK', env['SLURM_PROCID'])
        env.setdefault('WORLD_SIZE', env['SLURM_NTASKS'])
        env.setdefault('LOCAL_RANK', env.get('SLURM_LOCALID', '0'))
    elif launcher == 'mpi':
        env.setdefault('RANK', env['OMPI_COMM_WORLD_RANK'])
        env.setdefault('WORLD_SIZE', env['OMPI_COMM_WORLD_SIZE'])
        env.setdefault('LOCAL_RANK',
                       env.get('OMPI_COMM_WORLD_LOCAL_RANK', '0'))
    env.setdefault('MASTER_ADDR', '127.0.0.1')
    env.setdefault('MASTER_PORT', '29500')
    dist.init_process_group(
        backend='gloo',
        rank=int(env['RANK']),
        world_size=int(env['WORLD_SIZE']))


def finish_distributed() -> None:
    """Trap: a process that exits with its process group still alive can
    abort in the group's destructor (gloo: ``terminate called without an
    active exception``, SIGABRT), failing a run whose work is done. After a
    run has finished on every rank, wait for all ranks and destroy the group
    so each process exits cleanly; a no-op outside distributed runs."""
    import torch.distributed as dist
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def prepare_deterministic(cfg) -> None:
    """Trap: ``randomness.deterministic=True`` (``--deterministic``) makes
    mmengine call ``torch.use_deterministic_algorithms(True)``, and then
    the first cuBLAS matmul raises unless ``CUBLAS_WORKSPACE_CONFIG`` was set
    before CUDA started. Set it (``:4096:8``, NVIDIA's documented value)
    when the config asks for determinism and the user has not chosen one."""
    if (cfg.get('randomness') or {}).get('deterministic'):
        os.environ.setdefault('CUBLAS_WORKSPACE_CONFIG', ':4096:8')


def adapt_config_to_host(cfg) -> None:
    """Trap: mmengine's DDP wrapper passes ``device_ids=[LOCAL_RANK]``, which
    is invalid for CPU modules, and the default ``dist_cfg`` asks for nccl.
    On a host without CUDA the wrapper gets ``device_ids=None`` and the
    backend becomes gloo; on GPUs the config is left as written."""
    if cuda_ready() or cfg.get('launcher', 'none') == 'none':
        return
    wrapper = dict(cfg.get('model_wrapper_cfg') or {})
    wrapper.setdefault('type', 'MMDistributedDataParallel')
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper
    cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
    cfg.env_cfg.dist_cfg.backend = 'gloo'
    init_cpu_distributed(cfg.launcher)


def apply() -> None:
    """Apply the import-time fixes (idempotent)."""
    provide_pkg_resources()
    provide_distutils()
    restore_numpy_aliases()
    register_safe_local_loader()
    fp32_head_losses()
