# Total batch 64 = 4 GPUs x 16 per GPU (auto_scale_lr: docs/tools.md).
# Entry point: FineTec on Gym288-skeleton, severe corruption (75 % of each
# 16-frame clip missing). Needs data/gym288/gym288_skeleton.pkl and the
# completion checkpoint named in configs/_base_/datasets/gym288.py.
_base_ = ['finetec/finetec_4xb16-u16-150e_gym288-severe.py']
