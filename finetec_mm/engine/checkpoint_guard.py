"""Refuse checkpoints that leave model weights unloaded.

mmengine loads a checkpoint non-strictly: a checkpoint of another model only
logs "do not match exactly" and the run goes on with random weights. Here a
checkpoint is compared with the model first; unless partial loading is asked
for, one that leaves any model weight unloaded (missing, or stored with
another shape) or that loads none is refused with a
:class:`~finetec_mm.engine.safe_checkpoint.CheckpointError` naming the file
and the counts.

A FineTec recognizer may host a frozen completion network built from its
own checkpoint file (``model.completion.checkpoint``). A recognizer
checkpoint that has no ``completion.*`` weights (trained with completion in
the data pipeline) keeps the hosted network's own weights, and a model
without hosted completion ignores a checkpoint's ``completion.*`` weights
(``_portable_completion`` in the recognizer). Neither counts as a mismatch.
"""
import re
from collections import OrderedDict
from typing import List, NamedTuple

from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.runner.checkpoint import (_load_checkpoint,
                                        _load_checkpoint_to_model)

from .safe_checkpoint import CheckpointError

__all__ = [
    'KeyReport', 'checkpoint_state_dict', 'compare_with_model',
    'check_checkpoint', 'load_checkpoint_checked'
]

#: Key names quoted as examples in the message.
NUM_EXAMPLES = 3
#: Submodules whose weights come from their own checkpoint file.
HOSTED = ('completion', )


class KeyReport(NamedTuple):
    """How a checkpoint's weights meet a model's (key lists, sorted)."""
    loaded: List[str]
    missing: List[str]
    unexpected: List[str]
    mismatched: List[str]  # in both, with another shape
    num_model: int  # model weights that the checkpoint must provide

    @property
    def complete(self) -> bool:
        """Every model weight loads and nothing is left over."""
        return bool(self.loaded) and not (
            self.missing or self.unexpected or self.mismatched)


def checkpoint_state_dict(checkpoint, revise_keys=((r'^module\.', ''), )):
    """The weights of a loaded checkpoint: its ``state_dict`` entry (or the
    dict itself) with the ``module.`` prefix of wrapped models removed."""
    state = checkpoint.get('state_dict', checkpoint) if isinstance(
        checkpoint, dict) else checkpoint
    if not isinstance(state, dict):
        raise TypeError(f'state_dict is a {type(state).__name__}')
    for pattern, repl in revise_keys:
        state = OrderedDict((re.sub(pattern, repl, k), v)
                            for k, v in state.items())
    return state


def _hosted_prefixes(model) -> List[str]:
    """``'<name>.completion.'`` of every module that can host a network
    loaded from its own file (FineTec recognizers)."""
    from finetec_mm.models.recognizers.finetec_recognizer import \
        FineTecRecognizer
    out = []
    for name, module in model.named_modules():
        if isinstance(module, FineTecRecognizer):
            head = f'{name}.' if name else ''
            out += [f'{head}{sub}.' for sub in HOSTED]
    return out


def compare_with_model(model, state_dict) -> KeyReport:
    """Compare checkpoint weights with ``model.state_dict()``.

    Hosted sub-networks (see the module docstring) count as provided when
    the checkpoint has none of their weights, and a checkpoint's weights of
    a hosted sub-network the model does not build are ignored.
    """
    if is_model_wrapper(model):
        model = model.module
    own = model.state_dict()
    ckpt = dict(state_dict)
    for prefix in _hosted_prefixes(model):
        in_ckpt = [k for k in ckpt if k.startswith(prefix)]
        in_model = [k for k in own if k.startswith(prefix)]
        if in_model and not in_ckpt:
            own = {k: v for k, v in own.items() if not k.startswith(prefix)}
        elif in_ckpt and not in_model:
            ckpt = {k: v for k, v in ckpt.items()
                    if not k.startswith(prefix)}
    both = [k for k in own if k in ckpt]
    shape = [k for k in both if hasattr(ckpt[k], 'shape')
             and tuple(ckpt[k].shape) != tuple(own[k].shape)]
    return KeyReport(
        loaded=sorted(set(both) - set(shape)),
        missing=sorted(k for k in own if k not in ckpt),
        unexpected=sorted(k for k in ckpt if k not in own),
        mismatched=sorted(shape), num_model=len(own))


def _examples(keys: List[str]) -> str:
    more = ', ...' if len(keys) > NUM_EXAMPLES else ''
    return f' (e.g. {", ".join(keys[:NUM_EXAMPLES])}{more})' if keys else ''


def describe(report: KeyReport, filename) -> str:
    """One line naming ``filename`` and the counts, with example keys."""
    parts = [f'{len(report.loaded)} of {report.num_model} model weights '
             'load',
             f'{len(report.missing)} missing{_examples(report.missing)}',
             f'{len(report.unexpected)} unexpected'
             f'{_examples(report.unexpected)}']
    if report.mismatched:
        parts.append(f'{len(report.mismatched)} with another shape'
                     f'{_examples(report.mismatched)}')
    return (f'checkpoint {str(filename)!r} does not fit the model: '
            + '; '.join(parts))


def check_checkpoint(model, checkpoint, filename, allow_partial=False,
                     logger=None) -> KeyReport:
    """Compare a loaded checkpoint with ``model``; raise or warn.

    Raises:
        CheckpointError: unless ``allow_partial``, when any model weight
            stays unloaded, a checkpoint weight is unused, or none loads.
    """
    try:
        state = checkpoint_state_dict(checkpoint)
    except TypeError as err:
        raise CheckpointError(f'checkpoint {str(filename)!r} holds no '
                              f'weights ({err})') from None
    report = compare_with_model(model, state)
    if report.complete:
        return report
    message = describe(report, filename)
    if not allow_partial:
        raise CheckpointError(
            message + '. Use the checkpoint trained with this config, or '
            'allow partial loading if you mean it (--allow-partial).')
    print_log(message + ' (partial loading allowed)', logger=logger or
              'current', level=30)
    return report


def load_checkpoint_checked(model, filename, allow_partial=False,
                            map_location='cpu', logger=None) -> dict:
    """Load ``filename`` into ``model`` after :func:`check_checkpoint`.

    The file is read by mmengine's loader, i.e. by the weights-only
    :func:`~finetec_mm.engine.safe_checkpoint.load_from_local_safe` for
    local paths (registered by :mod:`finetec_mm.compat`).

    Args:
        model (nn.Module): The model (or a wrapper of it).
        filename (str): Checkpoint path or URL.
        allow_partial (bool): Load whatever matches and warn, instead of
            raising. Defaults to False.
        map_location: As for :func:`torch.load`. Defaults to ``'cpu'``.
        logger: mmengine logger for the warnings (default: the current).

    Returns:
        dict: The loaded checkpoint.

    Raises:
        FileNotFoundError, CheckpointError: a missing, unreadable or (unless
            ``allow_partial``) non-matching checkpoint; the message names
            the file.
    """
    checkpoint = _load_checkpoint(filename, map_location=map_location,
                                  logger=logger)
    check_checkpoint(model, checkpoint, filename, allow_partial, logger)
    if is_model_wrapper(model):
        model = model.module
    return _load_checkpoint_to_model(model, checkpoint, strict=False,
                                     logger=logger)
