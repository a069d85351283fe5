# Entry point: MMAction2 ST-GCN on the synthetic demo data, severe + linear interpolation corruption.
_base_ = ['baselines/stgcn/stgcn_1xb32-joint-u16-16e_demo-severe-interp.py']
