_base_ = [
    '../../_base_/models/aagcn.py',
    '../../_base_/datasets/gym288.py',
    '../../_base_/schedules/sgd_cosine_150e.py',
    '../../_base_/default_runtime.py'
]
