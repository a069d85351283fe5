_base_ = ['./stgcn_1xb32-joint-u16-32e_demo-clean.py',
          '../../_base_/corruption/moderate_interp.py']
from finetec_mm.engine import protocol  # noqa: E402
train_dataloader, val_dataloader, test_dataloader = protocol.compose_loaders(
    _base_)
model = protocol.compose_model(_base_)
default_hooks = protocol.checkpoint_hooks(_base_)
