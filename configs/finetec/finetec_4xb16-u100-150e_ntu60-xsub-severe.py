_base_ = [
    '../_base_/models/finetec_stgcn.py',
    '../_base_/datasets/ntu60_xsub.py',
    '../_base_/corruption/severe.py',
    '../_base_/schedules/sgd_cosine_150e.py',
    '../_base_/default_runtime.py'
]
