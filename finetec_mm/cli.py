"""Top-level error handling shared by the command-line tools.

A tool's ``main(argv)`` runs through :func:`run_main`: the errors a user can
cause and fix — a missing file (config, annotation file, checkpoint), an
annotation file that cannot be read or fails its checks, a checkpoint that
cannot be read or does not fit the model — are printed as
``error: <message>`` on stderr with exit status 1. Every message names the
file. Anything else is a bug and keeps its traceback.
"""
import os.path as osp
import sys
from typing import Callable, Optional, Sequence

__all__ = ['user_errors', 'report', 'run_main', 'load_config',
           'check_completion_checkpoints', 'person_choice']


def user_errors() -> tuple:
    """The exception types that :func:`run_main` reports in one line."""
    from .datasets.annotation_io import AnnotationError
    from .engine.safe_checkpoint import CheckpointError
    return (FileNotFoundError, AnnotationError, CheckpointError)


def report(err: BaseException, stream=None) -> int:
    """Print ``error: <message>`` to ``stream`` (stderr); return 1."""
    print(f'error: {err}', file=stream or sys.stderr, flush=True)
    return 1


def run_main(main: Callable[[Optional[Sequence[str]]], Optional[int]],
             argv: Optional[Sequence[str]] = None) -> int:
    """Call ``main(argv)``; return its exit status (None counts as 0), or
    1 after :func:`report` for the errors of :func:`user_errors`."""
    try:
        return main(argv) or 0
    except user_errors() as err:
        return report(err)


def person_choice(text: str):
    """argparse type of ``--person`` (tools/infer.py, tools/stream.py):
    ``'auto'`` or an integer >= 0."""
    import argparse
    if text == 'auto':
        return text
    if not text.isdigit():
        raise argparse.ArgumentTypeError(
            f"expected 'auto' or a number >= 0, got {text!r}")
    return int(text)


def load_config(path: str):
    """``mmengine.Config.fromfile(path)``; a missing file is a one-line
    ``FileNotFoundError`` naming it."""
    from mmengine.config import Config
    if not osp.isfile(path):
        raise FileNotFoundError(f'config file {path!r} does not exist')
    return Config.fromfile(path)


def _completion_checkpoints(cfg):
    """The completion checkpoints a config reads: the recognizer's hosted
    ``model.completion.checkpoint`` and any ``ICLCompletion`` transform's."""
    found = []
    completion = (cfg.get('model') or {}).get('completion')
    if isinstance(completion, dict) and completion.get('checkpoint'):
        found.append(completion['checkpoint'])
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset = (cfg.get(loader) or {}).get('dataset') or {}
        for step in dataset.get('pipeline') or []:
            if isinstance(step, dict) and step.get('type') == 'ICLCompletion' \
                    and step.get('checkpoint'):
                found.append(step['checkpoint'])
    return list(dict.fromkeys(found))


def check_completion_checkpoints(cfg, root: str = '.') -> None:
    """Stop before any data is read if a completion checkpoint the config
    needs is missing, with one line saying how to make it: pre-train with
    ``configs/completion/<name>.py`` (where the missing file's name names
    one), publish with ``tools/publish_checkpoint.py`` (which appends a
    hash to the name) and pass the published file as
    ``completion_checkpoint``.

    Raises:
        FileNotFoundError: naming the missing file and the commands.
    """
    for path in _completion_checkpoints(cfg):
        if osp.isfile(osp.join(root, path)) or osp.isfile(path):
            continue
        name = osp.splitext(osp.basename(path))[0]
        recipe = f'configs/completion/{name}.py'
        if not osp.isfile(osp.join(root, recipe)):
            recipe = 'configs/completion/icl_<dataset>.py'
        raise FileNotFoundError(
            f'completion checkpoint {path!r} does not exist; make it with '
            f'`python tools/train.py {recipe}`, then `python '
            f'tools/publish_checkpoint.py WORK_DIR/iter_N.pth '
            f'checkpoints/{name}.pth`, and pass the file it writes '
            f'(checkpoints/{name}-<hash>.pth) as --cfg-options '
            f'completion_checkpoint=PATH (docs/completion.md)')
