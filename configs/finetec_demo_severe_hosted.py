# FineTec on the demo data with completion and decomposition hosted by the
# recognizer: they run batched on the model's device (the GPU when training on
# GPUs) instead of in the dataloader workers; same model inputs as
# configs/finetec_demo_severe.py (tested). The pipeline keeps plain
# (x, y, score) joint features.
_base_ = ['finetec_demo_severe.py']
input_transforms = None
model = dict(completion=dict(checkpoint=None), decomposition=dict())
