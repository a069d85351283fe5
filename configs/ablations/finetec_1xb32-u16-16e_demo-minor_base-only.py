# No decomposition and no physics: the GCN on the completed S_base alone (where FineTec trails the interpolated ST-GCN).
_base_ = ['../finetec/finetec_1xb32-u16-16e_demo-minor.py']
model = dict(decomposition=None, streams=('base', ), accel_head=None)
