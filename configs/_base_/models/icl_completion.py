# In-context sequence completion of FineTec (§1.2), the paper's network:
# per frame 34 coords + 1 mask bit + 8-dim position code (= 43) -> 34,
# 48 siMLPe blocks (S->T, S->T, T->S, T->S), prompt and query streams
# averaged after 4 blocks, output 34 -> 34. Entry configs add `model.bank`
# (a SkeletonBank config: the clips that give the prior and the prompt
# pool; without it they come from the checkpoint) and set `net.clip_len`.
model = dict(
    type='ICLCompletionModel',
    net=dict(
        type='ICLCompletionNet',
        num_joints=17,
        coord_dim=2,
        clip_len=16,
        num_blocks=48,
        pos_dim=8,
        merge_after=4),
    # Prompts: the pool clip nearest to the query on its observed frames,
    # clip-normalised, in pre-training (own sequence excluded) and at
    # inference alike; 'random' / 'none' for the ablations.
    pool_size=1024,
    prompt_mode='retrieve',
    # share of training queries given an empty prompt, so the same network
    # also runs with prompt_mode='none' (the icl_no_prompt ablation row)
    prompt_dropout=0.2,
    # centre / scale each clip on its observed frames (hips, RMS radius):
    # one network for any image size and framing
    normalize=True,
    train_ratios=(0.25, 0.5, 0.75),
    test_strategy='pattern',
    # Not in the paper: an MSE on first time-differences, against the
    # frame-to-frame jitter that MPJVE measures. 0 = the paper's losses.
    loss_velocity_weight=1.0,
    # 'linear' / 'copy_lr' / 'copy_rl': evaluate a gap-filling baseline
    # through the same test loop instead of the network.
    baseline=None)
