"""Join two trained checkpoints into one two-fill FineTec checkpoint.

``FineTecRecognizer(linear_stream=True)`` holds two GCNs: the completion
stream (``backbone`` / ``cls_head``, reading the completed S_base) and the
linear stream (``linear_backbone`` / ``linear_head``, reading the linear
fill, exactly what the interpolated ST-GCN reads). Training the config
trains both at once; this tool builds the same model from two checkpoints
trained separately, the way multi-stream skeleton results are usually
made: a checkpoint of the completion stream alone (the ``base-only``
ablation configs, or ``--cfg-options model.linear_stream=False``) and an
interpolated ST-GCN checkpoint of the same backbone and level (linear
stream); the FineTec configs are two-fill by default and test the result::

    python tools/misc/join_streams.py BASE_ONLY.pth STGCN_INTERP.pth OUT.pth
    python tools/test.py configs/finetec/...py OUT.pth

The output holds only weights (no optimizer state) and loads strictly.
"""
import argparse
import sys
from collections import OrderedDict
from typing import Optional, Sequence

import torch

from finetec_mm.cli import run_main
from finetec_mm.engine.safe_checkpoint import (CheckpointError,
                                               load_from_local_safe)

#: prefix in the linear checkpoint -> prefix in the joined one
LINEAR_PREFIXES = {'backbone.': 'linear_backbone.',
                   'cls_head.': 'linear_head.'}


def state_dict_of(path: str) -> OrderedDict:
    checkpoint = load_from_local_safe(path, map_location='cpu')
    state = checkpoint.get('state_dict', checkpoint)
    if not any(key.startswith('backbone.') for key in state):
        raise CheckpointError(f'checkpoint {path!r} has no backbone.* '
                              'weights: it is not a recognizer checkpoint')
    return state


def join_state_dicts(completion: dict, linear: dict,
                     linear_path: str = 'the linear checkpoint') -> OrderedDict:
    """The completion checkpoint's weights plus the linear checkpoint's
    backbone / head under ``linear_backbone.`` / ``linear_head.``."""
    if any(key.startswith(tuple(LINEAR_PREFIXES.values()))
           for key in completion):
        raise CheckpointError('the completion-stream checkpoint already has '
                              'a linear stream')
    joined = OrderedDict(completion)
    for key, value in linear.items():
        for old, new in LINEAR_PREFIXES.items():
            if key.startswith(old):
                joined[new + key[len(old):]] = value
                break
        else:
            if key.startswith('data_preprocessor.'):
                continue
            raise CheckpointError(
                f'{linear_path}: unexpected weight {key!r}; the linear '
                'stream is a plain recognizer (backbone.*, cls_head.*)')
    return joined


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('completion', help='FineTec checkpoint (completion '
                        'stream)')
    parser.add_argument('linear', help='checkpoint of the same GCN trained '
                        'on linearly interpolated frames')
    parser.add_argument('out', help='joined checkpoint to write')
    args = parser.parse_args(argv)
    joined = join_state_dicts(state_dict_of(args.completion),
                              state_dict_of(args.linear), args.linear)
    torch.save(dict(state_dict=joined,
                    meta=dict(joined_from=[args.completion, args.linear])),
               args.out)
    print(f'{args.out}: {len(joined)} tensors')


if __name__ == '__main__':
    sys.exit(run_main(main))
