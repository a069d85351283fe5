_base_ = [
    '../_base_/models/finetec_stgcn.py',
    '../_base_/datasets/demo.py',
    '../_base_/corruption/minor.py',
    '../_base_/schedules/sgd_cosine_demo.py',
    '../_base_/default_runtime.py'
]
