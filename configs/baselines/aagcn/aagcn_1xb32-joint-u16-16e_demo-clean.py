_base_ = [
    '../../_base_/models/aagcn.py',
    '../../_base_/datasets/demo.py',
    '../../_base_/schedules/sgd_cosine_demo.py',
    '../../_base_/default_runtime.py'
]
