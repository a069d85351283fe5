# Copyright (c) FineTec authors. All rights reserved.
"""The observed marker: restored frames carry a negative score."""
import torch
from torch import Tensor


def mark_restored_frames(scores: Tensor, observed: Tensor) -> Tensor:
    """The observed marker: negate the score of every restored frame.

    ``scores`` (N, T, V) as ``complete_sequences`` returns them (the
    completed frames' scores linearly interpolated, >= 0) and ``observed``
    (N, T) its observed-frame mask. A frame is restored when it was not
    observed in a sequence that has at least one observed frame (a sequence
    with none, e.g. an absent person, was not completed and stays as it
    is). Restored frames get ``-score``: the sign says observed (> 0) or
    restored (< 0), the magnitude is the unmarked score, and a joint with
    score 0 stays exactly 0 (absent, never -0.0). So ``scores.ne(0)`` and
    ``scores.abs()`` read exactly as without the marker, and exactly the
    observed frames have a positive score.

    Used by the hosted path (``FineTecRecognizer.hosted_inputs``) and the
    ``ICLCompletion`` transform alike, so both give bit-identical inputs.
    """
    restored = ~observed & observed.any(dim=1, keepdim=True)
    flip = restored[..., None] & scores.ne(0)
    return torch.where(flip, -scores, scores)


def marker_channels(marked_scores: Tensor) -> Tensor:
    """Split marked scores into the model's two input channels.

    ``marked_scores`` (...,) as :func:`mark_restored_frames` writes them
    (> 0 observed, < 0 restored, 0 absent) → (..., 2) ``[score,
    observed]``: the unsigned score, exactly the completion's score, and a
    0/1 observed flag. The three cases stay apart: observed ``[s, 1]``,
    restored ``[s, 0]`` with s > 0, absent ``[0, 0]``. The recognizer feeds
    both as separate channels, so the GCN's data BatchNorm and first layer
    weigh the confidence and the flag each on its own scale (a sign flip
    folded both into one channel, whose ±1 modes swamped the confidences).
    """
    return torch.stack([marked_scores.abs(),
                        marked_scores.gt(0).to(marked_scores.dtype)], dim=-1)
