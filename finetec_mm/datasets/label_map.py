# Copyright (c) FineTec authors. All rights reserved.
"""Class-name files (``label_map.txt``: one class name per line, line i =
class i), as written by ``tools/data/generate_demo_data.py``."""
import os.path as osp
from typing import List, Optional, Sequence

LABEL_MAP_NAME = 'label_map.txt'


def read_label_map(path: str) -> List[str]:
    """Class names of a label-map file (blank lines skipped).

    Raises:
        FileNotFoundError: naming ``path`` if it does not exist.
        ValueError: naming ``path`` if it holds no name.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'label map {path!r} does not exist')
    with open(path, encoding='utf-8') as f:
        names = [line.strip() for line in f if line.strip()]
    if not names:
        raise ValueError(f'label map {path!r} holds no class name')
    return names


def default_label_map(ann_file: Optional[str]) -> Optional[str]:
    """``label_map.txt`` next to ``ann_file`` if that file exists, else
    None."""
    if not ann_file:
        return None
    path = osp.join(osp.dirname(osp.abspath(str(ann_file))), LABEL_MAP_NAME)
    return path if osp.isfile(path) else None


def class_name(index: int, names: Optional[Sequence[str]]) -> str:
    """``names[index]``, or the index as a string when there is no name."""
    if names is not None and 0 <= index < len(names):
        return names[index]
    return str(index)
