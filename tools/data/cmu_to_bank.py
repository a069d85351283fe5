"""Convert CMU motion capture (exponential-map form) into a 2D COCO-17 bank.

Input: a folder ``ROOT`` with ``train/<action>/<action>_<n>.txt`` and
``test/<action>/<action>_<n>.txt``, one frame per line, 117 comma-separated
numbers: the root position (3), then 38 joints x 3 exponential-map rotation
parameters (joint 0 is the root orientation). This is the layout of the CMU
motion-prediction benchmark (Li et al., CVPR 2018) as distributed with the
DMGNN repository. Source: CMU Graphics Lab Motion Capture Database,
mocap.cs.cmu.edu, created with funding from NSF EIA-0196217; free for
research and usable in products, but not to be resold as data (converted or
not).

Output: an MMAction2 ``PoseDataset`` pickle, one annotation per window of
``--window`` frames (``--stride`` apart) of every take and virtual camera:
``frame_dir`` ``<take>@v<view>@<first frame>`` (e.g.
``train_walking_1@v2@0128``), ``label`` (index of the action in
``label_names``, the sorted actions found under ``ROOT``), ``sequence`` (the
take, e.g. ``train_walking_1``: every window and view of one take share it),
``img_shape`` = ``original_shape`` (h, w), ``total_frames``, ``keypoint``
float32 (1, T, 17, 2) pixels and ``keypoint_score`` float32 (1, T, 17), 1
for visible points; a point behind the camera or outside the image gets
score 0 and keypoint 0. Takes are named ``<folder>_<file stem>`` because the
benchmark's ``train`` and ``test`` folders reuse the file names. Top-level
keys: ``split`` (``train``, ``val``, ``test``), ``annotations``,
``label_names`` and ``meta`` (frame rates, units, cameras).

Skeleton (the benchmark's 38 joints; parents, bone offsets and rotation
columns are published facts of that benchmark). Joint ``j`` sits at the end
of the bone whose offset is ``OFFSETS[j]``; several joints have a zero
offset and only carry a rotation. Forward kinematics: ``R_j`` = Rodrigues of
joint ``j``'s exponential map. The file's rotations act on row vectors, so
in column form a joint's orientation is ``G_j = G_parent R_j^T`` and its
position ``p_j = p_parent + G_parent OFFSETS[j]``; the root is at the file's
position columns (x, y, z as written; y is up) plus ``OFFSETS[0]``.
Checked on the data: with ``R^T`` knees flex backwards and the head stands
24-25 units above the feet, with ``R`` knees bend forwards and the body
folds (21 units); with the position columns in file order the skeleton
faces its direction of travel in every walking and running take (median
cosine 0.99-1.00), while reading them reversed (as some copies do) makes
people walk sideways (cosine ~0).

Units: the benchmark keeps CMU's ASF length unit, 1/0.45 inch = 5.644 cm
(``UNIT_M``): the offsets are the ASF bone lengths (femur 7.6 units = 0.43 m),
the hips stand 17-18 units (1.0 m) above the floor, the rest pose is 25.2
units (1.42 m) from the toes to the head joint, and the walking takes cover
60-78 units (3.4-4.4 m) at 0.9-1.4 m/s at 120 fps. Everything is converted to
metres before the cameras are placed.

COCO-17 from the 38 joints (0-based benchmark indices, ASF bone whose end
the joint is):

=======  ============  ============================================
COCO     name          source
=======  ============  ============================================
0        nose          head frame of joint 18 (upper neck), below
1, 2     l/r eye       head frame of joint 18
3, 4     l/r ear       head frame of joint 18
5, 6     l/r shoulder  21 (end of lclavicle), 30 (end of rclavicle)
7, 8     l/r elbow     22 (end of lhumerus), 31 (end of rhumerus)
9, 10    l/r wrist     23 (end of lradius), 32 (end of rradius)
11, 12   l/r hip       2 (end of lhipjoint), 8 (end of rhipjoint)
13, 14   l/r knee      3 (end of lfemur), 9 (end of rfemur)
15, 16   l/r ankle     4 (end of ltibia), 10 (end of rtibia)
=======  ============  ============================================

Left is +x in the rest pose: the toes point to +z and up is +y, so in a
right-handed frame +x = up x forward is the subject's left. The data agree:
in every walking and running take the left hip is on the left of the
direction of travel.
The face is not captured: its points are placed in the frame ``G_18`` of the
head bone (joint 18 = top of the upper neck, joint 19 = head, 9 cm above),
at fixed offsets from joint 18 given in ``FACE_CM`` as (left, up, forward)
centimetres: nose (0, 2, 10), eyes (+-3.2, 5, 8), ears (+-7.5, 3, -1).

Frame rate: the files do not state it. Unless ``--source-fps`` is given, it
is measured on the walking takes: the left-minus-right ankle height repeats once per
stride (two steps); its autocorrelation peak gives the stride period in
frames, the median over the walking takes at a cadence of 1.8-2.0 steps/s
gives a frame-rate range, and the standard capture rate nearest to the
1.9 steps/s value is used (on the benchmark files: strides of 129-144
frames, median 133, hence 120-133 fps; 120 fps, CMU's capture rate; the
running takes then run at 2.6-2.8 steps/s and the walkers at 0.9-1.4 m/s).
The first frame of every benchmark file is the skeleton's rest pose (root
orientation exactly 0, then a jump no body moves in 1/120 s); such a first
frame is dropped. Joint positions are resampled to ``--fps`` by linear
interpolation in time (an integer ratio such as 120 -> 30 keeps every 4th
frame exactly). Tracking glitches flag the frames within 0.1 s of a step in
which a joint moves faster than ``--max-speed`` m/s (default 30; the
fastest real step in these files is 19 m/s, a kicking foot) and the frames
whose pelvis is tilted more than ``--max-tilt`` degrees from upright
(default 60; real takes stay within 39 degrees). Windows holding a flagged
frame are dropped and counted. In the benchmark files only
``train/directing_traffic/directing_traffic_1`` has glitches: the root
orientation jumps by 20-48 degrees per frame for a few frames, several
times, and the body lies flat at standing hip height for a while.

Cameras: per take, ``--views`` static pinhole cameras (no distortion,
principal point at the image centre) look at the take's mean root position:
azimuths spread around the subject (a random start, then 360/views degrees
apart, each jittered by up to +-90/views degrees), elevation uniform in
[-5, 25] degrees, horizontal field of view uniform in [50, 75] degrees
(focal length ``(w/2) / tan(fov/2)`` pixels), and a distance at which the
rest-pose height would span 40-70 % of the image height, moved back by
steps of 10 % (at most 14) until every joint of the take is in front of the
camera and inside the image. The draws are seeded by ``--seed`` and the
take's name, so one take's cameras do not depend on the others.

Splits: ``test`` = the takes under ``test/``; ``val`` = whole takes held out
of ``train/``: the highest-numbered ``--val-per-action`` takes of every
action that keeps at least one other train take; ``train`` = the rest.
"""
import argparse
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

NUM_JOINTS = 38
NUM_COLUMNS = 3 + 3 * NUM_JOINTS
#: CMU's ASF length unit (1/0.45 inch) in metres.
UNIT_M = 0.0254 / 0.45
#: Parent of each of the 38 joints (-1: root).
PARENTS = (-1, 0, 1, 2, 3, 4, 5, 0, 7, 8, 9, 10, 11, 0, 13, 14, 15, 16, 17,
           18, 15, 20, 21, 22, 23, 24, 25, 23, 27, 15, 29, 30, 31, 32, 33, 34,
           32, 36)
#: Offset of each joint from its parent in the parent's frame (CMU units).
OFFSETS = np.array([
    [0, 0, 0], [0, 0, 0],
    [1.65674, -1.80282, 0.62477], [2.59720, -7.13576, 0],
    [2.49236, -6.84770, 0], [0.19704, -0.54136, 2.14581],
    [0, 0, 1.11249], [0, 0, 0],
    [-1.61070, -1.80282, 0.62476], [-2.59502, -7.12977, 0],
    [-2.46780, -6.78024, 0], [-0.23024, -0.63258, 2.13368],
    [0, 0, 1.11569], [0, 0, 0],
    [0.01961, 2.05450, -0.14112], [0.01021, 2.06436, -0.05921],
    [0, 0, 0], [0.00713, 1.56711, 0.14968],
    [0.03429, 1.56041, -0.10006], [0.01305, 1.62560, -0.05265],
    [0, 0, 0], [3.54205, 0.90436, -0.17364],
    [4.86513, 0, 0], [3.35554, 0, 0],
    [0, 0, 0], [0.66117, 0, 0],
    [0.53306, 0, 0], [0, 0, 0],
    [0.54120, 0, 0.54120], [0, 0, 0],
    [-3.49802, 0.75994, -0.32616], [-5.02649, 0, 0],
    [-3.36431, 0, 0], [0, 0, 0],
    [-0.73041, 0, 0], [-0.58887, 0, 0],
    [0, 0, 0], [-0.59786, 0, 0.59786]], dtype=np.float64)
#: COCO index -> benchmark joint, for the 12 captured COCO joints.
COCO_FROM_CMU = {5: 21, 6: 30, 7: 22, 8: 31, 9: 23, 10: 32,
                 11: 2, 12: 8, 13: 3, 14: 9, 15: 4, 16: 10}
HEAD_BASE, HEAD = 18, 19
L_ANKLE, R_ANKLE, L_HIP, R_HIP = 4, 10, 2, 8
#: Face points (COCO 0-4) in the head frame of joint 18, (left, up,
#: forward) centimetres from joint 18.
FACE_CM = np.array([[0, 2, 10], [3.2, 5, 8], [-3.2, 5, 8], [7.5, 3, -1],
                    [-7.5, 3, -1]], dtype=np.float64)
#: Frame rates a capture system is usually run at.
STANDARD_FPS = (24, 25, 30, 48, 50, 60, 100, 120, 200, 240)
#: Walking cadence assumed for the frame-rate estimate (steps per second).
CADENCE = (1.8, 1.9, 2.0)
COCO_EDGES = ((0, 1), (0, 2), (1, 3), (2, 4), (5, 6), (5, 7), (7, 9),
              (6, 8), (8, 10), (5, 11), (6, 12), (11, 12), (11, 13),
              (13, 15), (12, 14), (14, 16))


class MotionFileError(ValueError):
    """A motion file or folder that cannot be converted (names the file)."""


# ---------------------------------------------------------------- reading
def read_motion(path):
    """Read one motion file: float64 (N, 117). Raises MotionFileError naming
    the file and line for a wrong column count, a token that is not a
    number, or NaN/inf."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError as e:
        raise MotionFileError(f'{path}: cannot be read ({e})') from e
    lines = text.splitlines()
    rows = [(i + 1, ln) for i, ln in enumerate(lines) if ln.strip()]
    if not rows:
        raise MotionFileError(f'{path}: no frames (empty file)')
    values = []
    for lineno, ln in rows:
        tokens = ln.split(',')
        if len(tokens) != NUM_COLUMNS:
            raise MotionFileError(
                f'{path}: line {lineno}: {len(tokens)} numbers, expected '
                f'{NUM_COLUMNS} (root position 3 + {NUM_JOINTS} joints x 3 '
                'exponential-map parameters)')
        try:
            values.append([float(t) for t in tokens])
        except ValueError:
            bad = next(t for t in tokens if not _is_float(t))
            raise MotionFileError(f'{path}: line {lineno}: {bad.strip()!r} '
                                  'is not a number') from None
    arr = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(arr)
    if not finite.all():
        r, c = np.argwhere(~finite)[0]
        raise MotionFileError(f'{path}: line {rows[r][0]}: column {c + 1} is '
                              f'{arr[r, c]} (NaN/inf)')
    return arr


def _is_float(token):
    try:
        float(token)
        return True
    except ValueError:
        return False


def _take_key(path):
    stem = osp.splitext(osp.basename(path))[0]
    m = re.match(r'(.*?)_?(\d+)$', stem)
    return (m.group(1), int(m.group(2))) if m else (stem, -1)


def find_takes(root):
    """``[(take, folder, action, path)]`` of ``ROOT/{train,test}/<action>/
    *.txt``, sorted by folder, action and take number."""
    if not osp.isdir(root):
        raise FileNotFoundError(f'motion root {root!r} does not exist')
    takes = []
    for folder in ('train', 'test'):
        base = osp.join(root, folder)
        if not osp.isdir(base):
            continue
        for action in sorted(os.listdir(base)):
            adir = osp.join(base, action)
            if not osp.isdir(adir):
                continue
            files = [osp.join(adir, f) for f in os.listdir(adir)
                     if f.endswith('.txt')]
            for path in sorted(files, key=_take_key):
                stem = osp.splitext(osp.basename(path))[0]
                takes.append((f'{folder}_{stem}', folder, action, path))
    if not takes:
        raise FileNotFoundError(
            f'motion root {root!r} holds no train/<action>/*.txt or '
            'test/<action>/*.txt file')
    return takes


# ------------------------------------------------------------- kinematics
def rodrigues(r):
    """Rotation matrices (..., 3, 3) of exponential maps ``r`` (..., 3):
    ``I + sin(t) K + (1 - cos(t)) K^2`` with ``t = |r|`` and ``K`` the
    cross-product matrix of ``r / t`` (identity for ``r = 0``)."""
    r = np.asarray(r, dtype=np.float64)
    theta = np.linalg.norm(r, axis=-1)
    axis = r / np.where(theta > 0, theta, 1.0)[..., None]
    x, y, z = axis[..., 0], axis[..., 1], axis[..., 2]
    zero = np.zeros_like(x)
    K = np.stack([zero, -z, y, z, zero, -x, -y, x, zero],
                 -1).reshape(r.shape[:-1] + (3, 3))
    s = np.sin(theta)[..., None, None]
    c = (1 - np.cos(theta))[..., None, None]
    return np.eye(3) + s * K + c * (K @ K)


def forward_kinematics(motion):
    """Joint positions and orientations of motion rows (N, 117).

    Returns:
        tuple: positions float64 (N, 38, 3) in CMU units (y up) and global
        orientations (N, 38, 3, 3) (columns: the joint frame's x, y, z axes
        in world coordinates).
    """
    motion = np.asarray(motion, dtype=np.float64)
    if motion.ndim != 2 or motion.shape[1] != NUM_COLUMNS:
        raise ValueError(f'forward_kinematics: expected (N, {NUM_COLUMNS}), '
                         f'got {motion.shape}')
    n = len(motion)
    local = rodrigues(motion[:, 3:].reshape(n, NUM_JOINTS, 3))
    local = np.swapaxes(local, -1, -2)  # the file's R acts on row vectors
    pos = np.empty((n, NUM_JOINTS, 3))
    orient = np.empty((n, NUM_JOINTS, 3, 3))
    for j, p in enumerate(PARENTS):
        if p < 0:
            pos[:, j] = motion[:, :3] + OFFSETS[j]
            orient[:, j] = local[:, j]
        else:
            pos[:, j] = pos[:, p] + orient[:, p] @ OFFSETS[j]
            orient[:, j] = orient[:, p] @ local[:, j]
    return pos, orient


def rest_pose():
    """Positions (38, 3) of the skeleton with every rotation 0, root at 0."""
    return forward_kinematics(np.zeros((1, NUM_COLUMNS)))[0][0]


def to_coco(pos, orient):
    """COCO-17 points (N, 17, 3) from FK positions and orientations (same
    units as ``pos``; face offsets converted from centimetres with
    ``UNIT_M``)."""
    out = np.empty(pos.shape[:-2] + (17, 3))
    for c, j in COCO_FROM_CMU.items():
        out[..., c, :] = pos[..., j, :]
    face = FACE_CM / (100 * UNIT_M)  # in CMU units
    head = orient[..., HEAD_BASE, :, :]
    out[..., :5, :] = (pos[..., HEAD_BASE, None, :]
                       + np.einsum('...ij,fj->...fi', head, face))
    return out


def skeleton_checks(pos):
    """Sanity statistics of FK positions (N, 38, 3), CMU units.

    Returns:
        dict: ``bone_dev`` (largest change of any bone's length over the
        frames), ``head_above`` (fraction of frames with the head above both
        ankles), ``limbs`` {name: (left, right) lengths}.
    """
    parents = np.array(PARENTS[1:])
    bones = np.linalg.norm(pos[:, 1:] - pos[:, parents], axis=-1)
    head_above = (pos[:, HEAD, 1] > pos[:, [L_ANKLE, R_ANKLE], 1].max(-1))

    def length(a, b):
        return float(np.linalg.norm(pos[0, a] - pos[0, b]))
    limbs = dict(thigh=(length(2, 3), length(8, 9)),
                 shin=(length(3, 4), length(9, 10)),
                 upper_arm=(length(21, 22), length(30, 31)),
                 forearm=(length(22, 23), length(31, 32)))
    return dict(bone_dev=float(np.ptp(bones, axis=0).max()),
                head_above=float(head_above.mean()), limbs=limbs)


def travel_alignment(pos, min_step=0.05):
    """Median cosine between the facing direction (left-hip vector x up)
    and the horizontal direction of travel of the root, over the frames
    that move more than ``min_step`` units; None if none does. Positive:
    the left hip is on the left of the direction of travel."""
    left = pos[:, L_HIP] - pos[:, R_HIP]
    facing = np.cross(left, [0.0, 1.0, 0.0])
    facing[:, 1] = 0
    vel = np.gradient(pos[:, 0], axis=0)
    vel[:, 1] = 0
    speed = np.linalg.norm(vel, axis=-1)
    norm = np.linalg.norm(facing, axis=-1)
    ok = (speed > min_step) & (norm > 0)
    if not ok.any():
        return None
    cos = (facing[ok] * vel[ok]).sum(-1) / (speed[ok] * norm[ok])
    return float(np.median(cos))


# ------------------------------------------------------------- frame rate
def stride_period(pos):
    """Stride period in frames of a walking take: the first autocorrelation
    peak (after the first zero crossing, refined by a parabola) of the
    left-minus-right ankle height. None when the signal has no peak."""
    s = pos[:, L_ANKLE, 1] - pos[:, R_ANKLE, 1]
    s = s - s.mean()
    n = len(s)
    if n < 8 or not s.any():
        return None
    ac = np.correlate(s, s, 'full')[n - 1:] / (s @ s)
    neg = np.nonzero(ac < 0)[0]
    if not len(neg) or neg[0] >= n // 2:
        return None
    lag = neg[0] + int(np.argmax(ac[neg[0]:n // 2 + 1]))
    if lag <= neg[0] or lag >= n // 2 or ac[lag] <= 0:
        return None
    y0, y1, y2 = ac[lag - 1:lag + 2]
    den = y0 - 2 * y1 + y2
    return float(lag + (0.5 * (y0 - y2) / den if den < 0 else 0.0))


def estimate_fps(periods):
    """Source frame rate from walking stride periods (frames per stride of
    two steps): returns (median period, (fps at each of ``CADENCE``), the
    nearest ``STANDARD_FPS`` to the middle cadence)."""
    period = float(np.median(periods))
    rates = tuple(period * c / 2 for c in CADENCE)
    mid = rates[len(rates) // 2]
    return period, rates, float(min(STANDARD_FPS, key=lambda f: abs(f - mid)))


def resample(x, src_fps, dst_fps):
    """Linear interpolation in time of ``x`` (N, ...) from ``src_fps`` to
    ``dst_fps``: output frame k at source time ``k * src_fps / dst_fps``
    frames, for every k up to the last source frame."""
    x = np.asarray(x, dtype=np.float64)
    n = len(x)
    ratio = float(src_fps) / float(dst_fps)
    count = int(np.floor((n - 1) / ratio + 1e-9)) + 1
    t = np.arange(count) * ratio
    i0 = np.minimum(np.floor(t + 1e-9).astype(np.int64), n - 1)
    frac = np.clip(t - i0, 0.0, None)
    frac[frac < 1e-9] = 0.0
    i1 = np.minimum(i0 + 1, n - 1)
    w = frac.reshape((-1, ) + (1, ) * (x.ndim - 1))
    out = x[i0] * (1 - w) + x[i1] * w
    exact = frac == 0
    out[exact] = x[i0[exact]]  # integer ratios keep frames bit for bit
    return out, t


def pelvis_tilt(orient):
    """Angle (degrees) between the root's up axis and the vertical (N, )."""
    return np.degrees(np.arccos(np.clip(orient[:, 0, 1, 1], -1, 1)))


def glitch_frames(pos, orient, fps, max_speed, max_tilt):
    """bool (N, ): frames next to a step in which a joint moves faster than
    ``max_speed`` m/s, or whose pelvis is tilted more than ``max_tilt``
    degrees from upright (a limit of 0 turns its test off)."""
    glitch = np.zeros(len(pos), bool)
    if len(pos) > 1 and max_speed > 0:
        fast = frame_speeds(pos, fps) > max_speed
        glitch[:-1] |= fast
        glitch[1:] |= fast
    if max_tilt > 0:
        glitch |= pelvis_tilt(orient) > max_tilt
    return glitch


def frame_speeds(pos, fps):
    """Fastest joint of each step between consecutive frames, m/s (N-1,)."""
    step = np.linalg.norm(np.diff(pos, axis=0), axis=-1).max(-1)
    return step * fps * UNIT_M


# ------------------------------------------------------------------ camera
def look_at(target, azimuth, elevation, distance):
    """Camera centre (3, ) and world-to-camera rotation (3, 3) (rows: image
    right, image down, viewing direction) of a camera ``distance`` from
    ``target`` at ``azimuth`` (radians, about +y from +z) and ``elevation``
    (radians above the horizontal plane of the target), y up."""
    d = np.array([np.cos(elevation) * np.sin(azimuth), np.sin(elevation),
                  np.cos(elevation) * np.cos(azimuth)])
    centre = np.asarray(target, dtype=np.float64) + distance * d
    forward = -d
    right = np.cross(forward, [0.0, 1.0, 0.0])
    right /= np.linalg.norm(right)
    down = np.cross(forward, right)
    return centre, np.stack([right, down, forward])


def project(points, centre, rot, focal, img_shape, near=0.1):
    """Pinhole projection of world points (..., 3) in pixels.

    Returns:
        tuple: ``uv`` (..., 2) (0 where not visible) and ``visible`` (...)
        bool: in front of the camera by more than ``near`` and inside
        ``[0, w) x [0, h)``.
    """
    h, w = img_shape
    cam = (np.asarray(points, dtype=np.float64) - centre) @ rot.T
    z = cam[..., 2]
    front = z > near
    zs = np.where(front, z, 1.0)
    uv = np.stack([focal * cam[..., 0] / zs + w / 2.0,
                   focal * cam[..., 1] / zs + h / 2.0], -1)
    visible = (front & (uv[..., 0] >= 0) & (uv[..., 0] < w)
               & (uv[..., 1] >= 0) & (uv[..., 1] < h))
    uv[~visible] = 0
    return uv, visible


def draw_cameras(take, views, seed, img_shape, stature):
    """Camera parameters of one take: ``views`` dicts with ``azimuth`` and
    ``elevation`` (radians), ``focal`` (pixels), ``fov`` (radians,
    horizontal) and the starting ``distance`` (metres)."""
    h, w = img_shape
    rng = np.random.default_rng([int(seed), zlib.crc32(take.encode())])
    start = rng.uniform(0, 2 * np.pi)
    sector = 2 * np.pi / views
    cams = []
    for v in range(views):
        azimuth = start + v * sector + rng.uniform(-0.25, 0.25) * sector
        elevation = np.radians(rng.uniform(-5, 25))
        fov = np.radians(rng.uniform(50, 75))
        focal = (w / 2.0) / np.tan(fov / 2)
        fraction = rng.uniform(0.4, 0.7)
        cams.append(dict(azimuth=float(np.mod(azimuth, 2 * np.pi)),
                         elevation=float(elevation), fov=float(fov),
                         focal=float(focal),
                         distance=float(focal * stature / (fraction * h))))
    return cams


def fit_camera(points, target, cam, img_shape, max_steps=14):
    """Move the camera back by 10 % steps until every point is visible (at
    most ``max_steps``); returns (uv, visible, distance)."""
    distance = cam['distance']
    for step in range(max_steps + 1):
        centre, rot = look_at(target, cam['azimuth'], cam['elevation'],
                              distance)
        uv, visible = project(points, centre, rot, cam['focal'], img_shape)
        if visible.all() or step == max_steps:
            return uv, visible, distance
        distance *= 1.1


# ------------------------------------------------------------- conversion
def window_starts(total, window, stride):
    """Start frames of the windows of a sequence of ``total`` frames (one
    window of every frame when it is shorter than ``window``)."""
    if total <= window:
        return [0]
    return list(range(0, total - window + 1, stride))


def val_takes(takes, per_action):
    """Names of the train takes held out for ``val``: the last
    ``per_action`` takes (by number) of every action, keeping at least one
    train take per action."""
    held = set()
    if per_action <= 0:
        return held
    by_action = {}
    for name, folder, action, _ in takes:
        if folder == 'train':
            by_action.setdefault(action, []).append(name)
    for names in by_action.values():
        k = min(per_action, len(names) - 1)
        held.update(names[len(names) - k:] if k > 0 else ())
    return held


def drop_rest_header(motion, pos, orient, src_fps, max_speed):
    """Drop a first frame that is the skeleton's rest pose: root
    orientation exactly 0 and a jump to the next frame faster than
    ``max_speed`` m/s (30 if 0). Returns (pos, orient, dropped?)."""
    if len(pos) > 1 and not np.any(motion[0, 3:6]):
        if frame_speeds(pos[:2], src_fps)[0] > (max_speed or 30.0):
            return pos[1:], orient[1:], True
    return pos, orient, False


def convert(root, fps=30.0, views=4, window=64, stride=32,
            img_shape=(1080, 1920), seed=0, source_fps=None,
            val_per_action=1, max_speed=30.0, max_tilt=60.0, progress=True):
    """Build the PoseDataset dict from the takes under ``root``.

    Returns:
        tuple: (data dict, stats dict for the summary).
    """
    for name, value in (('--fps', fps), ('--views', views),
                        ('--window', window), ('--stride', stride)):
        if not value > 0:
            raise MotionFileError(f'{name} must be > 0, got {value}')
    if source_fps is not None and not source_fps > 0:
        raise MotionFileError(f'--source-fps must be > 0, got {source_fps}')
    img_shape = tuple(int(s) for s in img_shape)
    if len(img_shape) != 2 or min(img_shape) <= 0:
        raise MotionFileError(f'--img-shape must be two positive sizes (h w), '
                              f'got {img_shape}')
    takes = find_takes(root)
    actions = sorted({t[2] for t in takes})
    held = val_takes(takes, val_per_action)

    bar = None
    if progress:
        from mmengine.utils import ProgressBar
        print(f'reading {len(takes)} takes under {root}', file=sys.stderr)
        bar = ProgressBar(len(takes), file=sys.stderr)
    loaded = []
    for name, folder, action, path in takes:
        motion = read_motion(path)
        loaded.append((motion, ) + forward_kinematics(motion))
        if bar is not None:
            bar.update()
    if bar is not None:
        sys.stderr.write('\n')

    # frame rate, measured on the walking takes (without a rest-pose header)
    periods = {}
    for (name, _, action, _), (motion, pos, _) in zip(takes, loaded):
        if 'walk' in action:
            first = int(len(pos) > 1 and not np.any(motion[0, 3:6]))
            p = stride_period(pos[first:])
            if p is not None:
                periods[name] = p
    fps_estimate = estimate_fps(list(periods.values())) if periods else None
    if source_fps is None:
        if fps_estimate is None:
            raise MotionFileError(
                f'{root}: cannot measure the source frame rate (no walking '
                'take with a stride); pass --source-fps')
        source_fps = fps_estimate[2]
    loaded = [drop_rest_header(motion, pos, orient, source_fps, max_speed)
              for motion, pos, orient in loaded]

    stature = float(np.ptp(rest_pose()[:, 1])) * UNIT_M
    margin = int(round(0.1 * source_fps))
    annotations, split = [], dict(train=[], val=[], test=[])
    cameras = {}
    stats = dict(takes={'train': 0, 'val': 0, 'test': 0}, source_frames=0,
                 output_frames=0, header_dropped=0, glitch_frames=0,
                 glitch_windows=0, glitch_takes={}, short_windows=0,
                 points=0, dropped=0, checks=[], facing={}, periods=periods,
                 fps_estimate=fps_estimate, source_fps=source_fps,
                 stature=stature, held=sorted(held))
    if progress:
        print(f'projecting {len(takes)} takes x {views} views',
              file=sys.stderr)
        bar = ProgressBar(len(takes), file=sys.stderr)
    for (name, folder, action, path), (pos, orient, dropped) in zip(
            takes, loaded):
        part = 'test' if folder == 'test' else (
            'val' if name in held else 'train')
        stats['takes'][part] += 1
        stats['header_dropped'] += int(dropped)
        stats['source_frames'] += len(pos)
        stats['checks'].append(skeleton_checks(pos))
        if 'walk' in action or 'run' in action:
            stats['facing'][name] = travel_alignment(pos)

        glitch = glitch_frames(pos, orient, source_fps, max_speed, max_tilt)
        if glitch.any() and margin:
            idx = np.nonzero(glitch)[0]
            for i in idx:
                glitch[max(0, i - margin):i + margin + 1] = True
        stats['glitch_frames'] += int(glitch.sum())
        if glitch.any():
            stats['glitch_takes'][name] = int(glitch.sum())

        coco, times = resample(to_coco(pos, orient) * UNIT_M, source_fps,
                               fps)
        i0 = np.floor(times + 1e-9).astype(int)
        bad = glitch[np.minimum(i0, len(pos) - 1)] | glitch[
            np.minimum(np.ceil(times - 1e-9).astype(int), len(pos) - 1)]
        total = len(coco)
        stats['output_frames'] += total
        target = (pos[:, 0].mean(0)) * UNIT_M
        for v, cam in enumerate(draw_cameras(name, views, seed, img_shape,
                                             stature)):
            uv, visible, distance = fit_camera(coco, target, cam, img_shape)
            cameras[f'{name}@v{v}'] = dict(
                azimuth_deg=round(float(np.degrees(cam['azimuth'])), 2),
                elevation_deg=round(float(np.degrees(cam['elevation'])), 2),
                fov_deg=round(float(np.degrees(cam['fov'])), 2),
                focal_px=round(float(cam['focal']), 2),
                distance_m=round(float(distance), 3))
            for start in window_starts(total, window, stride):
                stop = min(start + window, total)
                if bad[start:stop].any():
                    stats['glitch_windows'] += 1
                    continue
                if stop - start < window:
                    stats['short_windows'] += 1
                vis = visible[start:stop]
                stats['points'] += vis.size
                stats['dropped'] += int((~vis).sum())
                frame_dir = f'{name}@v{v}@{start:04d}'
                annotations.append(dict(
                    frame_dir=frame_dir, label=actions.index(action),
                    sequence=name, img_shape=img_shape,
                    original_shape=img_shape, total_frames=stop - start,
                    keypoint=uv[None, start:stop].astype(np.float32),
                    keypoint_score=vis[None].astype(np.float32)))
                split[part].append(frame_dir)
        if bar is not None:
            bar.update()
    if bar is not None:
        sys.stderr.write('\n')
    if not annotations:
        raise MotionFileError(f'{root}: no window left to write')
    meta = dict(
        source='CMU Graphics Lab Motion Capture Database (mocap.cs.cmu.edu, '
        'NSF EIA-0196217), exponential-map form of the CMU motion-prediction '
        'benchmark; free for research, not to be resold as data',
        source_fps=float(source_fps),
        source_fps_measured=None if fps_estimate is None else dict(
            stride_frames=round(fps_estimate[0], 2),
            fps_at_cadence={c: round(r, 2) for c, r in zip(
                CADENCE, fps_estimate[1])}),
        fps=float(fps), unit_m=UNIT_M, views=int(views), window=int(window),
        stride=int(stride), seed=int(seed), val_takes=sorted(held),
        cameras=cameras)
    data = dict(split=split, annotations=annotations, label_names=actions,
                meta=meta)
    return data, stats


def summary_lines(data, stats):
    """Human-readable summary of a conversion."""
    lines = []
    est = stats['fps_estimate']
    if est is not None:
        period, rates, snap = est
        per = ', '.join(f'{k} {v:.0f}' for k, v in stats['periods'].items())
        lines.append(
            f'source frame rate: walking stride {period:.1f} frames (median '
            f'of {len(stats["periods"])} walking takes: {per}); at '
            f'{CADENCE[0]}-{CADENCE[-1]} steps/s that is {rates[0]:.0f}-'
            f'{rates[-1]:.0f} fps, nearest standard rate {snap:g} fps')
    lines.append(f'source fps used: {stats["source_fps"]:g}; output fps: '
                 f'{data["meta"]["fps"]:g}')
    checks = stats['checks']
    dev = max(c['bone_dev'] for c in checks)
    above = min(c['head_above'] for c in checks)
    limbs = checks[0]['limbs']
    lines.append(
        'skeleton: bone lengths constant to %.1e units; head above both '
        'ankles in >= %.1f %% of the frames of every take; left/right '
        'lengths (units) %s; rest-pose height %.2f m' % (
            dev, 100 * above, ', '.join(
                f'{k} {a:.2f}/{b:.2f}' for k, (a, b) in limbs.items()),
            stats['stature']))
    facing = [v for v in stats['facing'].values() if v is not None]
    if facing:
        lines.append(
            'facing vs travel (walking/running takes, median cosine; > 0: '
            'left hip on the left of travel): min %.2f, max %.2f' % (
                min(facing), max(facing)))
    takes = stats['takes']
    lines.append(
        f'takes: {sum(takes.values())} (train {takes["train"]}, val '
        f'{takes["val"]}, test {takes["test"]}); val takes: '
        f'{", ".join(stats["held"]) or "none"}')
    lines.append(
        f'frames: {stats["source_frames"]} source frames '
        f'({stats["header_dropped"]} rest-pose first frames dropped), '
        f'{stats["output_frames"]} at {data["meta"]["fps"]:g} fps')
    counts = ', '.join(f'{k} {len(v)}' for k, v in data['split'].items())
    lines.append(
        f'windows: {counts} ({data["meta"]["views"]} views, window '
        f'{data["meta"]["window"]}, stride {data["meta"]["stride"]}; '
        f'{stats["short_windows"]} shorter than the window); '
        f'{stats["glitch_windows"]} windows dropped for '
        f'{stats["glitch_frames"]} glitch-flagged source frames' + (
            ' (' + ', '.join(f'{k} {v}' for k, v in
                             stats['glitch_takes'].items()) + ')'
            if stats['glitch_takes'] else ''))
    pts = max(stats['points'], 1)
    lines.append(
        f'dropped points (behind the camera or off the image): '
        f'{stats["dropped"]} of {stats["points"]} '
        f'({100 * stats["dropped"] / pts:.3f} %)')
    return lines


def write_preview(data, path, frames=6):
    """Draw ``frames`` frames of the first walking window of view 0 (else
    the first window) as 2D stick figures, one panel per frame, into
    ``path``; returns the window's ``frame_dir``."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    names = data['label_names']
    annos = data['annotations']
    pick = next((a for a in annos if 'walk' in names[a['label']]
                 and '@v0@' in a['frame_dir']), annos[0])
    kp, score = pick['keypoint'][0], pick['keypoint_score'][0]
    idx = np.linspace(0, len(kp) - 1, frames).round().astype(int)
    seen = score[idx] > 0
    half = max(float(np.ptp(kp[t][seen[k]], axis=0).max())
               for k, t in enumerate(idx) if seen[k].any()) * 0.55
    fig, axes = plt.subplots(1, frames, figsize=(1.3 * frames, 2.0), dpi=90)
    left = {1, 3, 5, 7, 9, 11, 13, 15}
    right = {2, 4, 6, 8, 10, 12, 14, 16}
    for ax, t in zip(np.atleast_1d(axes), idx):
        ok = score[t] > 0
        for a, b in COCO_EDGES:
            if ok[a] and ok[b]:
                color = ('#d62728' if {a, b} <= left else '#1f77b4'
                         if {a, b} <= right else '#555555')
                ax.plot(kp[t, [a, b], 0], kp[t, [a, b], 1], '-', lw=1.5,
                        color=color)
        ax.plot(kp[t, ok, 0], kp[t, ok, 1], 'o', ms=2, color='k')
        centre = ((kp[t, ok].min(0) + kp[t, ok].max(0)) / 2
                  if ok.any() else np.zeros(2))
        ax.set_xlim(centre[0] - half, centre[0] + half)
        ax.set_ylim(centre[1] + half, centre[1] - half)  # image y is down
        ax.set_aspect('equal')
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f'frame {t}', fontsize=7)
    fig.suptitle(f'{pick["frame_dir"]}: {len(kp)} frames at '
                 f'{data["meta"]["fps"]:g} fps (left limbs red, right blue)',
                 fontsize=8)
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return pick['frame_dir']


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--root', required=True, help='folder with train/ '
                        'and test/ <action>/<action>_<n>.txt motion files')
    parser.add_argument('--out', required=True, help='output .pkl')
    parser.add_argument('--fps', type=float, default=30.0,
                        help='output frame rate (default 30)')
    parser.add_argument('--source-fps', type=float, default=None,
                        help='frame rate of the files (default: measured '
                        'from the walking takes)')
    parser.add_argument('--views', type=int, default=4,
                        help='virtual cameras per take (default 4)')
    parser.add_argument('--window', type=int, default=64,
                        help='frames per annotation (default 64)')
    parser.add_argument('--stride', type=int, default=32,
                        help='frames between window starts (default 32)')
    parser.add_argument('--img-shape', type=int, nargs=2, default=[1080, 1920],
                        metavar=('H', 'W'), help='image size (default 1080 '
                        '1920)')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the camera draws (default 0)')
    parser.add_argument('--val-per-action', type=int, default=1,
                        help='train takes per action held out as val '
                        '(default 1; 0: no val split)')
    parser.add_argument('--max-speed', type=float, default=30.0,
                        help='joint speed (m/s) above which source frames '
                        'count as tracking glitches (default 30; 0: off)')
    parser.add_argument('--max-tilt', type=float, default=60.0,
                        help='pelvis tilt from upright (degrees) above which '
                        'source frames count as tracking glitches (default '
                        '60; 0: off)')
    parser.add_argument('--preview', help='also draw a few frames of one '
                        'walking window into this .png')
    parser.add_argument('--quiet', action='store_true',
                        help='no progress bars')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    from finetec_mm.cli import report
    start = time.time()
    try:
        data, stats = convert(
            args.root, args.fps, args.views, args.window, args.stride,
            tuple(args.img_shape), args.seed, args.source_fps,
            args.val_per_action, args.max_speed, args.max_tilt,
            progress=not args.quiet)
    except (FileNotFoundError, MotionFileError) as e:
        return report(e)
    from finetec_mm.datasets.validation import check_dataset, errors
    errs = errors(check_dataset(data, num_classes=len(data['label_names']),
                                file=args.out))
    if errs:
        return report('converted bank is invalid: ' + '; '.join(
            str(q) for q in errs[:5]))
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    with open(args.out, 'wb') as f:
        pickle.dump(data, f, protocol=pickle.HIGHEST_PROTOCOL)
    for line in summary_lines(data, stats):
        print(line)
    if args.preview:
        name = write_preview(data, args.preview)
        print(f'preview of {name}: {args.preview}')
    print(f'wrote {args.out} in {time.time() - start:.1f} s')
    return 0


if __name__ == '__main__':
    sys.exit(main())
