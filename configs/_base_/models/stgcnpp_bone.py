# ST-GCN++ on bone vectors (PYSKL-B): the same network fed with bones, which
# `skeleton_feats` switches in every GenSkeFeat of the pipelines.
_base_ = './stgcnpp.py'
skeleton_feats = ['b']
