# Copyright (c) FineTec authors. All rights reserved.
"""Checks of MMAction2 ``PoseDataset`` annotation files (numpy only).

A PoseDataset file holds ``dict(split={name: [frame_dir, ...]},
annotations=[anno, ...])`` where every ``anno`` is a dict with ``frame_dir``,
``label``, ``total_frames``, ``img_shape`` (h, w), ``keypoint`` float
(M, T, V, C) and ``keypoint_score`` float (M, T, V).

Every check returns :class:`Problem` s instead of stopping at the first one.
Levels:

* ``'error'``: the sample cannot be used as it is (missing key, keypoint not
  4-D, wrong joint count, C not in {2, 3}, no person or no frame,
  ``total_frames`` != T, score shape != keypoint shape[:-1], NaN/inf, label
  not an int or out of ``[0, num_classes)``, keypoint dtype not floating
  point, malformed ``img_shape``, duplicate ``frame_dir``, a split naming a
  missing sample, missing top-level keys).
* ``'warning'``: usable but suspicious. Scores outside ``[0, 1]`` are only a
  warning: heatmap-based estimators (HRNet) legitimately give maxima slightly
  above 1, and nothing downstream assumes the bound. Also: no
  ``keypoint_score`` and C == 2 (confidence unknown), no ``img_shape``
  (``PreNormalize2D`` falls back to its default), a split listing the same
  sample twice.
* ``'info'``: samples that are in no split, non-float32 storage (float16 is
  cast to float32 by :class:`CheckedPoseDataset`).

Missing frames (all keypoints and scores zero) are legal and not reported;
:func:`summarize` counts them. A frame is *fully missing* when every score of
every person is 0 (without ``keypoint_score``: the score channel 2 if C == 3,
else all coordinates 0).
"""
from collections import Counter
from typing import Callable, Dict, Iterable, List, Optional, Sequence

import numpy as np

from .annotation_io import AnnotationError

__all__ = [
    'Problem', 'REQUIRED_KEYS', 'REQUIRED_SAMPLE_KEYS', 'IGNORED_KEYS',
    'sample_name', 'check_top_level', 'check_annotation',
    'check_split', 'check_duplicates', 'check_dataset', 'errors',
    'raise_on_errors', 'frame_missing', 'summarize'
]

#: Top-level keys of a PoseDataset dict.
REQUIRED_KEYS = ('split', 'annotations')
#: Keys every annotation needs.
REQUIRED_SAMPLE_KEYS = ('frame_dir', 'label', 'total_frames', 'keypoint')
#: Extra per-sample fields that loaders may drop (Gym288-skeleton).
IGNORED_KEYS = ('kp_w_gt', 'kp_wo_gt')
_LEVELS = ('error', 'warning', 'info')


class Problem:
    """One finding of a check.

    Args:
        level (str): ``'error'``, ``'warning'`` or ``'info'``.
        kind (str): Short machine-readable fault name, e.g. ``'nonfinite'``.
        fault (str): Human-readable description of the fault.
        sample (str, optional): ``frame_dir`` of the sample (None for
            file-level problems).
        file (str, optional): The annotation file.
    """
    __slots__ = ('level', 'kind', 'fault', 'sample', 'file')

    def __init__(self, level: str, kind: str, fault: str,
                 sample: Optional[str] = None,
                 file: Optional[str] = None) -> None:
        assert level in _LEVELS, level
        self.level, self.kind, self.fault = level, kind, fault
        self.sample, self.file = sample, file

    @property
    def message(self) -> str:
        """``file 'F': sample 'S': fault`` (unknown parts left out)."""
        parts = []
        if self.file is not None:
            parts.append(f'file {self.file!r}')
        if self.sample is not None:
            parts.append(f'sample {self.sample!r}')
        return ': '.join(parts + [self.fault])

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f'Problem({self.level}, {self.kind}, {self.message!r})'


def sample_name(anno, index: Optional[int] = None) -> str:
    """``frame_dir`` (or ``filename``) of ``anno``, else ``'#<index>'``."""
    if isinstance(anno, dict):
        for key in ('frame_dir', 'filename'):
            if key in anno:
                return str(anno[key])
    return f'#{index}'


def check_top_level(data, file: Optional[str] = None,
                    require_split: bool = True) -> List[Problem]:
    """Type of the loaded object and its ``split`` / ``annotations`` keys.

    ``require_split=False`` accepts a dict without ``split``.
    """
    if not isinstance(data, dict):
        return [Problem('error', 'top_level',
                        f'expected a dict with keys {list(REQUIRED_KEYS)}, '
                        f'got {type(data).__name__}', file=file)]
    out = [Problem('error', 'missing_key',
                   f'missing top-level key {key!r} (has {sorted(data)})',
                   file=file) for key in REQUIRED_KEYS
           if key not in data and (require_split or key != 'split')]
    if 'annotations' in data and not isinstance(data['annotations'],
                                                (list, tuple)):
        out.append(Problem('error', 'top_level', '"annotations" is a '
                           f'{type(data["annotations"]).__name__}, not a list',
                           file=file))
    split = data.get('split', {})
    if not isinstance(split, dict):
        out.append(Problem('error', 'top_level', '"split" is a '
                           f'{type(split).__name__}, not a dict', file=file))
    else:
        for name, names in split.items():
            if not isinstance(names, (list, tuple, set, np.ndarray)):
                out.append(Problem('error', 'top_level',
                                   f'split {name!r} is a '
                                   f'{type(names).__name__}, not a list',
                                   file=file))
    return out


def _is_int(x) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(
        x, (bool, np.bool_))


def _first_bad(mask: np.ndarray) -> str:
    """``person m, frame t, joint v`` of the first True of (M, T, V[, C])."""
    idx = np.argwhere(mask)[0]
    return f'person {idx[0]}, frame {idx[1]}, joint {idx[2]}'


def check_annotation(anno,
                     index: Optional[int] = None,
                     num_classes: Optional[int] = None,
                     num_joints: Optional[int] = 17,
                     file: Optional[str] = None) -> List[Problem]:
    """Check one annotation dict (vectorised, a few microseconds).

    Args:
        anno (dict): The annotation (``keypoint`` (M, T, V, C),
            ``keypoint_score`` (M, T, V)).
        index (int, optional): Position in the file, names samples that have
            no ``frame_dir``.
        num_classes (int, optional): Labels must be in ``[0, num_classes)``.
        num_joints (int, optional): Expected V (17 for COCO); None skips.
        file (str, optional): File name put into the messages.

    Returns:
        list[Problem]
    """
    name = sample_name(anno, index)

    def p(level, kind, fault):
        return Problem(level, kind, fault, sample=name, file=file)

    if not isinstance(anno, dict):
        return [p('error', 'not_a_dict',
                  f'annotation is a {type(anno).__name__}, not a dict')]
    out = [p('error', 'missing_key', f'missing key {key!r}')
           for key in REQUIRED_SAMPLE_KEYS
           if key not in anno and not (key == 'frame_dir'
                                       and 'filename' in anno)]

    label = anno.get('label', 0)
    if not _is_int(label):
        out.append(p('error', 'label',
                     f'label {label!r} ({type(label).__name__}) is not an '
                     'int'))
    elif label < 0 or (num_classes is not None and label >= num_classes):
        rng = f'[0, {num_classes})' if num_classes is not None else '>= 0'
        out.append(p('error', 'label', f'label {label} out of range {rng}'))

    if 'img_shape' not in anno:
        out.append(p('warning', 'img_shape', 'no img_shape (PreNormalize2D '
                     'uses its default image size)'))
    else:
        shape = anno['img_shape']
        ok = (isinstance(shape, (tuple, list, np.ndarray)) and len(shape) == 2
              and all(isinstance(s, (int, float, np.number)) and s > 0
                      for s in shape))
        if not ok:
            out.append(p('error', 'img_shape',
                         f'img_shape {shape!r} is not a positive (h, w)'))

    if 'keypoint' not in anno:
        return out
    kp = anno['keypoint']
    if not isinstance(kp, np.ndarray):
        out.append(p('error', 'keypoint_type',
                     f'keypoint is a {type(kp).__name__}, not a numpy array'))
        return out
    if kp.dtype.kind != 'f':
        out.append(p('error', 'dtype',
                     f'keypoint dtype {kp.dtype} is not floating point'))
        return out
    if kp.ndim != 4:
        out.append(p('error', 'ndim', f'keypoint has shape {kp.shape}, '
                     'expected 4-D (M, T, V, C)'))
        return out
    M, T, V, C = kp.shape
    if num_joints is not None and V != num_joints:
        out.append(p('error', 'num_joints', f'keypoint has {V} joints '
                     f'(shape {kp.shape}), expected {num_joints}'))
    if C not in (2, 3):
        out.append(p('error', 'channels', f'keypoint has C={C} channels '
                     f'(shape {kp.shape}), expected 2 (x, y) or 3 '
                     '(x, y, score)'))
    if M == 0:
        out.append(p('error', 'empty', f'no person (keypoint shape '
                     f'{kp.shape})'))
    if T == 0:
        out.append(p('error', 'empty', f'empty sequence: T=0 frames '
                     f'(keypoint shape {kp.shape})'))
    total = anno.get('total_frames', T)
    if not _is_int(total) or total != T:
        out.append(p('error', 'total_frames', f'total_frames={total!r} but '
                     f'keypoint has T={T} frames'))
    if not np.isfinite(kp).all():
        bad = ~np.isfinite(kp)
        out.append(p('error', 'nonfinite',
                     f'{int(bad.sum())} NaN/inf keypoint coordinates '
                     f'(first at {_first_bad(bad)})'))

    score = anno.get('keypoint_score', None)
    if score is None:
        if C == 3:
            score = kp[..., 2]
        else:
            out.append(p('warning', 'no_score', 'no keypoint_score and C=2: '
                         'confidence unknown'))
    else:
        if not isinstance(score, np.ndarray):
            out.append(p('error', 'keypoint_type', 'keypoint_score is a '
                         f'{type(score).__name__}, not a numpy array'))
            return out
        if score.shape != kp.shape[:-1]:
            out.append(p('error', 'score_shape',
                         f'keypoint_score shape {score.shape} != keypoint '
                         f'shape[:-1] {kp.shape[:-1]}'))
            return out
        if score.dtype.kind != 'f':
            out.append(p('error', 'dtype', f'keypoint_score dtype '
                         f'{score.dtype} is not floating point'))
            return out
    if score is not None:
        if not np.isfinite(score).all():
            if 'keypoint_score' in anno:  # else reported with the keypoints
                bad = ~np.isfinite(score)
                out.append(p('error', 'nonfinite',
                             f'{int(bad.sum())} NaN/inf keypoint scores '
                             f'(first at {_first_bad(bad)})'))
        elif ((score < 0) | (score > 1)).any():
            lo, hi = float(score.min()), float(score.max())
            out.append(p('warning', 'score_range', 'keypoint scores outside '
                         f'[0, 1] (min {lo:.3g}, max {hi:.3g})'))
    return out


def _names(data) -> List[str]:
    annos = data.get('annotations', []) if isinstance(data, dict) else []
    if not isinstance(annos, (list, tuple)):
        return []
    return [sample_name(a, i) for i, a in enumerate(annos)]


def check_duplicates(data, file: Optional[str] = None) -> List[Problem]:
    """One error per ``frame_dir`` that occurs more than once."""
    names = _names(data)
    where: Dict[str, List[int]] = {}
    for i, n in enumerate(names):
        where.setdefault(n, []).append(i)
    return [Problem('error', 'duplicate',
                    f'duplicate frame_dir: {len(idx)} annotations (indices '
                    f'{idx[:5]}{"..." if len(idx) > 5 else ""})', sample=n,
                    file=file) for n, idx in where.items() if len(idx) > 1]


def check_split(data, split: str, file: Optional[str] = None,
                names: Optional[Iterable[str]] = None) -> List[Problem]:
    """Split ``split`` exists and every sample it names is annotated.

    ``names`` (the annotated ``frame_dir`` s) may be passed to avoid
    recomputing them for several splits.
    """
    splits = data.get('split', None) if isinstance(data, dict) else None
    if not isinstance(splits, dict):
        return [Problem('error', 'split', f'no "split" dict, cannot select '
                        f'split {split!r}', file=file)]
    if split not in splits:
        return [Problem('error', 'split', f'split {split!r} not found; '
                        f'available splits: {sorted(splits)}', file=file)]
    known = set(_names(data) if names is None else names)
    listed = [str(n) for n in splits[split]]
    out = [Problem('error', 'split_missing', f'split {split!r} names this '
                   'sample but it is not in the annotations', sample=n,
                   file=file) for n in listed if n not in known]
    dup = [n for n, c in Counter(listed).items() if c > 1]
    out += [Problem('warning', 'split_duplicate', f'listed '
                    f'{listed.count(n)} times in split {split!r}', sample=n,
                    file=file) for n in dup]
    return out


def check_dataset(data,
                  num_classes: Optional[int] = None,
                  num_joints: Optional[int] = 17,
                  split: Optional[str] = None,
                  file: Optional[str] = None,
                  progress: Optional[Callable[[int, int], None]] = None
                  ) -> List[Problem]:
    """All checks of a loaded PoseDataset dict.

    Args:
        data: The unpickled file.
        num_classes (int, optional): Labels must be in ``[0, num_classes)``.
        num_joints (int, optional): Expected V; None skips the check.
        split (str, optional): Check only this split's samples (and that it
            exists); None checks every split and every annotation, and
            reports samples that are in no split (info).
        file (str, optional): File name put into the messages.
        progress (callable, optional): ``progress(done, total)`` called
            after every annotation.

    Returns:
        list[Problem]: file-level problems first, then per sample.
    """
    out = check_top_level(data, file)
    if any(q.kind == 'top_level' for q in out) or 'annotations' not in data:
        return out
    annos = data['annotations']
    names = _names(data)
    out += check_duplicates(data, file)
    splits = data.get('split', {})
    if split is not None:
        out += check_split(data, split, file, names)
        wanted = {str(n) for n in splits.get(split, ())}
        todo = [i for i, n in enumerate(names) if n in wanted]
    else:
        for s in splits:
            out += check_split(data, s, file, names)
        in_any = set()
        for s in splits.values():
            in_any.update(str(n) for n in s)
        out += [Problem('info', 'no_split', 'sample is in no split',
                        sample=n, file=file)
                for n in names if splits and n not in in_any]
        todo = range(len(annos))
    dtypes = Counter()
    for k, i in enumerate(todo):
        out += check_annotation(annos[i], i, num_classes, num_joints, file)
        kp = annos[i].get('keypoint') if isinstance(annos[i], dict) else None
        if isinstance(kp, np.ndarray):
            dtypes[kp.dtype.name] += 1
        if progress is not None:
            progress(k + 1, len(todo))
    out += [Problem('info', 'dtype', f'{n} samples store keypoints as {d}'
                    + (' (cast to float32 when loaded by CheckedPoseDataset)'
                       if d == 'float16' else ''), file=file)
            for d, n in sorted(dtypes.items()) if d != 'float32']
    return out


def errors(problems: Iterable[Problem]) -> List[Problem]:
    """The error-level problems."""
    return [q for q in problems if q.level == 'error']


def raise_on_errors(problems: Iterable[Problem], prefix: str = '',
                    max_listed: int = 5) -> None:
    """Raise an :class:`~finetec_mm.datasets.annotation_io.AnnotationError`
    (a ValueError) listing the first ``max_listed`` errors (if any).

    The message starts with ``prefix`` and the first error, e.g.
    ``"CheckedPoseDataset: file 'a.pkl': sample 'x': 3 NaN/inf ..."``.
    """
    errs = errors(problems)
    if not errs:
        return
    head = f'{prefix}: ' if prefix else ''
    lines = [head + errs[0].message]
    lines += ['  ' + q.message for q in errs[1:max_listed]]
    if len(errs) > max_listed:
        lines.append(f'  ... and {len(errs) - max_listed} more errors')
    raise AnnotationError('\n'.join(lines))


def frame_missing(anno: dict) -> np.ndarray:
    """bool (T, ): frames where every score of every person is 0.

    Without ``keypoint_score``: channel 2 of a C=3 keypoint, else all
    coordinates 0.
    """
    kp = anno['keypoint']
    score = anno.get('keypoint_score', None)
    if score is None:
        score = kp[..., 2] if kp.shape[-1] == 3 else np.abs(kp).sum(-1)
    return ~(score != 0).any(axis=(0, 2))


def summarize(data, splits: Optional[Sequence[str]] = None) -> dict:
    """Statistics of a (possibly partly malformed) PoseDataset dict.

    Samples whose keypoint is not a 4-D array are counted in
    ``num_samples`` but left out of the shape statistics.

    Returns:
        dict: ``num_samples``; ``splits`` {name: count}; ``class_counts``
        {label: count} over all annotations; ``split_class_counts`` {split:
        {label: count}}; ``T`` dict(min, median, max) (None if no sample);
        ``M`` {persons: count}; ``V`` {joints: count}; ``missing_frames``
        (fully missing frames) and ``total_frames`` (sum of T);
        ``missing_fraction``; ``dtypes`` {dtype name: count}.
    """
    annos = data.get('annotations', []) if isinstance(data, dict) else []
    split = data.get('split', {}) if isinstance(data, dict) else {}
    split = split if isinstance(split, dict) else {}
    label_of, lengths = {}, []
    class_counts, m_counts, v_counts, dtypes = (Counter(), Counter(),
                                                Counter(), Counter())
    missing = total = 0
    for i, a in enumerate(annos):
        if not isinstance(a, dict):
            continue
        label = a.get('label', None)
        label = int(label) if _is_int(label) else repr(label)
        label_of.setdefault(sample_name(a, i), label)
        class_counts[label] += 1
        kp = a.get('keypoint', None)
        if not isinstance(kp, np.ndarray) or kp.ndim != 4:
            continue
        dtypes[kp.dtype.name] += 1
        m_counts[kp.shape[0]] += 1
        v_counts[kp.shape[2]] += 1
        lengths.append(kp.shape[1])
        total += kp.shape[1]
        try:
            missing += int(frame_missing(a).sum())
        except Exception:  # mismatched score shape: reported by the checks
            pass
    split_counts = {s: len(v) for s, v in split.items()
                    if splits is None or s in splits}
    split_class = {
        s: dict(Counter(label_of.get(str(n)) for n in split[s]
                        if str(n) in label_of))
        for s in split_counts
    }
    t_stats = None
    if lengths:
        t_stats = dict(min=int(np.min(lengths)),
                       median=float(np.median(lengths)),
                       max=int(np.max(lengths)))
    return dict(
        num_samples=len(annos), splits=split_counts,
        class_counts=dict(class_counts), split_class_counts=split_class,
        T=t_stats, M=dict(sorted(m_counts.items())),
        V=dict(sorted(v_counts.items())), missing_frames=missing,
        total_frames=total,
        missing_fraction=missing / total if total else 0.0,
        dtypes=dict(dtypes))
