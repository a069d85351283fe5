# Copyright (c) FineTec authors. All rights reserved.
"""Building a recognizer from a config and a checkpoint."""
import copy
from pathlib import Path
from typing import Optional, Union

import torch
import torch.nn as nn


def load_config(config, cfg_options: Optional[dict] = None):
    """An mmengine ``Config`` of a path or Config (a copy, with
    ``cfg_options`` merged); a missing file is one FileNotFoundError."""
    from mmengine.config import Config

    from finetec_mm.cli import load_config as read_config
    if isinstance(config, (str, Path)):
        config = read_config(str(config))
    elif isinstance(config, Config):
        config = copy.deepcopy(config)
    else:
        raise TypeError('config must be a file name or an mmengine Config, '
                        f'got {type(config).__name__}')
    if cfg_options:
        config.merge_from_dict(cfg_options)
    return config


def init_recognizer(config, checkpoint: Optional[str] = None,
                    device: Union[str, torch.device] = 'cpu',
                    allow_partial: bool = False,
                    cfg_options: Optional[dict] = None) -> nn.Module:
    """A recognizer with the checkpoint's weights, in eval mode.

    As ``mmaction.apis.init_recognizer``, but the model is the one the
    config's test setup composes (``num_classes``, hosted completion
    checkpoint, ...; see :func:`~finetec_mm.apis.pipeline.inference_config`)
    and the checkpoint must provide every weight of it
    (:func:`~finetec_mm.engine.load_checkpoint_checked`).

    Args:
        config (str | Path | Config): Config file or object.
        checkpoint (str, optional): Checkpoint file; None keeps the initial
            weights.
        device (str | torch.device): Defaults to ``'cpu'``.
        allow_partial (bool): Load whatever matches and warn instead of
            refusing a checkpoint that leaves weights unloaded.
        cfg_options (dict, optional): Config overrides (as
            ``--cfg-options``), applied before composing.

    Returns:
        nn.Module: The model, with the (overridden) config in ``model.cfg``.

    Raises:
        FileNotFoundError: config or checkpoint missing.
        CheckpointError: the checkpoint cannot be read or does not fit.
    """
    import finetec_mm  # noqa: F401  (registers components)
    from mmengine.registry import init_default_scope

    from finetec_mm.engine import load_checkpoint_checked
    from mmaction.registry import MODELS
    from .pipeline import inference_config
    cfg = load_config(config, cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    model = MODELS.build(inference_config(cfg).model)
    if checkpoint is not None:
        if not Path(checkpoint).is_file():
            raise FileNotFoundError(f'checkpoint file {str(checkpoint)!r} '
                                    'does not exist')
        load_checkpoint_checked(  # warnings only when they are asked for
            model, str(checkpoint), allow_partial, map_location='cpu',
            logger='current' if allow_partial else 'silent')
    model.cfg = cfg
    return model.to(device).eval()
