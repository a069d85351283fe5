# configs/finetec_gym288_severe.py with completion and decomposition hosted by
# the recognizer (batched on the GPU); same model inputs, less CPU work in the
# dataloader workers.
_base_ = ['finetec_gym288_severe.py']
input_transforms = None
model = dict(completion=dict(checkpoint=None), decomposition=dict())
