# Total batch 256 = 1 GPU x 256 per GPU (auto_scale_lr: docs/tools.md; the
# network's pre-training batch; the gate is fitted full-batch).
# The demo completion network of configs/completion/icl_demo.py, frozen,
# with the linear-fallback gate of icl_cmu_fallback.py
# (LinearFallbackCompletionModel), fitted on the demo val split with the
# objective and weight decay selected for the CMU network:
#   python tools/fit_fallback_gate.py configs/completion/icl_demo_fallback.py \
#       checkpoints/icl_demo-a35cca84.pth --objective clip --weight-decay 0.01 \
#       --work-dir work_dirs/icl_demo_fallback
_base_ = ['./icl_demo.py']
model = dict(
    type='LinearFallbackCompletionModel',
    gate=dict(hidden=0))
