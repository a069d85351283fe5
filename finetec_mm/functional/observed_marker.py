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
