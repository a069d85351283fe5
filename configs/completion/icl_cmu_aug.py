# Total batch 256 = 1 GPU x 256 per GPU (auto_scale_lr: docs/tools.md).
# icl_cmu.py with train-time motion augmentation of the bank clips (not in
# the paper): left-right mirror (joints swapped) and time reversal each with
# probability 0.5, in-plane rotation within +-15 degrees, x / y scaled
# independently within [0.85, 1.15]. icl_cmu.py's run over-fits its 25 train
# takes (val flat from iteration 1,000 while the train loss keeps falling);
# this recipe tests whether more varied motion moves held-out takes.
_base_ = ['./icl_cmu.py']
model = dict(
    augment=dict(mirror_prob=0.5, reverse_prob=0.5, max_rotation=15.,
                 scale_range=(0.85, 1.15)))
