# Copyright (c) FineTec authors. All rights reserved.
"""Read the predictions ``tools/test.py --dump PRED.pkl`` writes and derive
per-class accuracy and confusion matrices from them (numpy only)."""
import os.path as osp
import pickle
from typing import Dict, Optional, Sequence

import numpy as np


def _item(value):
    """``value['item']`` of a dumped ``LabelData`` dict, as numpy."""
    if isinstance(value, dict):
        value = value.get('item')
    if value is None:
        return None
    if hasattr(value, 'detach'):  # torch.Tensor
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def load_predictions(path: str) -> Dict[str, np.ndarray]:
    """Predictions of a ``tools/test.py --dump`` file.

    The file holds one dict per test sample with ``pred_scores['item']``
    (C, ), ``gt_labels['item']`` (1, ) and usually ``frame_dir``. It is a
    pickle: load only files you wrote yourself.

    Returns:
        dict: ``scores`` float (N, C), ``labels`` int (N, ) ground truth,
        ``preds`` int (N, ) argmax of the scores, ``names`` (N, ) str
        (``frame_dir``, else ``'#i'``).

    Raises:
        FileNotFoundError, ValueError: naming the file (and the sample) when
        it is missing or not a prediction dump.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'prediction file {path!r} does not exist')
    with open(path, 'rb') as f:
        try:
            data = pickle.load(f)
        except Exception as err:
            raise ValueError(f'prediction file {path!r} cannot be unpickled '
                             f'({type(err).__name__}: {err})') from None
    if not isinstance(data, (list, tuple)) or not data:
        raise ValueError(f'prediction file {path!r}: expected a non-empty '
                         'list of per-sample dicts (tools/test.py --dump), '
                         f'got {type(data).__name__}')
    scores, labels, names = [], [], []
    for i, sample in enumerate(data):
        name = (str(sample.get('frame_dir', f'#{i}'))
                if isinstance(sample, dict) else f'#{i}')
        where = f'prediction file {path!r}: sample {name!r}'
        if not isinstance(sample, dict):
            raise ValueError(f'{where}: a {type(sample).__name__}, not a '
                             'dict')
        score = _item(sample.get('pred_scores'))
        label = _item(sample.get('gt_labels'))
        if score is None or score.ndim != 1:
            raise ValueError(f'{where}: no 1-D pred_scores["item"]')
        if label is None or label.size != 1:
            raise ValueError(f'{where}: no single gt_labels["item"] (the '
                             'test set must have labels)')
        if scores and score.shape != scores[0].shape:
            raise ValueError(f'{where}: {score.shape[0]} class scores, the '
                             f'first sample has {scores[0].shape[0]}')
        scores.append(score.astype(np.float64))
        labels.append(int(label.reshape(-1)[0]))
        names.append(name)
    scores = np.stack(scores)
    labels = np.asarray(labels)
    if labels.min() < 0 or labels.max() >= scores.shape[1]:
        raise ValueError(f'prediction file {path!r}: labels outside [0, '
                         f'{scores.shape[1]})')
    return dict(scores=scores, labels=labels, preds=scores.argmax(1),
                names=np.asarray(names))


def per_class_accuracy(labels: np.ndarray, preds: np.ndarray,
                       num_classes: int) -> np.ndarray:
    """Top-1 accuracy of each class (NaN for a class without sample).

    Args:
        labels (np.ndarray): int (N, ) ground truth.
        preds (np.ndarray): int (N, ) predictions.
        num_classes (int): C.

    Returns:
        np.ndarray: float (C, ), ``#(pred == c and label == c) / #(label ==
        c)``; its NaN-mean is MMAction2's ``acc/mean1``.
    """
    total = np.bincount(labels, minlength=num_classes).astype(np.float64)
    hit = np.bincount(labels[preds == labels], minlength=num_classes)
    with np.errstate(invalid='ignore', divide='ignore'):
        return np.where(total > 0, hit / total, np.nan)


def confusion_matrix(labels: np.ndarray, preds: np.ndarray,
                     classes: Optional[Sequence[int]] = None,
                     num_classes: Optional[int] = None,
                     normalize: bool = True) -> np.ndarray:
    """Confusion matrix (rows = true class, columns = predicted class).

    Args:
        labels, preds (np.ndarray): int (N, ).
        classes (Sequence[int], optional): The K classes shown; samples of
            other true classes are left out, and predictions of classes not
            in ``classes`` go to an extra last column ("other"). None = all
            ``num_classes`` classes, without that column.
        num_classes (int, optional): C, needed when ``classes`` is None.
        normalize (bool): Divide each row by its sample count (rows without
            sample stay 0). Defaults to True.

    Returns:
        np.ndarray: (K, K + 1) with ``classes``, else (C, C); float if
        normalised, else int counts.
    """
    labels, preds = np.asarray(labels), np.asarray(preds)
    if classes is None:
        if num_classes is None:
            raise ValueError('confusion_matrix: give classes or num_classes')
        cls = np.arange(num_classes)
        cols = num_classes
    else:
        cls = np.asarray(list(classes), dtype=int)
        cols = len(cls) + 1
    index = {int(c): k for k, c in enumerate(cls)}
    mat = np.zeros((len(cls), cols), dtype=np.int64)
    other = len(cls) if classes is not None else None
    for t, p in zip(labels, preds):
        row = index.get(int(t))
        if row is None:
            continue
        mat[row, index.get(int(p), other)] += 1
    if not normalize:
        return mat
    rows = mat.sum(1, keepdims=True)
    return np.where(rows > 0, mat / np.maximum(rows, 1), 0.)
