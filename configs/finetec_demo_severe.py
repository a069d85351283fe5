# Total batch 32 = 1 GPU x 32 per GPU (auto_scale_lr: docs/tools.md).
# Entry point: FineTec on the synthetic demo data, severe corruption.
_base_ = ['finetec/finetec_1xb32-u16-16e_demo-severe.py']
