# The FineTec front end on linearly interpolated frames instead of the completion network (no observed channel): what the front end adds over the interpolated GCN, whatever the completion does.
_base_ = ['../finetec/finetec_1xb32-u16-16e_demo-severe.py']
corruption = dict(level='severe', fill='linear')
from finetec_mm.engine import protocol  # noqa: E402
train_dataloader, val_dataloader, test_dataloader = protocol.compose_loaders(
    _base_, corruption=corruption)
model = dict(completion=None)
