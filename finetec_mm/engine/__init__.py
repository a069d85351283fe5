from .protocol import resolve_protocol
from .runner import FineTecRunner
from .safe_checkpoint import (CheckpointError, SafeCheckpointHook,
                              load_from_local_safe)

__all__ = [
    'resolve_protocol', 'FineTecRunner', 'CheckpointError',
    'SafeCheckpointHook', 'load_from_local_safe'
]
