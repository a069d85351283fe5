# Total batch 32 = 1 GPU x 32 per GPU (auto_scale_lr: docs/tools.md).
# Entry point: MMAction2 ST-GCN on the synthetic demo data, severe + linear interpolation corruption.
_base_ = ['baselines/stgcn/stgcn_1xb32-joint-u16-16e_demo-severe-interp.py']
