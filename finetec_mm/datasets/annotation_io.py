# Copyright (c) FineTec authors. All rights reserved.
"""Reading annotation files, with one-line errors that name the file.

Every entry point that reads a PoseDataset pickle (``CheckedPoseDataset``,
``SkeletonBank``, ``tools/data/validate_dataset.py``, ``finetec_mm.apis``,
...) reads it with :func:`load_annotation_file`, so a missing file, a file
that cannot be unpickled and a file holding the wrong kind of object all
give the same one-line message naming the file. The command-line tools
print these errors as ``error: <message>`` (see :mod:`finetec_mm.cli`).
"""
import os.path as osp

import mmengine

__all__ = ['AnnotationError', 'load_annotation_file']

#: Extensions that mmengine reads with their own handler; any other name is
#: read as a pickle (PoseDataset files are pickles whatever their name).
_MMENGINE_FORMATS = ('.pkl', '.pickle', '.json', '.yaml', '.yml')


class AnnotationError(ValueError):
    """An annotation file that cannot be used; the message names the file.

    A ``ValueError``, so code that caught the ``ValueError`` s of the
    dataset checks keeps working.
    """


def _short(err: BaseException, limit: int = 160) -> str:
    """``Type: message`` of ``err`` on one line, at most ``limit`` chars."""
    text = ' '.join(str(err).split())
    if len(text) > limit:
        text = text[:limit - 3] + '...'
    return f'{type(err).__name__}: {text}' if text else type(err).__name__


def _read(path: str):
    """``mmengine.load`` the file, as a pickle unless its extension says
    otherwise; any failure becomes an :class:`AnnotationError`."""
    ext = osp.splitext(path)[1].lower()
    file_format = None if ext in _MMENGINE_FORMATS else 'pkl'
    try:
        return mmengine.load(path, file_format=file_format)
    except Exception as err:  # any unpickling / parsing failure
        raise AnnotationError(
            f'annotation file {path!r} cannot be read ({_short(err)}): it is '
            'not a PoseDataset pickle, or it is truncated or corrupt'
        ) from err


def load_annotation_file(path, expected=(dict, list)):
    """Load an annotation file (a PoseDataset pickle, usually).

    Args:
        path (str | os.PathLike): The file.
        expected (type | tuple[type]): Accepted types of the loaded object.
            Defaults to ``(dict, list)``: a PoseDataset dict
            (``split`` / ``annotations``) or a bare list of annotations.

    Returns:
        The loaded object.

    Raises:
        FileNotFoundError: ``annotation file 'P' does not exist``.
        AnnotationError: the file cannot be unpickled (the reason is given),
            or holds an object of another type.
    """
    path = osp.expanduser(str(path))
    if not osp.isfile(path):
        raise FileNotFoundError(f'annotation file {path!r} does not exist')
    data = _read(path)
    if not isinstance(data, expected):
        names = ' or '.join(t.__name__ for t in (
            expected if isinstance(expected, tuple) else (expected, )))
        raise AnnotationError(
            f'annotation file {path!r} holds a {type(data).__name__}, '
            f'expected a {names} (a PoseDataset file is a dict with '
            '"split" and "annotations")')
    return data
