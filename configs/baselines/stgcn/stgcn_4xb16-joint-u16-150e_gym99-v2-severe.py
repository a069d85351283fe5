_base_ = ['./stgcn_4xb16-joint-u16-150e_gym99-v2-clean.py',
          '../../_base_/corruption/severe.py']
from finetec_mm.engine import protocol  # noqa: E402
train_dataloader, val_dataloader, test_dataloader = protocol.compose_loaders(
    _base_)
model = protocol.compose_model(_base_)
default_hooks = protocol.checkpoint_hooks(_base_)
