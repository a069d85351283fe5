# Copyright (c) FineTec authors. All rights reserved.
"""Pieces shared by the input readers: error prefixes, JSON loading, number
checks, frame numbering and the annotation dict they all return."""
import json
import math
import re
from functools import reduce
from typing import List, Optional, Sequence, Tuple

import numpy as np


def where(path: Optional[str], name: Optional[str] = None) -> str:
    """``file 'P': sample 'S'`` (parts that are None left out)."""
    parts = [] if path is None else [f'file {path!r}']
    if name is not None:
        parts.append(f'sample {name!r}')
    return ': '.join(parts) if parts else 'input'


def is_number(value) -> bool:
    """A JSON number (bool excluded)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def read_json(path: str):
    """The parsed JSON of ``path``; a one-line ValueError naming the file if
    it is malformed or not UTF-8."""
    with open(path, encoding='utf-8') as f:
        try:
            return json.load(f)
        except json.JSONDecodeError as err:
            raise ValueError(f'{where(path)}: malformed JSON (line '
                             f'{err.lineno}, column {err.colno}: {err.msg})'
                             ) from None
        except UnicodeDecodeError as err:
            raise ValueError(f'{where(path)}: not UTF-8 text ({err})'
                             ) from None


def make_annotation(name: str, xy, score, img_shape=None,
                    label=None) -> dict:
    """An annotation as in a PoseDataset pickle.

    Args:
        name (str): The sample id (``frame_dir``).
        xy: (M, T, V, 2) pixel coordinates (copied to float32).
        score: (M, T, V) keypoint scores (copied to float32).
        img_shape: (h, w), checked later by ``check_samples``.
        label (int, optional): The class, if known.
    """
    xy = np.array(xy, dtype=np.float32)
    score = np.array(score, dtype=np.float32)
    anno = dict(frame_dir=str(name), keypoint=xy, keypoint_score=score,
                total_frames=int(xy.shape[1]) if xy.ndim == 4 else 0)
    if img_shape is not None:
        anno['img_shape'] = img_shape
    if label is not None:
        anno['label'] = label
    return anno


def frame_slots(ids: Sequence, what: str,
                prefix: str) -> Tuple[List[int], int]:
    """Frame index of every id and the frame count.

    Integer ids are frame numbers: frames run from the smallest to the
    largest id in steps of the greatest common divisor of the differences
    (ids 0, 1, 2, 4 give 5 frames, frame 3 missing; ids 0, 5, 15 give
    frames 0, 5, 10, 15 with 10 missing). Other ids (strings) are ordered
    naturally (digit runs compared as numbers) with no frame in between.

    Args:
        ids: One id per entry (repeats share a frame).
        what (str): What the ids are called, for messages (``'image_id'``).
        prefix (str): Message prefix naming the file.

    Returns:
        tuple: frame index per entry, number of frames T.
    """
    if not ids:
        return [], 0
    if all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        low = min(ids)
        step = reduce(math.gcd, (i - low for i in ids), 0) or 1
        return [(i - low) // step for i in ids], (max(ids) - low) // step + 1
    if not all(isinstance(i, (str, int)) and not isinstance(i, bool)
               for i in ids):
        bad = next(i for i in ids if not isinstance(i, (str, int))
                   or isinstance(i, bool))
        raise ValueError(f'{prefix}: {what} {bad!r} is neither an integer '
                         'nor a string')
    order = sorted(set(map(str, ids)), key=natural_key)
    index = {k: n for n, k in enumerate(order)}
    return [index[str(i)] for i in ids], len(order)


def natural_key(text: str) -> list:
    """Sort key comparing digit runs as numbers (``f2`` < ``f10``)."""
    return [(0, int(p), '') if p.isdigit() else (1, 0, p)
            for p in re.split(r'(\d+)', text) if p]


def number_list(values, count: Optional[int], prefix: str,
                what: str) -> np.ndarray:
    """float64 array of a JSON list of numbers (``count`` long if given)."""
    if not isinstance(values, list) or not all(is_number(v) for v in values):
        kind = type(values).__name__ if not isinstance(values, list) else \
            'a list with non-numbers'
        raise ValueError(f'{prefix}: {what} is {kind}, expected a list of '
                         'numbers')
    if count is not None and len(values) != count:
        raise ValueError(f'{prefix}: {what} has {len(values)} numbers, '
                         f'expected {count}')
    return np.asarray(values, dtype=np.float64)


def check_keys(obj, keys: Sequence[str], prefix: str, what: str) -> None:
    """Raise naming the first of ``keys`` that ``obj`` (a dict) lacks."""
    if not isinstance(obj, dict):
        raise ValueError(f'{prefix}: {what} is a {type(obj).__name__}, '
                         'expected an object')
    for key in keys:
        if key not in obj:
            raise ValueError(f'{prefix}: {what} has no {key!r} (has '
                             f'{sorted(obj)})')
