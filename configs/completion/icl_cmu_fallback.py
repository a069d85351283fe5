# Total batch 256 = 1 GPU x 256 per GPU (auto_scale_lr: docs/tools.md; the
# network's pre-training batch; the gate is fitted full-batch).
# The shipped real-motion completion (docs/completion.md): the network of
# configs/completion/icl_cmu.py, frozen, with a gate that falls back to
# linear interpolation where the network has no evidence of beating it
# (LinearFallbackCompletionModel: S_base = linear + g * (net - linear) on the
# missing frames). The network is pre-trained with icl_cmu.py; the gate is
# fitted on the frozen network with
#   python tools/fit_fallback_gate.py configs/completion/icl_cmu_fallback.py \
#       checkpoints/icl_cmu-29a119f9.pth --loao --work-dir work_dirs/icl_cmu_fallback
# (published: checkpoints/icl_cmu_fallback-7b51a1c4.pth)
# and the result published with tools/publish_checkpoint.py.
_base_ = ['./icl_cmu.py']
# logistic gate (11 parameters) on the features of
# finetec_mm/functional/linear_fallback.py; dead zone 0.65 (gate values
# below it give exactly linear interpolation) selected with whole actions
# held out (tools/fit_fallback_gate.py --loao)
model = dict(
    type='LinearFallbackCompletionModel',
    gate=dict(hidden=0, threshold=0.65))
