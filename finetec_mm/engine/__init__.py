from . import protocol
from .checkpoint_guard import check_checkpoint, load_checkpoint_checked
from .protocol import recompose
from .runner import FineTecRunner
from .safe_checkpoint import (CheckpointError, SafeCheckpointHook,
                              load_from_local_safe)
from .sync_buffers import (SyncRunningBuffersHook, average_differing_buffers,
                           syncable_buffers)

__all__ = [
    'protocol', 'recompose', 'check_checkpoint', 'load_checkpoint_checked',
    'FineTecRunner', 'CheckpointError', 'SafeCheckpointHook',
    'load_from_local_safe', 'SyncRunningBuffersHook',
    'average_differing_buffers', 'syncable_buffers'
]
