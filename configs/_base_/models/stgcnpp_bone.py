# ST-GCN++ on bone vectors (PYSKL-B): the same network fed with bones, which
# `input_transforms` puts in place of every pipeline's joint features.
_base_ = './stgcnpp.py'
input_transforms = [dict(type='GenSkeFeat', dataset='coco', feats=['b'])]
