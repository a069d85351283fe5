# The paper's "w/o ICL" ablation on the demo data: the same network and
# schedule as icl_demo.py, but the prompt stream gets no example (an empty,
# all-missing context) and there is no prompt loss.
_base_ = ['./icl_demo.py']
model = dict(use_prompt=False)
from finetec_mm.engine import protocol  # noqa: E402
train_dataloader, val_dataloader, test_dataloader = protocol.compose_loaders(
    _base_)
default_hooks = protocol.checkpoint_hooks(_base_)
