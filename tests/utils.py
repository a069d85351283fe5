"""Helpers for end-to-end tests of tools/."""
import os
import os.path as osp
import subprocess
import sys

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def run_tool(*args, env=None, timeout=600):
    """Run ``python tools/...`` (or a shell script) from the repository root
    and return the completed process (stdout and stderr merged)."""
    cmd = list(args)
    if cmd[0].endswith('.py'):
        cmd = [sys.executable] + cmd
    full_env = dict(os.environ, PYTHONPATH=ROOT, PYTHON=sys.executable,
                    OMP_NUM_THREADS='1')
    full_env.update(env or {})
    return subprocess.run(
        cmd, cwd=ROOT, env=full_env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, timeout=timeout)


def data_options(pkl, **extra):
    """``--cfg-options`` that point every loader of a demo config at ``pkl``
    and keep the run small and single-process."""
    opts = {
        'train_dataloader.dataset.ann_file': pkl,
        'val_dataloader.dataset.ann_file': pkl,
        'test_dataloader.dataset.ann_file': pkl,
        'train_dataloader.num_workers': 0,
        'val_dataloader.num_workers': 0,
        'test_dataloader.num_workers': 0,
        'train_dataloader.persistent_workers': False,
        'val_dataloader.persistent_workers': False,
        'test_dataloader.persistent_workers': False,
        'default_hooks.logger.interval': 1,
    }
    opts.update(extra)
    return ['--cfg-options'] + [f'{k}={v}' for k, v in opts.items()]


def load_tool(path):
    """Import ``tools/...py`` (relative to the repository root) as a module,
    to call its functions and ``main(argv)`` in this process."""
    import importlib.util
    name = 'tool_' + osp.splitext(osp.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, osp.join(ROOT, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


PAPER_FULL_DEMO = 'configs/ablations/finetec_1xb32-u16-16e_demo-severe_paper-full.py'


def small_demo_finetec_config(config=PAPER_FULL_DEMO):
    """The demo FineTec config (default: the paper's full method, so that
    completion, decomposition and physics all run) with a 2-stage ST-GCN (64 channels) and its
    completion checkpoint made absolute, for fast model tests that run
    from any working directory."""
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(ROOT, config))
    cfg.model.backbone.update(num_stages=2, inflate_stages=[],
                              down_stages=[])
    cfg.model.cls_head.in_channels = 64
    cfg.model.completion.checkpoint = osp.join(ROOT,
                                               cfg.completion_checkpoint)
    return cfg
