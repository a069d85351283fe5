# Total batch 256 = 1 GPU x 256 per GPU (auto_scale_lr: docs/tools.md).
# The paper's "w/o ICL" ablation on the demo data, trained on its own: the
# same network and schedule as icl_demo.py, but the prompt stream never gets
# an example (an empty, all-missing context) and there is no prompt loss.
# (`restoration_table.py` also reports `icl_no_prompt`: the icl_demo network
# itself run without a prompt, which its prompt dropout trains it for.)
_base_ = ['./icl_demo.py']
model = dict(prompt_mode='none', prompt_dropout=0.)
from finetec_mm.engine import protocol  # noqa: E402
train_dataloader, val_dataloader, test_dataloader = protocol.compose_loaders(
    _base_)
default_hooks = protocol.checkpoint_hooks(_base_)
