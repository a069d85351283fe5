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
# then re-fitted with the selected objective / decay / dead zone and the edge
# cap selected on the val takes and the demo val split (zero-shot):
#   python tools/fit_fallback_gate.py configs/completion/icl_cmu_fallback.py \
#       checkpoints/icl_cmu-29a119f9.pth --objective clip --weight-decay 0.01 \
#       --dead-zone 0.65 --edge-caps 0 0.01 0.015 0.02 0.025 0.03 0.05 0.1 \
#       --cap-check data/demo/finetec_demo.pkl:val --work-dir work_dirs/icl_cmu_fallback_cap
# and the result published with tools/publish_checkpoint.py
# (docs/completion.md).
_base_ = ['./icl_cmu.py']
# logistic gate (11 parameters) on the features of
# finetec_mm/functional/linear_fallback.py; dead zone 0.65 (gate values
# below it give exactly linear interpolation) selected with whole actions
# held out (tools/fit_fallback_gate.py --loao); on the edge frames (missing
# frames before the first / after the last observed frame, where linear
# interpolation holds the nearest pose) the gate is at most 0.02
# (edge_cap; without it the network's end-frame correction made the demo
# test split worse than linear in MPJVE)
model = dict(
    type='LinearFallbackCompletionModel',
    gate=dict(hidden=0, threshold=0.65, edge_cap=0.02))
