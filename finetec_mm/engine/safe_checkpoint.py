"""Checkpoints that load with torch's ``weights_only=True``.

mmengine 0.10.7 pickles ``HistoryBuffer`` objects and numpy arrays/scalars in
the message hub of every training checkpoint. torch >= 2.6 refuses them under
``weights_only=True``, and turning it off would let any checkpoint execute
code. Instead:

* :class:`SafeCheckpointHook` rewrites the checkpoint just before it is saved
  so it contains only tensors, plain containers and Python scalars
  (:func:`encode`), tagging the few non-plain objects with ``__finetec__``.
* :func:`load_from_local_safe` (registered as mmengine's local loader in
  :mod:`finetec_mm.compat`) reads files with ``weights_only=True`` and restores
  the tagged objects (:func:`decode`). Files with pickled code are refused with
  a message that says what to do; truncated or foreign files get a clear error.
* Every saved checkpoint carries a content digest that the loader checks;
  release checkpoints written by ``tools/publish_checkpoint.py`` carry the
  first 8 hex digits of their SHA-256 in the file name; the loader verifies it.
"""
import hashlib
import os.path as osp
import pickle
import re
import zipfile
from collections import OrderedDict

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.logging import HistoryBuffer

from mmaction.registry import HOOKS

TAG = '__finetec__'
DIGEST_KEY = '__finetec_digest__'
_PLAIN = (str, bytes, int, float, bool, type(None), torch.Tensor, torch.dtype,
          torch.Size, torch.device)
_HASHED_NAME = re.compile(r'-([0-9a-f]{8})\.pth$')


class CheckpointError(RuntimeError):
    """A checkpoint file that cannot or must not be loaded."""


def encode(obj, path='checkpoint'):
    """Return ``obj`` with numpy objects and ``HistoryBuffer`` replaced by
    tagged dicts of tensors. Raises ``TypeError`` naming the key path of any
    other non-plain object, so nothing unloadable is ever written."""
    if isinstance(obj, HistoryBuffer):
        log, count = obj.data
        return {TAG: 'HistoryBuffer', 'max_length': obj.max_length,
                'log': torch.from_numpy(np.asarray(log, np.float64)),
                'count': torch.from_numpy(np.asarray(count, np.float64))}
    if isinstance(obj, np.ndarray):
        if obj.dtype == object:
            raise TypeError(f'{path}: numpy object arrays cannot be saved '
                            'in a weights-only checkpoint')
        return {TAG: 'ndarray', 'data': torch.from_numpy(obj.copy())}
    if isinstance(obj, np.generic):
        return {TAG: 'npscalar', 'dtype': obj.dtype.str, 'value': obj.item()}
    if isinstance(obj, dict):
        items = [(k, encode(v, f'{path}.{k}')) for k, v in obj.items()]
        return OrderedDict(items) if isinstance(obj, OrderedDict) else dict(
            items)
    if isinstance(obj, (list, tuple)):
        return type(obj)(encode(v, f'{path}[{i}]') for i, v in enumerate(obj))
    if isinstance(obj, _PLAIN):
        return obj
    raise TypeError(f'{path}: objects of type {type(obj).__name__} cannot be '
                    'stored in a weights-only checkpoint')


def decode(obj):
    """Inverse of :func:`encode`."""
    if isinstance(obj, dict):
        kind = obj.get(TAG)
        if kind == 'HistoryBuffer':
            return HistoryBuffer(obj['log'].numpy(), obj['count'].numpy(),
                                 obj['max_length'])
        if kind == 'ndarray':
            return obj['data'].numpy()
        if kind == 'npscalar':
            return np.dtype(obj['dtype']).type(obj['value'])
        items = [(k, decode(v)) for k, v in obj.items()]
        return OrderedDict(items) if isinstance(obj, OrderedDict) else dict(
            items)
    if isinstance(obj, (list, tuple)):
        return type(obj)(decode(v) for v in obj)
    return obj


def sha256_of(filename, chunk=1 << 20):
    digest = hashlib.sha256()
    with open(filename, 'rb') as f:
        for block in iter(lambda: f.read(chunk), b''):
            digest.update(block)
    return digest.hexdigest()


def load_from_local_safe(filename, map_location=None, trust_pickle=False):
    """Load a local checkpoint without ever executing pickled code.

    Args:
        filename (str): Path of the file.
        map_location: As for :func:`torch.load`.
        trust_pickle (bool): Only for ``tools/publish_checkpoint.py``: load a
            legacy checkpoint with full unpickling, for files the user trusts.

    Returns:
        dict: The decoded checkpoint.
    """
    path = osp.expanduser(str(filename))
    if not osp.isfile(path):
        raise FileNotFoundError(f'checkpoint file {path!r} does not exist')
    if not zipfile.is_zipfile(path):
        raise CheckpointError(
            f'checkpoint {path!r} is not a PyTorch checkpoint (no zip archive '
            'inside: truncated, another format, or written by torch < 1.6). '
            'Copy it again or re-create it.')
    named = _HASHED_NAME.search(osp.basename(path))
    if named and not sha256_of(path).startswith(named.group(1)):
        raise CheckpointError(
            f'checkpoint {path!r}: its SHA-256 does not start with the '
            f'{named.group(1)!r} in its name, so the file was modified or is '
            'incomplete. Download or copy it again.')
    try:
        checkpoint = torch.load(
            path, map_location=map_location, weights_only=not trust_pickle)
    except pickle.UnpicklingError as err:
        raise CheckpointError(
            f'checkpoint {path!r} was refused: it contains pickled Python '
            f'objects other than weights ({_pickle_reason(err)}). Unpickling '
            'them could run arbitrary code, so it is never done here. If you '
            'trust where the file comes from (e.g. a plain mmengine '
            'checkpoint), convert it once with `python '
            f'tools/publish_checkpoint.py {path} OUT.pth --trust-pickle`.'
        ) from None
    except (RuntimeError, EOFError, zipfile.BadZipFile, ValueError,
            OSError) as err:
        raise CheckpointError(
            f'checkpoint {path!r} is not a readable PyTorch checkpoint '
            f'(truncated or corrupt: {str(err)[:160]}). Copy it again or '
            're-create it.') from None
    if not isinstance(checkpoint, dict):
        raise CheckpointError(
            f'checkpoint {path!r} holds a {type(checkpoint).__name__}, not a '
            'dict of weights: it is not a model checkpoint.')
    expected = checkpoint.pop(DIGEST_KEY, None)
    if expected is not None and expected != content_digest(checkpoint):
        raise CheckpointError(
            f'checkpoint {path!r}: its content does not match the digest '
            'written when it was saved, so it was modified or damaged after '
            'saving. Use another copy or re-create it.')
    return decode(checkpoint)


def _pickle_reason(err):
    lines = [ln for ln in str(err).splitlines()
             if 'GLOBAL' in ln or 'Unsupported' in ln]
    return lines[0].strip() if lines else 'unsupported pickle content'


def content_digest(checkpoint) -> str:
    """SHA-256 over every tensor's bytes and every other value's repr, in a
    fixed key order: changes whenever any stored value changes."""
    digest = hashlib.sha256()

    def visit(obj):
        if isinstance(obj, torch.Tensor):
            flat = obj.detach().cpu().contiguous().reshape(-1)
            digest.update(f'T{obj.dtype}{tuple(obj.shape)}'.encode())
            digest.update(flat.view(torch.uint8).numpy().tobytes())
        elif isinstance(obj, dict):
            for key in sorted(obj, key=str):
                digest.update(f'K{key!r}'.encode())
                visit(obj[key])
        elif isinstance(obj, (list, tuple)):
            digest.update(f'L{len(obj)}'.encode())
            for value in obj:
                visit(value)
        else:
            digest.update(f'V{obj!r}'.encode())

    visit(checkpoint)
    return digest.hexdigest()


@HOOKS.register_module()
class SafeCheckpointHook(Hook):
    """Makes every saved checkpoint loadable with ``weights_only=True``.

    Runs last among ``before_save_checkpoint`` hooks, rewrites the checkpoint
    dict in place with :func:`encode` and adds its :func:`content_digest`,
    which the loader verifies (a flipped byte in the weights is detected).
    """
    priority = 'LOWEST'

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        encoded = encode(checkpoint)
        checkpoint.clear()
        checkpoint.update(encoded)
        checkpoint[DIGEST_KEY] = content_digest(encoded)
