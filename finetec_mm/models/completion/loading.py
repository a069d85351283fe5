# Copyright (c) FineTec authors. All rights reserved.
"""Loading a frozen, pre-trained completion model from its checkpoint."""
from typing import Optional

from mmengine.config import Config

from mmaction.registry import MODELS


def build_completion_model(checkpoint: str, model: Optional[dict] = None,
                           device: str = 'cpu'):
    """A frozen :class:`ICLCompletionModel` from a pre-training checkpoint.

    The network config is ``model`` if given, else the ``model`` of the
    config stored in the checkpoint's meta (written by ``tools/train.py``).
    The prior and the prompt pool come from the checkpoint's buffers.
    """
    from finetec_mm.engine.safe_checkpoint import load_from_local_safe
    state = load_from_local_safe(checkpoint, map_location='cpu')
    if model is None:
        meta_cfg = (state.get('meta') or {}).get('cfg')
        if meta_cfg is None:
            raise ValueError(
                f'ICLCompletion: {checkpoint!r} stores no config; give the '
                'completion model config as `model=dict(...)`.')
        model = Config.fromstring(meta_cfg, file_format='.py').model
    model = dict(model, bank=None)
    net = MODELS.build(model)
    try:
        net.load_state_dict(state['state_dict'])
    except RuntimeError as err:
        raise ValueError(f'ICLCompletion: {checkpoint!r} does not match the '
                         f'completion model config: {err}') from None
    return net.to(device).eval().requires_grad_(False)
