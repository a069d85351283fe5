_base_ = [
    '../../_base_/models/stgcn.py',
    '../../_base_/datasets/demo.py',
    '../../_base_/schedules/sgd_cosine_demo_32e.py',
    '../../_base_/default_runtime.py'
]
from finetec_mm.engine import protocol  # noqa: E402
train_dataloader, val_dataloader, test_dataloader = protocol.compose_loaders(
    _base_)
model = protocol.compose_model(_base_)
default_hooks = protocol.checkpoint_hooks(_base_)
