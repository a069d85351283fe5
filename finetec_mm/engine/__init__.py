from . import protocol
from .protocol import recompose
from .runner import FineTecRunner
from .safe_checkpoint import (CheckpointError, SafeCheckpointHook,
                              load_from_local_safe)

__all__ = [
    'protocol', 'recompose', 'FineTecRunner', 'CheckpointError',
    'SafeCheckpointHook', 'load_from_local_safe'
]
