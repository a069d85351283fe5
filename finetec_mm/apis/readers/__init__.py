# Copyright (c) FineTec authors. All rights reserved.
"""Readers of skeleton files, one module per format, and :func:`load_input`
which recognises the format and checks what was read.

========================  ==============================================
input                     reader
========================  ==============================================
folder                    OpenPose ``*_keypoints.json`` (:mod:`.openpose`)
``.json``                 ours (:mod:`.ours`), MMPose predictions
                          (:mod:`.mmpose`) or COCO keypoint results
                          (:mod:`.coco`), told apart by their keys
``.pkl`` / ``.pickle``    PoseDataset pickle (:mod:`.posedataset`)
``.npy`` / ``.npz``       NumPy arrays (:mod:`.arrays`)
========================  ==============================================
"""
import os.path as osp
from typing import List, Optional, Tuple, Union

from .arrays import read_npy, read_npz
from .checks import check_samples, finalize
from .coco import read_coco
from .common import read_json, where
from .mmpose import read_mmpose
from .openpose import read_openpose
from .ours import read_ours
from .posedataset import read_pickle

__all__ = ['detect_format', 'load_input', 'check_samples', 'finalize',
           'TRACKED_FORMATS']

EXTENSIONS = ('.pkl', '.pickle', '.npy', '.npz', '.json')
#: Formats with several people per frame, where ``person`` applies.
TRACKED_FORMATS = ('mmpose', 'openpose', 'coco')


def _json_kind(data, path: str) -> str:
    """'ours', 'mmpose' or 'coco' of parsed JSON, by its keys."""
    if isinstance(data, dict):
        if 'instance_info' in data:
            return 'mmpose'
        if 'frames' in data:
            return 'ours'
        if 'people' in data:
            raise ValueError(f'{where(path)}: one OpenPose frame; give the '
                             'folder of its *_keypoints.json files')
        raise ValueError(f'{where(path)}: a JSON object with keys '
                         f'{sorted(data)[:8]}, expected "frames" (ours) or '
                         '"instance_info" (MMPose)')
    if not isinstance(data, list) or not data:
        raise ValueError(f'{where(path)}: expected a JSON object or a '
                         'non-empty list')
    first = next((x for x in data if x is not None), None)
    if isinstance(first, dict) and 'frames' in first:
        return 'ours'
    if isinstance(first, dict) and 'image_id' in first:
        return 'coco'
    if first is None or isinstance(first, list) or (
            isinstance(first, dict) and 'instances' in first):
        return 'mmpose'
    got = sorted(first) if isinstance(first, dict) else type(first).__name__
    raise ValueError(f'{where(path)}: cannot tell the format: the first '
                     f'entry has {got}; expected "frames" (ours), '
                     '"instances" (MMPose) or "image_id" (COCO results)')


def detect_format(path: str) -> Tuple[str, object]:
    """The format of ``path`` ('ours', 'mmpose', 'coco', 'openpose',
    'pkl', 'npy' or 'npz') and, for JSON, the parsed content."""
    if osp.isdir(path):
        return 'openpose', None
    if not osp.isfile(path):
        raise FileNotFoundError(f'input file {path!r} does not exist')
    ext = osp.splitext(path)[1].lower()
    if ext not in EXTENSIONS:
        raise ValueError(f'{where(path)}: unknown extension {ext!r}, '
                         f"expected one of {', '.join(EXTENSIONS)} or an "
                         'OpenPose folder')
    if ext != '.json':
        return ext.lstrip('.').replace('pickle', 'pkl'), None
    data = read_json(path)
    return _json_kind(data, path), data


def load_input(path: str, num_joints: int = 17,
               split: Optional[str] = None,
               num_classes: Optional[int] = None,
               person: Union[str, int] = 'auto') -> List[dict]:
    """Read and check an input file or OpenPose folder.

    Args:
        path (str): The input.
        num_joints (int): V of the model's graph.
        split (str, optional): Keep one split of a ``.pkl``.
        num_classes (int, optional): Check labels against it.
        person ('auto' | int): Whom to follow in pose-estimator output
            (:func:`~finetec_mm.apis.tracking.select_person`).

    Returns:
        list[dict]: Annotations with ``frame_dir`` (the sample id),
        ``keypoint`` (M, T, V, 2) float32 pixels (0 in missing frames),
        ``keypoint_score`` (M, T, V) float32, ``total_frames`` and, where
        known, ``img_shape``, ``label`` and ``track``
        (:class:`~finetec_mm.apis.tracking.Track`).
    """
    kind, data = detect_format(path)
    if split is not None and kind != 'pkl':
        raise ValueError(f'{where(path)}: a split only applies to .pkl '
                         'input')
    if person != 'auto' and kind not in TRACKED_FORMATS:
        raise ValueError(f'{where(path)}: choosing a person ({person!r}) '
                         'applies to pose-estimator output (MMPose, '
                         f'OpenPose, COCO results), not to {kind} input')
    if kind == 'pkl':
        annos = read_pickle(path, split)
    elif kind == 'npy':
        annos = read_npy(path, num_joints)
    elif kind == 'npz':
        annos = read_npz(path, num_joints)
    elif kind == 'ours':
        annos = read_ours(path, data, num_joints)
    elif kind == 'mmpose':
        annos = read_mmpose(path, data, num_joints, person)
    elif kind == 'coco':
        annos = read_coco(path, data, num_joints, person)
    else:
        annos = read_openpose(path, num_joints, person)
    check_samples(annos, path, num_joints, num_classes)
    return finalize(annos)
