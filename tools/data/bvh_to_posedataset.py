"""Convert BVH motion-capture takes into a 2D COCO-17 PoseDataset pickle.

``python tools/data/bvh_to_posedataset.py INPUT [INPUT ...] --out PKL
[--skeleton auto|bandai|cmu|TABLE.json] [labels] [splits] [cameras]``

INPUT: BVH files, or folders searched recursively for ``*.bvh``. One
annotation per take (file): ``frame_dir`` = the file name without ``.bvh``,
``label``, ``img_shape`` = ``original_shape`` (h, w), ``total_frames``,
``keypoint`` float32 (1, T, 17, 2) in pixels and ``keypoint_score`` float32
(1, T, 17), 1 for every projected joint (the whole take is kept in view, so
every joint is). Top-level keys: ``split``, ``annotations``, ``label_names``
and ``meta`` (skeleton, units, cameras per take). The class list is also
written to ``--classes-out`` (default ``<out without .pkl>_classes.txt``,
one name per line, line i = label i: the ``--label-map`` of
``validate_dataset.py``).

BVH reading. Any hierarchy (several ROOTs allowed, ``End Site`` s kept as
joints named ``<joint>/End``) and any channels per joint, in any order:
``Xposition Yposition Zposition`` and ``Xrotation Yrotation Zrotation``
(3-channel, 6-channel or other joints). Forward kinematics: the rotation
channels are intrinsic rotations applied in the order listed, so a joint
with ``CHANNELS 3 Zrotation Xrotation Yrotation`` and angles (a, b, c)
degrees has the local rotation ``R = Rz(a) Rx(b) Ry(c)`` (column vectors);
its orientation is ``G = G_parent R`` and its position ``p = p_parent +
G_parent t``, with ``t`` the joint's OFFSET. Position channels replace the
OFFSET component of their axis (``--translation replace``, the usual
convention: a 6-channel child joint's position channels hold its bone
vector); ``--translation add`` adds them to the OFFSET instead. A root is
placed at ``t`` with orientation ``R``. The file's coordinates are taken as
right-handed.

Skeleton tables (``tools/data/skeletons/*.json``; ``--skeleton NAME`` for a
shipped one, a path for your own, ``auto`` picks the shipped table whose
joints are all in the first file). A table is a JSON object::

    {"joints": {"5": "UpperArm_L", "6": "UpperArm_R", ..., "16": "Foot_R"},
     "head": "Head", "up": "y", "unit_m": 0.01}

``joints`` maps COCO-17 indices (or COCO names such as ``left_shoulder``)
to BVH joint names (a list of names: the first one present). 5-16 are
required. Optional: ``head`` (the joint whose frame carries the face points
0-4 that are not in ``joints``), ``face`` ({COCO index: [left, up,
forward]} overriding the default face offsets below), ``head_axes``
({"left": AXIS, "up": AXIS}: the head joint's local axes that point to the
actor's left and up, e.g. ``{"left": "z", "up": "x"}``; without it they are
calibrated on each take, see below), ``up`` (vertical axis
of the files: x, y, z, -x, -y or -z; ``--up`` overrides; default y),
``unit_m`` (metres per file unit; ``--unit-m`` overrides; null: estimated)
and ``description``. Shipped: ``bandai`` (Bandai-Namco research motion
datasets 1 and 2: centimetres, Y up) and ``cmu`` (the common BVH conversion
of the CMU mocap database: Hips, LeftUpLeg, LeftLeg, LeftFoot, LeftArm,
LeftForeArm, LeftHand, Head, ...; Y up, unit estimated).

Face points. Motion capture has no face markers: COCO 0-4 (nose, eyes,
ears) not mapped by the table are placed at fixed offsets in the frame of
the table's ``head`` joint, scaled by the take's torso length ``s`` (mean
distance from the mid-hip to the mid-shoulder point). The face frame
(left, up, forward) turns with the head joint; which local axes of the head
joint are left and up is the table's ``head_axes``. A table without it
calibrates them per take: in every frame the body frame is up = mid-hip ->
mid-shoulder, left = left-minus-right shoulders plus hips made
perpendicular to it, forward = left x up; its mean orientation in the head
joint's local frame (averaged over the take, projected back onto a
rotation) is taken as the face frame. That assumes the head faces where
the torso does on average over the take (a head held bowed throughout is
then seen as upright), so give ``head_axes`` where they are known. Default
offsets (left, up, forward) x ``s`` from the head
joint: nose (0, 0.05, 0.25), eyes (+-0.08, 0.125, 0.20), ears (+-0.19,
0.075, -0.025); for a 40 cm torso (hip joints to shoulder joints of a
1.6 m adult): nose 10 cm in front of and 2 cm above the head joint, eyes
3.2 cm to each side, 5 cm up and 8 cm forward, ears 7.5 cm to each side,
3 cm up and 1 cm back (the centimetre offsets of ``cmu_to_bank.py``).

Units. Metres per file unit: ``--unit-m``, else the table's ``unit_m``,
else estimated from the first take: the body length ankle -> knee -> hip ->
mid-shoulder -> head joint (median over frames) is compared with 1.45 m
and the nearest of mm, cm, inch, CMU's ASF unit (1/0.45 inch) and m is
used.

Cameras. One static pinhole camera per take (principal point at the image
centre, no distortion), drawn from a generator seeded with ``--seed`` and
the take's name (a take's camera does not depend on the other takes): an
azimuth within +-``--azimuth`` degrees of the actor's mean facing over the
take (facing = left x up, averaged over the frames), a height above the
lowest joint of the take uniform in ``--height`` (metres), a focal length
uniform in ``--focal`` (pixels) and a distance uniform in ``--distance``
(metres, horizontal, from the centre of the take's bounding box, at which
the camera looks). Where that distance does not keep every joint of every
frame inside the image with ``--margin`` (a fraction of the width /
height) free on each side, the camera moves back to the nearest distance
that does (found coming in from afar, at least 1 m outside the actor's
path, so that a camera hovering just above the actor is never chosen):
takes that travel further are filmed from further away. ``--distance 0
0``: always that nearest distance (the person then fills the image).

Frame rate: the takes' own (``Frame Time``), or ``--fps`` (linear
interpolation of the 3D joints; an integer ratio keeps every k-th frame).

Labels. A take's class is a tuple of fields from ``--name-regex`` (a
regular expression matched against the whole file name without ``.bvh``;
its named groups are fields; a group named ``id`` orders the takes of a
class and is not part of the class) and/or ``--sidecar`` (the JSON object
in ``<take>.json`` next to the BVH file; its keys are fields).
``--class-fields`` picks and orders the fields (default: the regex's named
groups, then the sidecar's keys). ``--field-names KEY=FILE`` names the
integer values of a field by the lines of FILE (line i = value i; a prefix
that all lines share and that ends in ``_`` is removed). The class name is
the field names (or values) joined with ``/``. Labels: the index in
``--classes FILE`` (JSON list, JSON object with a ``classes`` list, or one
name per line; takes of other classes are skipped and counted), else the
rank of the class among those found, fields compared by value (integers as
numbers). Without ``--name-regex`` and ``--sidecar`` every take is class 0
(``all``). ``--include REGEX`` keeps only the takes whose name it matches
(``re.search``).

Splits (``--split-rule``): ``none`` (every take in the first split),
``every-nth:N`` (per class, takes sorted by id (natural order: numbers
compared as numbers; the name when there is no ``id`` group); the N-th,
2N-th, ... take goes to the second split), ``regex:PATTERN`` (takes whose
name ``re.search`` es PATTERN go to the second split). ``--split-names``
names the two splits (default ``train val``).

Errors: an unreadable or malformed BVH file (with the line), a joint of the
table missing from a file, a take whose name does not match
``--name-regex``, a missing or malformed sidecar, an unknown field and the
like stop the conversion with one line ``error: <file>: <fault>`` and exit
status 1.
"""
import argparse
import json
import os
import os.path as osp
import pickle
import re
import sys
import time
import zlib

import numpy as np

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

SKELETON_DIR = osp.join(osp.dirname(osp.abspath(__file__)), 'skeletons')
COCO_NAMES = ('nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear',
              'left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow',
              'left_wrist', 'right_wrist', 'left_hip', 'right_hip',
              'left_knee', 'right_knee', 'left_ankle', 'right_ankle')
L_SHO, R_SHO, L_HIP, R_HIP = 5, 6, 11, 12
#: Face points (COCO 0-4) as (left, up, forward) in torso lengths from the
#: head joint.
FACE_OFFSETS = {0: (0.0, 0.05, 0.25), 1: (0.08, 0.125, 0.20),
                2: (-0.08, 0.125, 0.20), 3: (0.19, 0.075, -0.025),
                4: (-0.19, 0.075, -0.025)}
#: Ankle -> knee -> hip -> mid-shoulder -> head joint of an adult (metres).
BODY_LENGTH_M = 1.45
UNITS_M = {'mm': 0.001, 'cm': 0.01, 'inch': 0.0254,
           'CMU ASF unit': 0.0254 / 0.45, 'm': 1.0}
AXES = {'x': 0, 'y': 1, 'z': 2}
NEAR_M = 0.1
#: Least horizontal distance (m) between a camera and the actor's path.
MIN_CLEARANCE_M = 1.0


class BvhError(ValueError):
    """A BVH file, sidecar, table or option that cannot be converted (the
    message names the file and the fault)."""


# ------------------------------------------------------------------ BVH
class Bvh:
    """A parsed BVH file.

    Attributes:
        path (str): the file.
        names (list[str]): joint names in file order (End Sites:
            ``<parent>/End``).
        parents (list[int]): parent index per joint (-1: a root).
        offsets (np.ndarray): (J, 3) OFFSETs.
        channels (list[tuple[str]]): channel names per joint, normalised to
            ``Xposition`` ... ``Zrotation``.
        columns (list[int]): first motion column of each joint.
        frame_time (float): seconds per frame.
        motion (np.ndarray): (F, C) float64 channel values.
    """

    def __init__(self, path):
        self.path = path
        self.names, self.parents, self.offsets = [], [], []
        self.channels, self.columns = [], []
        self.frame_time, self.motion = None, None

    @property
    def num_channels(self):
        return sum(len(c) for c in self.channels)

    def index(self, name):
        return self.names.index(name)


def _channel_name(token):
    t = token.lower()
    if len(t) == 9 and t[0] in AXES and t[1:] in ('position', 'rotation'):
        return t[0].upper() + t[1:]
    return None


class _Tokens:
    """Whitespace tokens of the hierarchy part with their line numbers."""

    def __init__(self, path, lines):
        self.path = path
        self.items = [(i + 1, tok) for i, ln in enumerate(lines)
                      for tok in ln.split()]
        self.pos = 0
        self.last_line = len(lines)

    def peek(self):
        return self.items[self.pos][1] if self.pos < len(self.items) else None

    def next(self, what):
        if self.pos >= len(self.items):
            raise BvhError(f'{self.path}: line {self.last_line}: hierarchy '
                           f'ends where {what} was expected')
        self.pos += 1
        return self.items[self.pos - 1]

    def expect(self, word):
        line, tok = self.next(repr(word))
        if tok != word:
            raise BvhError(f'{self.path}: line {line}: expected {word!r}, '
                           f'found {tok!r}')
        return line

    def number(self, what):
        line, tok = self.next(what)
        try:
            value = float(tok)
        except ValueError:
            raise BvhError(f'{self.path}: line {line}: {what}: {tok!r} is '
                           'not a number') from None
        if not np.isfinite(value):
            raise BvhError(f'{self.path}: line {line}: {what} is {tok}')
        return value


def _parse_joint(toks, bvh, parent, end_site=False):
    path = bvh.path
    if end_site:
        name, k = f'{bvh.names[parent]}/End', 1
        while name in bvh.names:
            k += 1
            name = f'{bvh.names[parent]}/End{k}'
        line = toks.expect('{')
    else:
        name_tokens = []
        while toks.peek() not in ('{', None):
            name_tokens.append(toks.next('a joint name')[1])
        line = toks.expect('{')
        if not name_tokens:
            raise BvhError(f'{path}: line {line}: joint without a name')
        name = ' '.join(name_tokens)
    if name in bvh.names:
        raise BvhError(f'{path}: line {line}: joint name {name!r} occurs '
                       'twice')
    j = len(bvh.names)
    bvh.names.append(name)
    bvh.parents.append(parent)
    bvh.offsets.append(None)
    bvh.channels.append(())
    while True:
        line, tok = toks.next("'}'")
        if tok == '}':
            break
        if tok == 'OFFSET':
            bvh.offsets[j] = [toks.number(f'OFFSET of {name!r}')
                              for _ in range(3)]
        elif tok == 'CHANNELS' and not end_site:
            n = toks.number(f'CHANNELS count of {name!r}')
            if n != int(n) or n < 0:
                raise BvhError(f'{path}: line {line}: CHANNELS count of '
                               f'{name!r} is {n:g}')
            chans = []
            for _ in range(int(n)):
                cline, ctok = toks.next(f'a channel of {name!r}')
                c = _channel_name(ctok)
                if c is None:
                    raise BvhError(
                        f'{path}: line {cline}: joint {name!r}: unknown '
                        f'channel {ctok!r} (CHANNELS {int(n)} expects '
                        f'{int(n)} of Xposition, Yposition, Zposition, '
                        'Xrotation, Yrotation, Zrotation)')
                chans.append(c)
            bvh.channels[j] = tuple(chans)
        elif tok == 'JOINT' and not end_site:
            _parse_joint(toks, bvh, j)
        elif tok == 'End' and not end_site:
            toks.expect('Site')
            _parse_joint(toks, bvh, j, end_site=True)
        else:
            raise BvhError(f'{path}: line {line}: unexpected {tok!r} in '
                           f'joint {name!r}')
    if bvh.offsets[j] is None:
        raise BvhError(f'{path}: line {line}: joint {name!r} has no OFFSET')


def parse_bvh(path):
    """Read a BVH file into a :class:`Bvh`; raises :class:`BvhError` naming
    the file (and the line) for anything malformed."""
    try:
        with open(path, encoding='utf-8', errors='strict') as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        raise BvhError(f'{path}: cannot be read ({e})') from e
    lines = text.splitlines()
    bvh = Bvh(path)
    first = next((i for i, ln in enumerate(lines) if ln.strip()), None)
    if first is None or lines[first].split()[0] != 'HIERARCHY':
        raise BvhError(f'{path}: not a BVH file (does not start with '
                       'HIERARCHY)')
    motion_at = next((i for i, ln in enumerate(lines)
                      if ln.split()[:1] == ['MOTION']), None)
    if motion_at is None:
        raise BvhError(f'{path}: no MOTION section')
    toks = _Tokens(path, lines[:motion_at])
    toks.expect('HIERARCHY')
    while toks.peek() is not None:
        line, tok = toks.next('ROOT')
        if tok != 'ROOT':
            raise BvhError(f'{path}: line {line}: expected ROOT, found '
                           f'{tok!r}')
        _parse_joint(toks, bvh, -1)
    if not bvh.names:
        raise BvhError(f'{path}: HIERARCHY holds no joint')
    bvh.offsets = np.asarray(bvh.offsets, dtype=np.float64)
    col = 0
    for chans in bvh.channels:
        bvh.columns.append(col)
        col += len(chans)

    header = {}
    i = motion_at + 1
    while i < len(lines) and len(header) < 2:
        ln = lines[i].strip()
        i += 1
        if not ln:
            continue
        m = re.fullmatch(r'Frames\s*:\s*(\S+)', ln)
        if m is None:
            m = re.fullmatch(r'Frame\s+Time\s*:\s*(\S+)', ln)
            key = 'time'
        else:
            key = 'frames'
        if m is None:
            raise BvhError(f'{path}: line {i}: expected "Frames: N" and '
                           f'"Frame Time: t" after MOTION, found {ln[:40]!r}')
        try:
            header[key] = float(m.group(1))
        except ValueError:
            raise BvhError(f'{path}: line {i}: {m.group(1)!r} is not a '
                           'number') from None
    if set(header) != {'frames', 'time'}:
        raise BvhError(f'{path}: MOTION lacks "Frames: N" or "Frame Time: t"')
    n_frames, bvh.frame_time = header['frames'], header['time']
    if n_frames != int(n_frames) or n_frames < 1:
        raise BvhError(f'{path}: Frames: {n_frames:g} (no frames)')
    if not (np.isfinite(bvh.frame_time) and bvh.frame_time > 0):
        raise BvhError(f'{path}: Frame Time: {bvh.frame_time:g} is not a '
                       'positive number of seconds')
    n_frames, n_cols = int(n_frames), bvh.num_channels
    rows = []
    for k in range(i, len(lines)):
        tokens = lines[k].split()
        if not tokens:
            continue
        if len(tokens) != n_cols:
            raise BvhError(f'{path}: line {k + 1}: {len(tokens)} values, '
                           f'the hierarchy has {n_cols} channels')
        try:
            rows.append(np.array(tokens, dtype=np.float64))
        except ValueError:
            bad = next(t for t in tokens if not _is_float(t))
            raise BvhError(f'{path}: line {k + 1}: {bad!r} is not a '
                           'number') from None
        if not np.isfinite(rows[-1]).all():
            raise BvhError(f'{path}: line {k + 1}: NaN or infinite value')
    if len(rows) != n_frames:
        raise BvhError(f'{path}: declares {n_frames} frames, holds '
                       f'{len(rows)}')
    bvh.motion = np.stack(rows) if n_cols else np.zeros((n_frames, 0))
    return bvh


def _is_float(token):
    try:
        float(token)
        return True
    except ValueError:
        return False


def axis_rotation(axis, degrees):
    """Rotation matrices (N, 3, 3) about axis 0/1/2 (x/y/z) by ``degrees``
    (N,), right-handed (column vectors)."""
    a = np.radians(np.asarray(degrees, dtype=np.float64))
    c, s = np.cos(a), np.sin(a)
    R = np.zeros(a.shape + (3, 3))
    i, j = [(1, 2), (2, 0), (0, 1)][axis]
    R[..., axis, axis] = 1
    R[..., i, i] = c
    R[..., j, j] = c
    R[..., i, j] = -s
    R[..., j, i] = s
    return R


def forward_kinematics(bvh, translation='replace'):
    """World positions (F, J, 3) and orientations (F, J, 3, 3) of every
    joint (module docstring for the conventions)."""
    if translation not in ('replace', 'add'):
        raise ValueError(f'translation must be replace or add, got '
                         f'{translation!r}')
    F, J = len(bvh.motion), len(bvh.names)
    pos = np.zeros((F, J, 3))
    rot = np.zeros((F, J, 3, 3))
    for j in range(J):
        t = np.repeat(bvh.offsets[j][None], F, axis=0)
        R = np.broadcast_to(np.eye(3), (F, 3, 3)).copy()
        for k, ch in enumerate(bvh.channels[j]):
            v = bvh.motion[:, bvh.columns[j] + k]
            axis = AXES[ch[0].lower()]
            if ch.endswith('position'):
                if translation == 'replace':
                    t[:, axis] = v
                else:
                    t[:, axis] += v
            else:
                R = R @ axis_rotation(axis, v)
        p = bvh.parents[j]
        if p < 0:
            pos[:, j], rot[:, j] = t, R
        else:
            pos[:, j] = pos[:, p] + np.einsum('fij,fj->fi', rot[:, p], t)
            rot[:, j] = rot[:, p] @ R
    return pos, rot


# -------------------------------------------------------- skeleton tables
def shipped_skeletons():
    """Names of the tables in ``tools/data/skeletons``."""
    return sorted(osp.splitext(f)[0] for f in os.listdir(SKELETON_DIR)
                  if f.endswith('.json'))


def _coco_index(key, where):
    k = str(key).strip()
    if k.isdigit() and int(k) < 17:
        return int(k)
    if k in COCO_NAMES:
        return COCO_NAMES.index(k)
    raise BvhError(f'{where}: {key!r} is not a COCO-17 index (0-16) or name '
                   f'({", ".join(COCO_NAMES)})')


def load_skeleton(spec):
    """A skeleton table (shipped name or JSON path) as a dict: ``name``,
    ``path``, ``joints`` {COCO index: [joint names]}, ``head``, ``face``
    {COCO index: (left, up, forward)}, ``up``, ``unit_m``."""
    path = spec
    if not spec.endswith('.json') and osp.sep not in spec:
        path = osp.join(SKELETON_DIR, spec + '.json')
        if not osp.isfile(path):
            raise BvhError(f'unknown skeleton {spec!r}: shipped tables are '
                           f'{", ".join(shipped_skeletons())}, or give a '
                           '.json path')
    if not osp.isfile(path):
        raise FileNotFoundError(f'skeleton table {path!r} does not exist')
    try:
        with open(path) as f:
            table = json.load(f)
    except (OSError, ValueError) as e:
        raise BvhError(f'{path}: not a readable JSON table ({e})') from e
    if not isinstance(table, dict) or not isinstance(table.get('joints'),
                                                     dict):
        raise BvhError(f'{path}: a skeleton table is a JSON object with a '
                       '"joints" object {COCO index: joint name}')
    joints = {}
    for key, names in table['joints'].items():
        idx = _coco_index(key, f'{path}: joints')
        names = [names] if isinstance(names, str) else names
        if (not isinstance(names, list) or not names
                or not all(isinstance(n, str) and n for n in names)):
            raise BvhError(f'{path}: joints: COCO {idx} maps to {names!r}, '
                           'expected a joint name or a list of names')
        joints[idx] = names
    missing = [i for i in range(5, 17) if i not in joints]
    if missing:
        raise BvhError(f'{path}: joints: COCO {missing} '
                       f'({", ".join(COCO_NAMES[i] for i in missing)}) not '
                       'mapped; 5-16 are required')
    face = dict(FACE_OFFSETS)
    for key, off in (table.get('face') or {}).items():
        idx = _coco_index(key, f'{path}: face')
        if (idx > 4 or not isinstance(off, list) or len(off) != 3
                or not all(isinstance(v, (int, float)) for v in off)):
            raise BvhError(f'{path}: face: {key!r}: expected a face point '
                           '0-4 with [left, up, forward] numbers')
        face[idx] = tuple(float(v) for v in off)
    face = {i: o for i, o in face.items() if i not in joints}
    head = table.get('head')
    if face and not isinstance(head, str):
        raise BvhError(f'{path}: "head" (the joint carrying the face points '
                       f'{sorted(face)}) is missing')
    unit = table.get('unit_m')
    if unit is not None and not (isinstance(unit, (int, float)) and unit > 0):
        raise BvhError(f'{path}: unit_m must be a positive number or null, '
                       f'got {unit!r}')
    up = table.get('up') or 'y'
    parse_up(up, path)
    head_axes = table.get('head_axes')
    if head_axes is not None:
        if (not isinstance(head_axes, dict)
                or set(head_axes) != {'left', 'up'}):
            raise BvhError(f'{path}: head_axes must be {{"left": AXIS, "up": '
                           f'AXIS}} (local axes of the head joint), got '
                           f'{head_axes!r}')
        la = signed_axis(head_axes['left'], f'{path}: head_axes')
        ua = signed_axis(head_axes['up'], f'{path}: head_axes')
        if abs(la @ ua) > 0:
            raise BvhError(f'{path}: head_axes left and up must be different '
                           'axes')
        head_axes = np.stack([la, ua, np.cross(la, ua)], axis=-1)
    return dict(name=osp.splitext(osp.basename(path))[0], path=path,
                joints=joints, head=head if face else None, face=face,
                head_axes=head_axes,
                up=up, unit_m=unit, description=table.get('description', ''))


def resolve_joints(table, bvh):
    """{COCO index: joint index} and the head joint index of ``bvh``;
    raises BvhError naming the file and the missing joint."""
    out = {}
    for idx, names in sorted(table['joints'].items()):
        hit = next((n for n in names if n in bvh.names), None)
        if hit is None:
            raise BvhError(
                f'{bvh.path}: joint {" or ".join(map(repr, names))} of '
                f'skeleton {table["name"]!r} (COCO {idx} {COCO_NAMES[idx]}) '
                'is not in the file')
        out[idx] = bvh.index(hit)
    head = None
    if table['head'] is not None:
        if table['head'] not in bvh.names:
            raise BvhError(f'{bvh.path}: head joint {table["head"]!r} of '
                           f'skeleton {table["name"]!r} is not in the file')
        head = bvh.index(table['head'])
    return out, head


def pick_skeleton(spec, bvh):
    """The table for ``spec`` (``auto``: the first shipped table whose joints
    are all in ``bvh``)."""
    if spec != 'auto':
        table = load_skeleton(spec)
        resolve_joints(table, bvh)
        return table
    faults = []
    for name in shipped_skeletons():
        table = load_skeleton(name)
        try:
            resolve_joints(table, bvh)
            return table
        except BvhError as e:
            faults.append(f'{name}: {str(e).split(": ", 1)[1]}')
    raise BvhError(f'{bvh.path}: no shipped skeleton table fits ('
                   + '; '.join(faults) + '); write one (--skeleton '
                   'TABLE.json, see --help)')


def parse_up(up, where='--up'):
    """Rotation (3, 3) taking the files' ``up`` axis to +y (right-handed)."""
    u = signed_axis(up, where)
    x = np.array([0., 0., 1.]) if abs(u[0]) else np.array([1., 0., 0.])
    return np.stack([x, u, np.cross(x, u)])


# ------------------------------------------------------------ geometry
def _unit(v, eps=1e-9):
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.maximum(n, eps), n[..., 0]


def body_frames(coco):
    """Per frame (left, up, forward) unit vectors of the body (F, 3) each:
    up = mid-hip -> mid-shoulder, left from the shoulders and hips."""
    mid_hip = (coco[:, L_HIP] + coco[:, R_HIP]) / 2
    mid_sho = (coco[:, L_SHO] + coco[:, R_SHO]) / 2
    up, torso = _unit(mid_sho - mid_hip)
    left = (coco[:, L_SHO] - coco[:, R_SHO]) + (coco[:, L_HIP] -
                                                coco[:, R_HIP])
    left, width = _unit(left - (left * up).sum(-1, keepdims=True) * up)
    return left, up, np.cross(left, up), torso, width


def nearest_rotation(M):
    """The rotation nearest to the 3x3 matrix ``M`` (SVD projection)."""
    U, _, Vt = np.linalg.svd(M)
    D = np.diag([1.0, 1.0, np.sign(np.linalg.det(U @ Vt))])
    return U @ D @ Vt


def signed_axis(spec, where):
    """Unit vector (3,) of ``x``, ``-y``, ``+z`` ..."""
    m = re.fullmatch(r'([+-]?)([xyz])', str(spec).strip().lower())
    if m is None:
        raise BvhError(f'{where}: axis must be x, y, z, -x, -y or -z, got '
                       f'{spec!r}')
    u = np.zeros(3)
    u[AXES[m.group(2)]] = -1.0 if m.group(1) == '-' else 1.0
    return u


def head_calibration(head_rot, left, up, fwd):
    """Rotation (3, 3) whose columns are the body's (left, up, forward)
    in the head joint's local frame: the mean over the take of the body
    frame seen from the head joint, projected onto a rotation."""
    A = np.stack([left, up, fwd], axis=-1)  # columns: body axes in world
    return nearest_rotation(np.einsum('fji,fjk->ik', head_rot, A) / len(A))


def face_points(coco, head_pos, head_rot, offsets, head_axes=None, path=''):
    """Place the face points ``offsets`` {COCO index: (left, up, forward)}
    (torso lengths) in the frame of the head joint (module docstring):
    ``head_axes`` (3, 3) columns = (left, up, forward) in the head joint's
    local frame, or None to calibrate them on the take. Fills ``coco``
    (F, 17, 3) in place."""
    left, up, fwd, torso, width = body_frames(coco)
    if torso.min() <= 1e-9 or width.min() <= 1e-9:
        raise BvhError(f'{path}: degenerate body (hips and shoulders '
                       'coincide in some frame): cannot place the face')
    calib = head_axes
    if calib is None:
        calib = head_calibration(head_rot, left, up, fwd)
    frame = head_rot @ calib  # (F, 3, 3): columns left, up, forward
    scale = torso.mean()
    for idx, off in offsets.items():
        coco[:, idx] = head_pos + scale * frame @ np.asarray(off)
    return coco


def body_length(coco, head_pos):
    """Median over frames of ankle -> knee -> hip -> mid-shoulder -> head
    joint (file units); legs averaged over both sides."""
    n = np.linalg.norm
    leg = (n(coco[:, 15] - coco[:, 13], axis=-1) + n(coco[:, 13] -
           coco[:, 11], axis=-1) + n(coco[:, 16] - coco[:, 14], axis=-1) +
           n(coco[:, 14] - coco[:, 12], axis=-1)) / 2
    mid_hip = (coco[:, L_HIP] + coco[:, R_HIP]) / 2
    mid_sho = (coco[:, L_SHO] + coco[:, R_SHO]) / 2
    return float(np.median(leg + n(mid_sho - mid_hip, axis=-1) +
                           n(head_pos - mid_sho, axis=-1)))


def guess_unit(length):
    """(name, metres per unit) making ``length`` nearest to 1.45 m."""
    if not length > 0:
        raise BvhError('cannot estimate the length unit of a body of zero '
                       'size; pass --unit-m')
    return min(UNITS_M.items(),
               key=lambda kv: abs(np.log(length * kv[1] / BODY_LENGTH_M)))


def take_coco(bvh, table, rotate_up, translation='replace'):
    """COCO-17 joints (F, 17, 3) in file units, y up, with the face, and the
    head joint's positions (F, 3)."""
    mapping, head = resolve_joints(table, bvh)
    pos, rot = forward_kinematics(bvh, translation)
    pos = pos @ rotate_up.T
    coco = np.zeros((len(pos), 17, 3))
    for idx, j in mapping.items():
        coco[:, idx] = pos[:, j]
    head_pos = pos[:, head] if head is not None else coco[:, 0]
    if table['face']:
        face_points(coco, head_pos, rotate_up @ rot[:, head], table['face'],
                    table['head_axes'], bvh.path)
    return coco, head_pos


def resample(x, src_fps, dst_fps):
    """Resample (F, ...) from ``src_fps`` to ``dst_fps`` (linear in time;
    an integer ratio keeps every k-th frame)."""
    if dst_fps is None or abs(src_fps - dst_fps) < 1e-6 * src_fps:
        return x
    ratio = src_fps / dst_fps
    if abs(ratio - round(ratio)) < 1e-6 and round(ratio) >= 1:
        return x[::int(round(ratio))]
    t = np.arange(0, len(x) - 1 + 1e-9, ratio)
    i0 = np.floor(t).astype(int)
    i1 = np.minimum(i0 + 1, len(x) - 1)
    w = (t - i0).reshape((-1, ) + (1, ) * (x.ndim - 1))
    return x[i0] * (1 - w) + x[i1] * w


def facing(coco):
    """Mean horizontal facing (unit (3,), y up) of a take."""
    left, _, _, _, _ = body_frames(coco)
    left = left * [1, 0, 1]
    fwd = np.cross(left, [0.0, 1.0, 0.0]).mean(0)
    fwd, n = _unit(fwd)
    return fwd if n > 1e-6 else np.array([0.0, 0.0, 1.0])


def look_at(cam_pos, target):
    """World-to-camera rotation (rows: right, down, forward; OpenCV)."""
    f, _ = _unit(np.asarray(target, float) - cam_pos)
    r, n = _unit(np.cross(f, [0.0, 1.0, 0.0]))
    if n < 1e-9:
        raise ValueError('camera looks straight up or down')
    return np.stack([r, np.cross(f, r), f])


def project(points, cam_pos, rot, focal, img_shape):
    """Pinhole projection of world points (..., 3) (y up): pixels (..., 2)
    (x right, y down, origin top-left, principal point at the centre) and
    depth (...)."""
    pc = (np.asarray(points, float) - cam_pos) @ rot.T
    z = pc[..., 2]
    h, w = img_shape
    with np.errstate(divide='ignore', invalid='ignore'):
        uv = focal * pc[..., :2] / z[..., None] + [w / 2.0, h / 2.0]
    return uv, z


def place_camera(coco, rng, img_shape, azimuth=60.0, height=(1.2, 1.9),
                 focal=(1000.0, 1400.0), margin=0.05, distance=(3.2, 5.5)):
    """Draw and fit one static camera to a take ``coco`` (F, 17, 3) metres,
    y up (module docstring). Returns (uv (F, 17, 2), camera dict)."""
    pts = coco.reshape(-1, 3)
    lo, hi = pts.min(0), pts.max(0)
    target = (lo + hi) / 2
    face_dir = facing(coco)
    az = rng.uniform(-azimuth, azimuth)
    cam_h = rng.uniform(*height)
    f = rng.uniform(*focal)
    wanted = rng.uniform(*distance)
    a = np.radians(az)
    direction = np.array([
        face_dir[0] * np.cos(a) + face_dir[2] * np.sin(a), 0.0,
        -face_dir[0] * np.sin(a) + face_dir[2] * np.cos(a)])
    radius = np.linalg.norm((pts - target)[:, [0, 2]], axis=1).max()
    h, w = img_shape

    def fit(d):
        c = target + d * direction
        c[1] = lo[1] + cam_h
        rot = look_at(c, target)
        uv, z = project(pts, c, rot, f, img_shape)
        ok = (z.min() > NEAR_M and uv[:, 0].min() >= margin * w
              and uv[:, 0].max() <= (1 - margin) * w
              and uv[:, 1].min() >= margin * h
              and uv[:, 1].max() <= (1 - margin) * h)
        return ok, c, rot

    # from far away (where the take surely fits) move in by 20 % steps
    # until it no longer fits, then bisect: the nearest distance of the
    # range of distances that reaches infinity (a camera just above a
    # standing actor can fit everything too, looking down at them)
    near = radius + MIN_CLEARANCE_M
    hi_d = near + 100.0 * max(np.ptp(pts, axis=0).max(), 1.0)
    if not fit(hi_d)[0]:
        raise ValueError('no camera distance keeps the take in view')
    while hi_d > near and fit(max(0.8 * hi_d, near))[0]:
        hi_d = max(0.8 * hi_d, near)
    lo_d = max(0.8 * hi_d, near)
    if lo_d < hi_d:
        for _ in range(25):
            mid = (lo_d + hi_d) / 2
            lo_d, hi_d = (lo_d, mid) if fit(mid)[0] else (mid, hi_d)
    dist = max(hi_d, wanted)
    _, c, rot = fit(dist)
    uv, _ = project(coco, c, rot, f, img_shape)
    yaw = np.degrees(np.arctan2(direction[0], direction[2]))
    return uv, dict(azimuth_from_facing_deg=round(float(az), 2),
                    drawn_distance_m=round(float(wanted), 3),
                    target_m=[round(float(v), 4) for v in target],
                    yaw_deg=round(float(yaw), 2),
                    height_m=round(float(cam_h), 3),
                    focal_px=round(float(f), 1),
                    distance_m=round(float(dist), 3),
                    position_m=[round(float(v), 4) for v in c])


# ---------------------------------------------------- labels and splits
def natural_key(s):
    return [(0, int(t), '') if t.isdigit() else (1, 0, t)
            for t in re.split(r'(\d+)', str(s)) if t]


def find_bvh(inputs):
    """Sorted BVH paths of ``inputs`` (files, or folders searched
    recursively)."""
    files = []
    for item in inputs:
        if osp.isdir(item):
            for d, dirs, names in os.walk(item):
                dirs.sort()
                files += [osp.join(d, n) for n in sorted(names)
                          if n.lower().endswith('.bvh')]
        elif osp.isfile(item):
            files.append(item)
        else:
            raise FileNotFoundError(f'input {item!r} does not exist')
    if not files:
        raise BvhError(f'no .bvh file in {", ".join(inputs)}')
    return files


def read_field_names(spec):
    """``KEY=FILE`` -> (key, [names]); a shared prefix ending in ``_`` is
    removed from the names."""
    if '=' not in spec:
        raise BvhError(f'--field-names {spec!r}: expected KEY=FILE')
    key, path = spec.split('=', 1)
    if not osp.isfile(path):
        raise FileNotFoundError(f'field names file {path!r} (--field-names '
                                f'{key}) does not exist')
    with open(path) as f:
        names = [ln.strip() for ln in f if ln.strip()]
    if not names:
        raise BvhError(f'{path}: no names (--field-names {key})')
    prefix = osp.commonprefix(names)
    prefix = prefix[:prefix.rfind('_') + 1]
    if len(names) > 1 and prefix:
        names = [n[len(prefix):] for n in names]
    return key, names


def read_class_list(path):
    if not osp.isfile(path):
        raise FileNotFoundError(f'class list {path!r} does not exist')
    with open(path) as f:
        text = f.read()
    try:
        obj = json.loads(text)
    except ValueError:
        obj = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if isinstance(obj, dict):
        obj = obj.get('classes')
    if (not isinstance(obj, list) or not obj
            or not all(isinstance(c, str) for c in obj)):
        raise BvhError(f'{path}: expected a JSON list of class names, a JSON '
                       'object with a "classes" list, or one name per line')
    if len(set(obj)) != len(obj):
        raise BvhError(f'{path}: a class is listed twice')
    return obj


def take_fields(path, stem, name_regex, sidecar):
    """(fields dict, id) of a take from its name and sidecar."""
    fields, take_id = {}, stem
    if name_regex is not None:
        m = name_regex.fullmatch(stem)
        if m is None:
            raise BvhError(f'{path}: name {stem!r} does not match '
                           f'--name-regex {name_regex.pattern!r}')
        for k, v in m.groupdict().items():
            if k == 'id':
                take_id = v
            else:
                fields[k] = int(v) if v is not None and v.isdigit() else v
    if sidecar:
        side = osp.splitext(path)[0] + '.json'
        if not osp.isfile(side):
            raise BvhError(f'{path}: sidecar {side!r} does not exist')
        try:
            with open(side) as f:
                obj = json.load(f)
        except (OSError, ValueError) as e:
            raise BvhError(f'{side}: not readable JSON ({e})') from e
        if not isinstance(obj, dict):
            raise BvhError(f'{side}: expected a JSON object of fields, got '
                           f'{type(obj).__name__}')
        for k, v in obj.items():
            if not isinstance(v, (int, str)) or isinstance(v, bool):
                raise BvhError(f'{side}: field {k!r} is {v!r}; labels need '
                               'integers or strings')
            fields[k] = v
    return fields, take_id


def collect_takes(files, name_regex=None, sidecar=False, class_fields=None,
                  field_names=None, classes=None, include=None):
    """Label every take. Returns (takes, label_names, skipped) with takes a
    list of dicts (path, name, id, class_name, label)."""
    rx = re.compile(name_regex) if name_regex else None
    inc = re.compile(include) if include else None
    field_names = field_names or {}
    takes, seen = [], {}
    for path in files:
        stem = osp.splitext(osp.basename(path))[0]
        if inc is not None and not inc.search(stem):
            continue
        if stem in seen:
            raise BvhError(f'{path}: take name {stem!r} also used by '
                           f'{seen[stem]} (frame_dir must be unique)')
        seen[stem] = path
        fields, take_id = take_fields(path, stem, rx, sidecar)
        names = list(class_fields) if class_fields else list(fields)
        key, parts = [], []
        for k in names:
            if k not in fields:
                raise BvhError(f'{path}: no field {k!r} (fields of this '
                               f'take: {sorted(fields) or "none"})')
            v = fields[k]
            key.append((0, v, '') if isinstance(v, int) else (1, 0, v))
            if k in field_names:
                if not isinstance(v, int) or not 0 <= v < len(
                        field_names[k]):
                    raise BvhError(f'{path}: field {k!r} = {v!r} has no name '
                                   f'(--field-names {k} has '
                                   f'{len(field_names[k])} lines)')
                v = field_names[k][v]
            parts.append(str(v))
        takes.append(dict(path=path, name=stem, id=take_id, key=tuple(key),
                          class_name='/'.join(parts) or 'all'))
    if not takes:
        raise BvhError('no take left after --include '
                       f'{include!r}' if include else 'no take')
    skipped = []
    if classes is not None:
        label_names = list(classes)
        kept = []
        for t in takes:
            if t['class_name'] in label_names:
                kept.append(t)
            else:
                skipped.append(t['name'])
        takes = kept
        if not takes:
            raise BvhError('no take belongs to a class of --classes '
                           f'(first take: {skipped[0]!r})')
    else:
        by_key = {}
        for t in takes:
            by_key.setdefault(t['key'], t['class_name'])
        label_names = [by_key[k] for k in sorted(by_key)]
        if len(set(label_names)) != len(label_names):
            raise BvhError('two classes have the same name; check '
                           '--field-names')
    for t in takes:
        t['label'] = label_names.index(t['class_name'])
    return takes, label_names, skipped


def assign_splits(takes, rule, split_names=('train', 'val')):
    """{split name: [take names]} by ``rule`` (module docstring)."""
    first, second = split_names
    rule = rule.strip()
    held = set()
    if rule == 'none':
        return {first: [t['name'] for t in takes]}
    if rule.startswith('every-nth:'):
        try:
            n = int(rule.split(':', 1)[1])
        except ValueError:
            n = 0
        if n < 2:
            raise BvhError(f'--split-rule {rule!r}: N must be an integer '
                           '>= 2')
        by_class = {}
        for t in takes:
            by_class.setdefault(t['label'], []).append(t)
        for group in by_class.values():
            group.sort(key=lambda t: (natural_key(t['id']),
                                      natural_key(t['name'])))
            held |= {t['name'] for i, t in enumerate(group) if i % n == n - 1}
    elif rule.startswith('regex:'):
        try:
            rx = re.compile(rule.split(':', 1)[1])
        except re.error as e:
            raise BvhError(f'--split-rule {rule!r}: bad regex ({e})') from e
        held = {t['name'] for t in takes if rx.search(t['name'])}
    else:
        raise BvhError(f'--split-rule {rule!r}: expected none, every-nth:N '
                       'or regex:PATTERN')
    return {first: [t['name'] for t in takes if t['name'] not in held],
            second: [t['name'] for t in takes if t['name'] in held]}


# ------------------------------------------------------------- convert
def convert(inputs, skeleton='auto', up=None, unit_m=None,
            translation='replace', fps=None, img_shape=(1080, 1920),
            focal=(1000.0, 1400.0), height=(1.2, 1.9), azimuth=60.0,
            margin=0.05, distance=(3.2, 5.5), seed=0, name_regex=None,
            sidecar=False, class_fields=None, field_names=(), classes=None,
            include=None, split_rule='none', split_names=('train', 'val'),
            progress=True):
    """Build the PoseDataset dict. Returns (data, stats)."""
    img_shape = tuple(int(s) for s in img_shape)
    if len(img_shape) != 2 or min(img_shape) <= 0:
        raise BvhError(f'--img-shape must be two positive sizes (h w), got '
                       f'{img_shape}')
    for name, (a, b) in (('--focal', focal), ('--height', height)):
        if not 0 < a <= b:
            raise BvhError(f'{name} must be 0 < MIN <= MAX, got {a:g} {b:g}')
    if not 0 <= distance[0] <= distance[1]:
        raise BvhError(f'--distance must be 0 <= MIN <= MAX, got '
                       f'{distance[0]:g} {distance[1]:g}')
    if not 0 <= margin < 0.5:
        raise BvhError(f'--margin must be in [0, 0.5), got {margin:g}')
    if fps is not None and not fps > 0:
        raise BvhError(f'--fps must be > 0, got {fps:g}')
    if unit_m is not None and not unit_m > 0:
        raise BvhError(f'--unit-m must be > 0, got {unit_m:g}')
    if len(split_names) != 2 or split_names[0] == split_names[1]:
        raise BvhError(f'--split-names needs two different names, got '
                       f'{split_names}')
    names = dict(read_field_names(s) for s in field_names)
    class_list = read_class_list(classes) if classes else None
    takes, label_names, skipped = collect_takes(
        find_bvh(inputs), name_regex, sidecar, class_fields, names,
        class_list, include)
    split = assign_splits(takes, split_rule, split_names)

    bar = None
    if progress:
        from mmengine.utils import ProgressBar
        print(f'converting {len(takes)} takes', file=sys.stderr)
        bar = ProgressBar(len(takes), file=sys.stderr)
    table = rotate_up = unit = None
    annotations, cameras = [], {}
    stats = dict(source_frames=0, skipped=skipped, heights_px=[],
                 source_fps=set())
    for t in takes:
        bvh = parse_bvh(t['path'])
        if table is None:
            table = pick_skeleton(skeleton, bvh)
            up = up or table['up'] or 'y'
            rotate_up = parse_up(up)
        coco, head_pos = take_coco(bvh, table, rotate_up, translation)
        if unit is None:
            if unit_m is not None:
                unit = ('--unit-m', float(unit_m))
            elif table['unit_m'] is not None:
                unit = (f'skeleton {table["name"]}', float(table['unit_m']))
            else:
                length = body_length(coco, head_pos)
                name, u = guess_unit(length)
                unit = (f'estimated ({name}: body length {length:.4g} '
                        f'units = {length * u:.2f} m)', u)
        src_fps = 1.0 / bvh.frame_time
        stats['source_fps'].add(round(src_fps, 3))
        stats['source_frames'] += len(coco)
        coco = resample(coco * unit[1], src_fps, fps)
        rng = np.random.default_rng(
            [int(seed), zlib.crc32(t['name'].encode('utf-8'))])
        try:
            uv, cam = place_camera(coco, rng, img_shape, azimuth, height,
                                   focal, margin, distance)
        except ValueError as e:
            raise BvhError(f'{t["path"]}: {e}') from e
        cam['source_fps'] = round(src_fps, 3)
        cameras[t['name']] = cam
        stats['heights_px'].append(float(np.median(
            np.ptp(uv[..., 1], axis=1))))
        T = len(uv)
        annotations.append(dict(
            frame_dir=t['name'], label=t['label'], img_shape=img_shape,
            original_shape=img_shape, total_frames=T,
            keypoint=uv[None].astype(np.float32),
            keypoint_score=np.ones((1, T, 17), dtype=np.float32)))
        if bar is not None:
            bar.update()
    if bar is not None:
        sys.stderr.write('\n')
    meta = dict(
        skeleton=table['name'], skeleton_table=osp.relpath(table['path'],
                                                           ROOT),
        up=up, unit_m=unit[1], unit_source=unit[0], translation=translation,
        fps=fps, face_offsets={COCO_NAMES[i]: o for i, o in
                               table['face'].items()},
        seed=int(seed), img_shape=img_shape, focal_px=list(focal),
        height_m=list(height), azimuth_deg=float(azimuth),
        margin=float(margin), distance_m=list(distance),
        split_rule=split_rule, cameras=cameras)
    data = dict(split=split, annotations=annotations,
                label_names=label_names, meta=meta)
    return data, stats


def summary_lines(data, stats):
    annos = data['annotations']
    frames = [a['total_frames'] for a in annos]
    meta = data['meta']
    dist = [c['distance_m'] for c in meta['cameras'].values()]
    splits = ', '.join(f'{k} {len(v)}' for k, v in data['split'].items())
    lines = [
        f'takes: {len(annos)} ({splits}); classes: '
        f'{len(data["label_names"])}',
        f'skeleton: {meta["skeleton"]} ({meta["skeleton_table"]}), up '
        f'{meta["up"]}, {meta["unit_m"]:g} m per unit ({meta["unit_source"]})',
        f'frames: {stats["source_frames"]} read at '
        f'{sorted(stats["source_fps"])} fps, {sum(frames)} written (per '
        f'take {min(frames)}-{max(frames)}, median '
        f'{int(np.median(frames))})',
        f'cameras: distance {min(dist):.1f}-{max(dist):.1f} m, person '
        f'height {min(stats["heights_px"]):.0f}-'
        f'{max(stats["heights_px"]):.0f} px (median over frames per take)',
    ]
    if stats['skipped']:
        lines.append(f'skipped {len(stats["skipped"])} takes of classes not '
                     f'in --classes, e.g. {stats["skipped"][0]}')
    return lines


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('inputs', nargs='+', help='BVH files or folders')
    parser.add_argument('--out', required=True, help='output .pkl')
    parser.add_argument('--classes-out', help='class list written here '
                        '(default <out without .pkl>_classes.txt)')
    parser.add_argument('--skeleton', default='auto', help='shipped table '
                        f'({", ".join(shipped_skeletons())}), a .json table, '
                        'or auto (default)')
    parser.add_argument('--up', help="vertical axis of the files (default: "
                        "the table's, else y)")
    parser.add_argument('--unit-m', type=float, help='metres per file unit '
                        "(default: the table's, else estimated)")
    parser.add_argument('--translation', choices=('replace', 'add'),
                        default='replace', help='position channels replace '
                        '(default) or add to the OFFSET')
    parser.add_argument('--fps', type=float, help='output frame rate '
                        "(default: the files')")
    parser.add_argument('--img-shape', type=int, nargs=2, default=[1080, 1920],
                        metavar=('H', 'W'), help='default 1080 1920')
    parser.add_argument('--focal', type=float, nargs=2, default=[1000, 1400],
                        metavar=('MIN', 'MAX'), help='focal length range, '
                        'pixels (default 1000 1400)')
    parser.add_argument('--height', type=float, nargs=2, default=[1.2, 1.9],
                        metavar=('MIN', 'MAX'), help='camera height above '
                        'the lowest joint, metres (default 1.2 1.9)')
    parser.add_argument('--azimuth', type=float, default=60.0,
                        help='camera azimuth within +- this many degrees of '
                        "the actor's mean facing (default 60)")
    parser.add_argument('--margin', type=float, default=0.05,
                        help='fraction of the image kept free on each side '
                        '(default 0.05)')
    parser.add_argument('--distance', type=float, nargs=2,
                        default=[3.2, 5.5], metavar=('MIN', 'MAX'),
                        help='camera distance range, metres, raised where '
                        'needed to keep the take in view (default 3.2 5.5; '
                        '0 0: always the nearest distance in view)')
    parser.add_argument('--seed', type=int, default=0,
                        help='camera seed (default 0)')
    parser.add_argument('--include', help='only takes whose name matches '
                        'this regex (re.search)')
    parser.add_argument('--name-regex', help='fields from the take name '
                        '(named groups; group "id" orders takes)')
    parser.add_argument('--sidecar', action='store_true',
                        help='fields from <take>.json')
    parser.add_argument('--class-fields', nargs='+', help='fields that make '
                        'the class, in order (default: all)')
    parser.add_argument('--field-names', nargs='+', default=[],
                        metavar='KEY=FILE', help='names of the integer '
                        'values of a field, one per line')
    parser.add_argument('--classes', help='class list fixing the labels '
                        '(takes of other classes are skipped)')
    parser.add_argument('--split-rule', default='none',
                        help='none (default), every-nth:N or regex:PATTERN')
    parser.add_argument('--split-names', nargs=2, default=['train', 'val'],
                        metavar=('FIRST', 'SECOND'),
                        help='default train val')
    parser.add_argument('--quiet', action='store_true',
                        help='no progress bar')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    from finetec_mm.cli import report
    start = time.time()
    try:
        data, stats = convert(
            args.inputs, args.skeleton, args.up, args.unit_m,
            args.translation, args.fps, args.img_shape, tuple(args.focal),
            tuple(args.height), args.azimuth, args.margin,
            tuple(args.distance), args.seed,
            args.name_regex, args.sidecar, args.class_fields,
            args.field_names, args.classes, args.include, args.split_rule,
            tuple(args.split_names), progress=not args.quiet)
    except re.error as e:
        return report(f'bad regular expression {e.pattern!r}: {e}')
    except (FileNotFoundError, BvhError) as e:
        return report(e)
    from finetec_mm.datasets.validation import check_dataset, errors
    errs = errors(check_dataset(data, num_classes=len(data['label_names']),
                                file=args.out))
    if errs:
        return report('converted dataset is invalid: ' + '; '.join(
            str(q) for q in errs[:5]))
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    with open(args.out, 'wb') as f:
        pickle.dump(data, f, protocol=pickle.HIGHEST_PROTOCOL)
    classes_out = args.classes_out or (osp.splitext(args.out)[0] +
                                       '_classes.txt')
    with open(classes_out, 'w') as f:
        f.write(''.join(f'{c}\n' for c in data['label_names']))
    for line in summary_lines(data, stats):
        print(line)
    print(f'wrote {args.out} and {classes_out} in {time.time() - start:.1f} '
          's')
    return 0


if __name__ == '__main__':
    sys.exit(main())
