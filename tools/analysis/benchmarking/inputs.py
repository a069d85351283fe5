"""Synthetic model inputs: corrupted clips of the right shape on the
device, packed as a recognizer batch."""

import torch


def corruption_ratio(cfg):
    from finetec_mm.functional.corruption import CORRUPTION_LEVELS
    corruption = dict(cfg.get('corruption') or {})
    if corruption.get('ratio'):
        return float(corruption['ratio'])
    return CORRUPTION_LEVELS.get(corruption.get('level'), 0.0)


def make_inputs(batch, clips, persons, clip_len, channels, device,
                drop_ratio=0.0, generator=None):
    """(B, clips, M, T, 17, C) synthetic inputs: coordinates in [-1, 1],
    scores in (0, 1] in the last channel; with ``drop_ratio`` the frames
    SkeletonCorrupt would drop (``num_dropped`` random frames per clip) are
    zero, coordinates and scores, as the pipeline delivers them."""
    from finetec_mm.functional.corruption import num_dropped
    shape = (batch, clips, persons, clip_len, 17, channels)
    x = torch.rand(shape, generator=generator) * 2 - 1
    x[..., -1] = torch.rand(shape[:-1], generator=generator) * 0.9 + 0.1
    if drop_ratio > 0:
        n_drop = num_dropped(clip_len, drop_ratio)
        order = torch.rand((batch, clips, persons, clip_len),
                           generator=generator).argsort(-1)
        keep = order >= n_drop
        x = x * keep[..., None, None]
    return x.to(device)


def make_batch(inputs, labels=None, names=None):
    """What pseudo_collate gives: a list of per-sample tensors and
    ActionDataSamples (label, frame_dir)."""
    from mmaction.structures import ActionDataSample
    samples = []
    for i in range(inputs.shape[0]):
        sample = ActionDataSample(metainfo=dict(
            frame_dir=names[i] if names else f'bench_{i:05d}'))
        if labels is not None:
            sample.set_gt_labels(int(labels[i]))
        samples.append(sample)
    return dict(inputs=list(inputs.unbind(0)), data_samples=samples)
