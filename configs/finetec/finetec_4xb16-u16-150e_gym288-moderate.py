_base_ = [
    '../_base_/models/finetec_stgcn.py',
    '../_base_/datasets/gym288.py',
    '../_base_/corruption/moderate.py',
    '../_base_/schedules/sgd_cosine_150e.py',
    '../_base_/default_runtime.py'
]
