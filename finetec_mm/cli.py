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

__all__ = ['user_errors', 'report', 'run_main', 'load_config']


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


def load_config(path: str):
    """``mmengine.Config.fromfile(path)``; a missing file is a one-line
    ``FileNotFoundError`` naming it."""
    from mmengine.config import Config
    if not osp.isfile(path):
        raise FileNotFoundError(f'config file {path!r} does not exist')
    return Config.fromfile(path)
