"""``tools/data/bvh_to_posedataset.py``: BVH parsing and forward kinematics,
skeleton tables, face points, cameras, labels, splits, the PoseDataset it
writes and its errors, on small BVH files written here."""
import json
import pickle
import re

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from ..utils import load_tool

TOOL = 'tools/data/bvh_to_posedataset.py'
bvh2pose = load_tool(TOOL)
BvhError = bvh2pose.BvhError


# ------------------------------------------------------------ writers
def bvh_text(joints, motion, frame_time=1 / 30, ends=None):
    """BVH text of ``joints`` [(name, parent, offset, channels)] (parents
    before children) with ``motion`` (F, C) in file channel order and End
    Sites {joint: offset}."""
    ends = ends or {}
    children = {}
    for name, parent, _, _ in joints:
        children.setdefault(parent, []).append(name)
    spec = {j[0]: j for j in joints}
    lines = ['HIERARCHY']

    def block(name, depth):
        _, parent, off, chans = spec[name]
        pad = '  ' * depth
        lines.append(f'{pad}{"ROOT" if parent is None else "JOINT"} {name}')
        lines.append(pad + '{')
        lines.append(f'{pad}  OFFSET {off[0]:g} {off[1]:g} {off[2]:g}')
        lines.append(f'{pad}  CHANNELS {len(chans)} {" ".join(chans)}')
        for child in children.get(name, []):
            block(child, depth + 1)
        if name in ends:
            e = ends[name]
            lines.extend([f'{pad}  End Site', pad + '  {',
                          f'{pad}    OFFSET {e[0]:g} {e[1]:g} {e[2]:g}',
                          pad + '  }'])
        lines.append(pad + '}')

    for root in children[None]:
        block(root, 0)
    motion = np.atleast_2d(motion)
    lines += ['MOTION', f'Frames: {len(motion)}',
              f'Frame Time: {frame_time:.7f}']
    lines += [' '.join(f'{v:.6f}' for v in row) for row in motion]
    return '\n'.join(lines) + '\n'


ROT = ('Zrotation', 'Xrotation', 'Yrotation')
POS = ('Xposition', 'Yposition', 'Zposition')
#: A humanoid in centimetres, y up, facing +z (its left is +x), standing in
#: the rest pose (all rotations zero): bone offsets are world directions.
RIG = [
    ('Hips', None, (0, 0, 0), POS + ROT),
    ('Spine', 'Hips', (0, 10, 0), ROT),
    ('Chest', 'Spine', (0, 15, 0), ROT),
    ('Neck', 'Chest', (0, 20, 0), ROT),
    ('Head', 'Neck', (0, 8, 0), ('Yrotation', 'Xrotation', 'Zrotation')),
    ('Shoulder_L', 'Chest', (3, 17, 0), ROT),
    ('UpperArm_L', 'Shoulder_L', (12, 0, 0), ROT),
    ('LowerArm_L', 'UpperArm_L', (0, -28, 0), ROT),
    ('Hand_L', 'LowerArm_L', (0, -25, 0), ROT),
    ('Shoulder_R', 'Chest', (-3, 17, 0), ROT),
    ('UpperArm_R', 'Shoulder_R', (-12, 0, 0), ROT),
    ('LowerArm_R', 'UpperArm_R', (0, -28, 0), ROT),
    ('Hand_R', 'LowerArm_R', (0, -25, 0), ROT),
    ('UpperLeg_L', 'Hips', (9, -5, 0), ROT),
    ('LowerLeg_L', 'UpperLeg_L', (0, -42, 0), ROT),
    ('Foot_L', 'LowerLeg_L', (0, -40, 0), ROT),
    ('UpperLeg_R', 'Hips', (-9, -5, 0), ROT),
    ('LowerLeg_R', 'UpperLeg_R', (0, -42, 0), ROT),
    ('Foot_R', 'LowerLeg_R', (0, -40, 0), ROT),
]
RIG_ENDS = {'Head': (0, 15, 0), 'Hand_L': (0, -8, 0), 'Hand_R': (0, -8, 0)}
#: World position (cm) of each mapped rig joint relative to the Hips, rest.
REST = {'UpperArm_L': (15, 42, 0), 'UpperArm_R': (-15, 42, 0),
        'LowerArm_L': (15, 14, 0), 'Hand_L': (15, -11, 0),
        'UpperLeg_L': (9, -5, 0), 'UpperLeg_R': (-9, -5, 0),
        'Foot_L': (9, -87, 0), 'Foot_R': (-9, -87, 0), 'Head': (0, 53, 0)}
TABLE = {'joints': {'5': 'UpperArm_L', '6': 'UpperArm_R',
                    'left_elbow': 'LowerArm_L', '8': 'LowerArm_R',
                    '9': 'Hand_L', '10': 'Hand_R', '11': 'UpperLeg_L',
                    '12': 'UpperLeg_R', '13': 'LowerLeg_L',
                    '14': ['RKnee', 'LowerLeg_R'], '15': 'Foot_L',
                    '16': 'Foot_R'},
         'head': 'Head', 'head_axes': {'left': 'x', 'up': 'y'},
         'up': 'y', 'unit_m': 0.01}


def rig_motion(frames=12, step=1.0, head_yaw=None, joints=RIG):
    """Rig channels (F, C): hips at (0, 95, z) walking along +z by
    ``step`` cm per frame, everything else at rest; ``head_yaw`` (F,)
    degrees about the head's y."""
    cols = [(n, c) for n, _, _, chans in joints for c in chans]
    m = np.zeros((frames, len(cols)))
    m[:, cols.index(('Hips', 'Yposition'))] = 95
    m[:, cols.index(('Hips', 'Zposition'))] = step * np.arange(frames)
    if head_yaw is not None:
        m[:, cols.index(('Head', 'Yrotation'))] = head_yaw
    return m


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


def write_table(tmp_path, table=TABLE, name='rig.json'):
    return write(tmp_path / name, json.dumps(table))


def rig_coco(tmp_path, table=TABLE, **kw):
    """COCO joints (F, 17, 3) metres of a rig take, and the table dict."""
    path = write(tmp_path / 'take.bvh', bvh_text(RIG, rig_motion(**kw),
                                                 ends=RIG_ENDS))
    t = bvh2pose.load_skeleton(write_table(tmp_path, table))
    bvh = bvh2pose.parse_bvh(path)
    coco, head = bvh2pose.take_coco(bvh, t, bvh2pose.parse_up('y'))
    return coco * 0.01, head * 0.01, t


# ------------------------------------------------------- parsing and FK
def chain_bvh(root_rot, j1_rot, j2_rot, root_pos=(10, 20, 30)):
    """Root -> J1 (offset (1, 0, 0)) -> J2 (offset (0, 2, 0)) -> End Site
    (0, 0, 3); the root's channels interleave positions and rotations."""
    joints = [('Root', None, (0, 0, 0), ('Zrotation', 'Xposition',
                                         'Yrotation', 'Yposition',
                                         'Zposition', 'Xrotation')),
              ('J1', 'Root', (1, 0, 0), ('Xrotation', 'Zrotation',
                                          'Yrotation')),
              ('J2', 'J1', (0, 2, 0), ('yrotation', 'xrotation',
                                        'zrotation'))]
    z, y, x = root_rot
    row = [z, root_pos[0], y, root_pos[1], root_pos[2], x]
    row += list(j1_rot) + list(j2_rot)
    return bvh_text(joints, [row], ends={'J2': (0, 0, 3)})


def test_parse_channel_orders(tmp_path):
    path = write(tmp_path / 'chain.bvh', chain_bvh((1, 2, 3), (4, 5, 6),
                                                    (7, 8, 9)))
    bvh = bvh2pose.parse_bvh(path)
    assert bvh.names == ['Root', 'J1', 'J2', 'J2/End']
    assert bvh.parents == [-1, 0, 1, 2]
    np.testing.assert_array_equal(bvh.offsets[1:], [[1, 0, 0], [0, 2, 0],
                                                    [0, 0, 3]])
    assert bvh.channels[0] == ('Zrotation', 'Xposition', 'Yrotation',
                               'Yposition', 'Zposition', 'Xrotation')
    assert bvh.channels[2] == ('Yrotation', 'Xrotation', 'Zrotation')
    assert bvh.channels[3] == ()
    assert bvh.columns == [0, 6, 9, 12]
    np.testing.assert_array_equal(bvh.motion, [[1, 10, 2, 20, 30, 3, 4, 5,
                                                6, 7, 8, 9]])
    assert bvh.frame_time == pytest.approx(1 / 30)
    # the positions come from the interleaved columns
    pos, _ = bvh2pose.forward_kinematics(
        bvh2pose.parse_bvh(write(tmp_path / 'c0.bvh',
                                 chain_bvh((0, 0, 0), (0, 0, 0), (0, 0, 0)))))
    np.testing.assert_allclose(pos[0], [[10, 20, 30], [11, 20, 30],
                                        [11, 22, 30], [11, 22, 33]])


def test_forward_kinematics_hand_computed(tmp_path):
    """Root Zrotation 90, J1 Xrotation 90, J2 Yrotation 90 (J2 lists
    Yrotation first); by hand:
    Rz(90) x = y, Rx(90) y = z, Ry(90) z = x (right-handed)."""
    path = write(tmp_path / 'chain.bvh',
                 chain_bvh((90, 0, 0), (90, 0, 0), (90, 0, 0)))
    pos, rot = bvh2pose.forward_kinematics(bvh2pose.parse_bvh(path))
    # root (10, 20, 30); J1 = root + Rz(90) (1, 0, 0) = + (0, 1, 0);
    # J2 = J1 + Rz Rx (0, 2, 0) = + Rz (0, 0, 2) = + (0, 0, 2);
    # End = J2 + Rz Rx Ry (0, 0, 3) = + Rz Rx (3, 0, 0) = + (0, 3, 0)
    np.testing.assert_allclose(pos[0], [[10, 20, 30], [10, 21, 30],
                                        [10, 21, 32], [10, 24, 32]],
                               atol=1e-9)
    np.testing.assert_allclose(rot[0, 0] @ [1, 0, 0], [0, 1, 0], atol=1e-12)
    # a joint's own rotation turns its children, not its own offset: J1
    # Zrotation 90 leaves J1 at root + (1, 0, 0), J2 = J1 + Rz(90) (0, 2, 0)
    # = J1 + (-2, 0, 0), End = J2 + Rz(90) (0, 0, 3) = J2 + (0, 0, 3)
    path = write(tmp_path / 'chain1.bvh',
                 chain_bvh((0, 0, 0), (0, 90, 0), (0, 0, 0)))
    pos, _ = bvh2pose.forward_kinematics(bvh2pose.parse_bvh(path))
    np.testing.assert_allclose(pos[0], [[10, 20, 30], [11, 20, 30],
                                        [9, 20, 30], [9, 20, 33]],
                               atol=1e-9)


def test_rotation_order_is_the_listed_order(tmp_path):
    """J1 lists Xrotation Zrotation Yrotation: R = Rx(90) Rz(90), so the
    child offset (0, 2, 0) goes Rz: -> (-2, 0, 0), Rx: -> (-2, 0, 0); the
    other order (Rz Rx) would give (0, 0, 2)."""
    path = write(tmp_path / 'chain.bvh',
                 chain_bvh((0, 0, 0), (90, 90, 0), (0, 0, 0)))
    pos, _ = bvh2pose.forward_kinematics(bvh2pose.parse_bvh(path))
    np.testing.assert_allclose(pos[0, 2] - pos[0, 1], [-2, 0, 0], atol=1e-9)
    # any angles, any order: intrinsic Euler rotations in the listed order
    rng = np.random.default_rng(0)
    for order in ('ZXY', 'XYZ', 'YZX', 'ZYX'):
        angles = rng.uniform(-180, 180, 3)
        joints = [('R', None, (0, 0, 0), tuple(f'{a}rotation'
                                               for a in order)),
                  ('C', 'R', (0.3, -1.2, 0.7), ())]
        bvh = bvh2pose.parse_bvh(write(tmp_path / f'{order}.bvh',
                                       bvh_text(joints, [angles])))
        pos, rot = bvh2pose.forward_kinematics(bvh)
        expected = Rotation.from_euler(order, bvh.motion[0], degrees=True)
        np.testing.assert_allclose(rot[0, 0], expected.as_matrix(),
                                   atol=1e-12)
        np.testing.assert_allclose(pos[0, 1],
                                   expected.apply([0.3, -1.2, 0.7]),
                                   atol=1e-12)


def test_position_channels_replace_or_add_offset(tmp_path):
    joints = [('R', None, (0, 0, 0), POS),
              ('C', 'R', (1, 0, 0), POS + ROT)]
    path = write(tmp_path / 'six.bvh',
                 bvh_text(joints, [[0, 0, 0, 5, 0, 0, 0, 0, 0]]))
    bvh = bvh2pose.parse_bvh(path)
    assert bvh2pose.forward_kinematics(bvh)[0][0, 1, 0] == 5
    assert bvh2pose.forward_kinematics(bvh, 'add')[0][0, 1, 0] == 6


# ------------------------------------------------ tables, face, units
def test_shipped_tables():
    assert {'bandai', 'cmu'} <= set(bvh2pose.shipped_skeletons())
    bandai = bvh2pose.load_skeleton('bandai')
    assert bandai['joints'][5] == ['UpperArm_L']
    assert bandai['joints'][16] == ['Foot_R']
    assert bandai['unit_m'] == 0.01 and bandai['head'] == 'Head'
    cmu = bvh2pose.load_skeleton('cmu')
    assert cmu['joints'][11] == ['LeftUpLeg'] and cmu['joints'][8] == [
        'RightForeArm']
    assert cmu['head_axes'] is None  # calibrated per take


def test_auto_skeleton_picks_the_table_that_fits(tmp_path):
    bandai = write(tmp_path / 'b.bvh', bvh_text(RIG, rig_motion(2)))
    assert bvh2pose.pick_skeleton('auto', bvh2pose.parse_bvh(
        bandai))['name'] == 'bandai'
    cmu_names = dict(zip(
        ['UpperArm_L', 'UpperArm_R', 'LowerArm_L', 'LowerArm_R', 'Hand_L',
         'Hand_R', 'UpperLeg_L', 'UpperLeg_R', 'LowerLeg_L', 'LowerLeg_R',
         'Foot_L', 'Foot_R'],
        ['LeftArm', 'RightArm', 'LeftForeArm', 'RightForeArm', 'LeftHand',
         'RightHand', 'LeftUpLeg', 'RightUpLeg', 'LeftLeg', 'RightLeg',
         'LeftFoot', 'RightFoot']))
    ren = [(cmu_names.get(n, n), cmu_names.get(p, p), o, c)
           for n, p, o, c in RIG]
    cmu = write(tmp_path / 'c.bvh', bvh_text(ren, rig_motion(2, joints=ren)))
    assert bvh2pose.pick_skeleton('auto', bvh2pose.parse_bvh(
        cmu))['name'] == 'cmu'
    other = write(tmp_path / 'o.bvh', chain_bvh((0, 0, 0), (0, 0, 0),
                                                (0, 0, 0)))
    with pytest.raises(BvhError, match=r'o\.bvh: no shipped skeleton table '
                       r"fits \(bandai: joint 'UpperArm_L'"):
        bvh2pose.pick_skeleton('auto', bvh2pose.parse_bvh(other))


def test_mapping_and_units(tmp_path):
    coco, head, _ = rig_coco(tmp_path, frames=3)
    hips = np.array([0, 95, 0]) + np.array([0, 0, 1]) * np.arange(3)[:, None]
    for idx, joint in ((5, 'UpperArm_L'), (6, 'UpperArm_R'), (9, 'Hand_L'),
                       (11, 'UpperLeg_L'), (16, 'Foot_R')):
        np.testing.assert_allclose(coco[:, idx],
                                   (hips + REST[joint]) * 0.01, atol=1e-12)
    np.testing.assert_allclose(coco[:, 14], (hips + [-9, -47, 0]) * 0.01)
    # unit estimate: ankle-knee-hip-shoulder-head of this rig is 1.42 units
    # of 1 m, or 142 cm, or 56 inches
    length = bvh2pose.body_length(coco / 0.01, head / 0.01)
    assert length == pytest.approx(40 + 42 + 47 + 11)
    assert bvh2pose.guess_unit(length)[1] == 0.01
    assert bvh2pose.guess_unit(length / 2.54)[1] == 0.0254
    assert bvh2pose.guess_unit(length / 100)[1] == 1.0


def test_face_in_the_head_frame(tmp_path):
    """Frame 0: head straight, frame 1: head turned 90 deg to the actor's
    left (+x). Torso (mid-hip to mid-shoulder) = 47 cm."""
    coco, head, _ = rig_coco(tmp_path, frames=2, step=0.0,
                             head_yaw=[0, 90])
    s = 0.47
    # straight: nose 0.25 s forward (+z), 0.05 s up; left eye on +x
    np.testing.assert_allclose(coco[0, 0] - head[0], [0, 0.05 * s,
                                                      0.25 * s], atol=1e-12)
    np.testing.assert_allclose(coco[0, 1] - head[0],
                               [0.08 * s, 0.125 * s, 0.2 * s], atol=1e-12)
    np.testing.assert_allclose(coco[0, 4] - head[0],
                               [-0.19 * s, 0.075 * s, -0.025 * s],
                               atol=1e-12)
    # turned left: the nose points to +x, the left eye is now behind (-z)
    np.testing.assert_allclose(coco[1, 0] - head[1], [0.25 * s, 0.05 * s,
                                                      0], atol=1e-12)
    np.testing.assert_allclose(coco[1, 1] - head[1],
                               [0.2 * s, 0.125 * s, -0.08 * s], atol=1e-12)


def test_face_calibration_without_head_axes(tmp_path):
    """A head joint held at a constant rotation (its local axes no longer
    the world's; its End Site turns with it, the face should not) gets,
    calibrated on the take, the face of the upright head; the explicit
    head_axes, which assume the rest-pose axes, do not."""
    table = dict(TABLE)
    del table['head_axes']
    plain, _, _ = rig_coco(tmp_path, frames=4)
    calibrated, _, t = rig_coco(tmp_path, table=table, frames=4)
    assert t['head_axes'] is None
    np.testing.assert_allclose(calibrated, plain, atol=1e-12)
    cols = [(n, c) for n, _, _, chans in RIG for c in chans]
    m = rig_motion(4)
    m[:, [cols.index(('Head', c)) for c in ('Yrotation', 'Xrotation',
                                            'Zrotation')]] = [30, -50, 70]
    path = write(tmp_path / 'twisted.bvh', bvh_text(RIG, m, ends=RIG_ENDS))
    bvh = bvh2pose.parse_bvh(path)
    auto = bvh2pose.load_skeleton(write_table(tmp_path, table, 'auto.json'))
    coco, _ = bvh2pose.take_coco(bvh, auto, bvh2pose.parse_up('y'))
    np.testing.assert_allclose(coco * 0.01, plain, atol=1e-9)
    fixed = bvh2pose.load_skeleton(write_table(tmp_path, TABLE, 'fix.json'))
    coco, _ = bvh2pose.take_coco(bvh, fixed, bvh2pose.parse_up('y'))
    assert np.abs(coco[:, :5] * 0.01 - plain[:, :5]).max() > 0.05


def test_up_axis_option(tmp_path):
    """The rig written Z-up (offsets and positions turned by Rx(90)) with
    --up z projects exactly like the Y-up original."""
    q = Rotation.from_euler('x', 90, degrees=True)
    zup = [(n, p, tuple(np.round(q.apply(o), 9)), c) for n, p, o, c in RIG]
    m = rig_motion(6)
    m[:, :3] = q.apply(m[:, :3])
    table = dict(TABLE)
    del table['head_axes']
    for name, joints, motion, up in (('y', RIG, rig_motion(6), 'y'),
                                     ('z', zup, m, 'z')):
        write(tmp_path / name / 'take.bvh', bvh_text(joints, motion))
    tab = write_table(tmp_path, table)
    out = [bvh2pose.convert([str(tmp_path / d)], tab, up=u, progress=False)[0]
           for d, u in (('y', 'y'), ('z', 'z'))]
    np.testing.assert_allclose(out[1]['annotations'][0]['keypoint'],
                               out[0]['annotations'][0]['keypoint'],
                               atol=1e-3)


# ------------------------------------------------------------ cameras
def test_projection_of_known_points():
    """Camera at (0, 1, -5) looking at (0, 1, 0) (along +z, y up), f 1000,
    image 1080 x 1920: a point 1 m to +x is 200 px left of the centre (the
    camera's right is -x), a point 1 m up 200 px above it."""
    cam = np.array([0.0, 1.0, -5.0])
    rot = bvh2pose.look_at(cam, [0.0, 1.0, 0.0])
    uv, z = bvh2pose.project([[0, 1, 0], [1, 1, 0], [0, 2, 0], [0, 1, 5]],
                             cam, rot, 1000.0, (1080, 1920))
    np.testing.assert_allclose(uv, [[960, 540], [760, 540], [960, 340],
                                    [960, 540]], atol=1e-9)
    np.testing.assert_allclose(z, [5, 5, 5, 10])


def test_camera_in_view_in_front_and_seeded(tmp_path):
    coco, _, _ = rig_coco(tmp_path, frames=40, step=5.0)  # 2 m walk
    shape = (1080, 1920)
    uv, cam = bvh2pose.place_camera(coco, np.random.default_rng(1), shape,
                                    azimuth=0.0, distance=(0, 0))
    assert (uv[..., 0] >= 0.05 * 1920 - 1e-6).all()
    assert (uv[..., 0] <= 0.95 * 1920 + 1e-6).all()
    assert (uv[..., 1] >= 0.05 * 1080 - 1e-6).all()
    assert (uv[..., 1] <= 0.95 * 1080 + 1e-6).all()
    # tight: the take touches the margin
    assert min(uv[..., 0].min() - 96, 1824 - uv[..., 0].max(),
               uv[..., 1].min() - 54, 1026 - uv[..., 1].max()) < 1.0
    # azimuth 0: the camera stands in front (+z, the facing) and sees the
    # actor's left on the image right, heads above feet
    assert cam['position_m'][2] > coco[..., 2].max()
    assert abs(cam['position_m'][0] - cam['target_m'][0]) < 1e-6
    assert (uv[:, 5, 0] > uv[:, 6, 0]).all()
    assert (uv[:, 0, 1] < uv[:, 15, 1]).all()
    # a wide drawn distance keeps it; then the person is smaller
    uv2, cam2 = bvh2pose.place_camera(coco, np.random.default_rng(1), shape,
                                      azimuth=0.0, distance=(50, 50))
    assert cam2['distance_m'] == 50
    assert np.ptp(uv2[..., 1]) < 0.5 * np.ptp(uv[..., 1])
    # azimuth within +-30 deg of the facing
    for seed in range(5):
        _, c = bvh2pose.place_camera(coco, np.random.default_rng(seed), shape,
                                     azimuth=30.0)
        d = np.subtract(c['position_m'], c['target_m'])
        assert abs(np.degrees(np.arctan2(d[0], d[2]))) <= 30 + 1e-6
        assert 1.2 <= c['height_m'] <= 1.9
        assert 1000 <= c['focal_px'] <= 1400


# -------------------------------------------------- labels and splits
def touch_takes(root, names, sidecars=None):
    files = []
    for i, n in enumerate(names):
        files.append(write(root / f'{n}.bvh', ''))
        if sidecars is not None:
            write(root / f'{n}.json', json.dumps(sidecars[i]))
    return files


def test_labels_from_names(tmp_path):
    names = ['run_high_2', 'jump_low_1', 'jump_high_1', 'run_high_1',
             'jump_high_10']
    files = touch_takes(tmp_path, names)
    takes, classes, skipped = bvh2pose.collect_takes(
        files, name_regex=r'(?P<action>[a-z]+)_(?P<speed>[a-z]+)_(?P<id>\d+)')
    assert classes == ['jump/high', 'jump/low', 'run/high']
    assert {t['name']: t['label'] for t in takes} == {
        'run_high_2': 2, 'jump_low_1': 1, 'jump_high_1': 0,
        'run_high_1': 2, 'jump_high_10': 0}
    assert {t['name']: t['id'] for t in takes}['jump_high_10'] == '10'
    # one field only; a class list fixes the order and skips the rest
    clist = write(tmp_path / 'classes.txt', 'run\njump\n')
    takes, classes, _ = bvh2pose.collect_takes(
        files, name_regex=r'(?P<action>[a-z]+)_\w+_(?P<id>\d+)',
        classes=bvh2pose.read_class_list(clist))
    assert classes == ['run', 'jump']
    assert {t['name']: t['label'] for t in takes}['jump_low_1'] == 1
    takes, _, skipped = bvh2pose.collect_takes(
        files, name_regex=r'(?P<action>[a-z]+)_\w+_(?P<id>\d+)',
        classes=['jump'])
    assert skipped == ['run_high_2', 'run_high_1'] and len(takes) == 3
    with pytest.raises(BvhError, match=r"walk\.bvh: name 'walk' does not "
                       'match --name-regex'):
        bvh2pose.collect_takes(touch_takes(tmp_path / 'x', ['walk']),
                               name_regex=r'(?P<a>[a-z]+)_\d+')


def test_labels_from_sidecars(tmp_path):
    """Bandai-style sidecars {"content": c, "style": s}: with every
    combination present, label = content * 3 + style, named by the label
    files (prefix 'ds_' removed)."""
    combos = [(c, s) for c in range(2) for s in range(3)]
    names = [f'ds_take_{i:03d}' for i in range(len(combos))][::-1]
    files = touch_takes(tmp_path, names, [{'content': c, 'style': s}
                                          for c, s in combos[::-1]])
    content = write(tmp_path / 'content.txt', 'ds_walk\nds_run\n')
    style = write(tmp_path / 'style.txt', 'ds_active\nds_old\nds_tired\n')
    names_of = dict(bvh2pose.read_field_names(f'{k}={p}')
                    for k, p in (('content', content), ('style', style)))
    takes, classes, _ = bvh2pose.collect_takes(files, sidecar=True,
                                               field_names=names_of)
    assert classes == ['walk/active', 'walk/old', 'walk/tired',
                       'run/active', 'run/old', 'run/tired']
    for t in takes:
        i = int(t['name'][-3:])
        c, s = combos[len(combos) - 1 - names.index(t['name'])]
        assert t['label'] == 3 * c + s, (i, t)
    # without names: the values; a field of the sidecar only
    _, classes, _ = bvh2pose.collect_takes(files, sidecar=True,
                                           class_fields=['style'])
    assert classes == ['0', '1', '2']
    # errors name the file
    with pytest.raises(BvhError, match=r"ds_take_\d+\.bvh: no field 'mood'"):
        bvh2pose.collect_takes(files, sidecar=True, class_fields=['mood'])
    lone = touch_takes(tmp_path / 'lone', ['a'])
    with pytest.raises(BvhError, match=r"a\.bvh: sidecar '.*a\.json' does "
                       'not exist'):
        bvh2pose.collect_takes(lone, sidecar=True)


def test_split_rules():
    takes = [dict(name=f'{c}_{i}', id=str(i), label=k)
             for k, c in enumerate(('a', 'b')) for i in range(1, 11)]
    takes = takes[::-1]
    split = bvh2pose.assign_splits(takes, 'every-nth:4',
                                   ('xtake_train', 'xtake_val'))
    # natural order 1, 2, ..., 10 per class: the 4th and 8th take
    assert sorted(split['xtake_val']) == ['a_4', 'a_8', 'b_4', 'b_8']
    assert len(split['xtake_train']) == 16
    split = bvh2pose.assign_splits(takes, r'regex:_(1|2)$')
    assert sorted(split['val']) == ['a_1', 'a_2', 'b_1', 'b_2']
    assert bvh2pose.assign_splits(takes, 'none') == {
        'train': [t['name'] for t in takes]}
    for bad in ('every-nth:1', 'every-nth:x', 'random'):
        with pytest.raises(BvhError, match='--split-rule'):
            bvh2pose.assign_splits(takes, bad)


def test_resample():
    x = np.arange(13, dtype=float)[:, None]
    np.testing.assert_array_equal(bvh2pose.resample(x, 120, 30)[:, 0],
                                  [0, 4, 8, 12])
    np.testing.assert_allclose(bvh2pose.resample(x, 30, 20)[:, 0],
                               np.arange(0, 12.01, 1.5))
    assert bvh2pose.resample(x, 30, None) is x


# ---------------------------------------------------------- the tool
def write_dataset(root, n=5):
    """``n`` takes per class of two classes (sidecar ``{"move": k}``), the
    rig walking at different speeds."""
    for k in range(2):
        for i in range(1, n + 1):
            name = f'take_{k}_{i}'
            write(root / f'{name}.bvh',
                  bvh_text(RIG, rig_motion(8 + i, step=k + 0.5 * i),
                           ends=RIG_ENDS))
            write(root / f'{name}.json', json.dumps({'move': k}))


def test_cli_writes_a_valid_posedataset(tmp_path, capsys):
    root = tmp_path / 'takes'
    write_dataset(root)
    out = str(tmp_path / 'out' / 'rig.pkl')
    args = [str(root), '--out', out, '--skeleton', write_table(tmp_path),
            '--sidecar', '--name-regex', r'take_\d_(?P<id>\d+)',
            '--split-rule', 'every-nth:4', '--split-names', 'xtake_train',
            'xtake_val', '--seed', '3', '--quiet']
    assert bvh2pose.main(args) == 0
    with open(out, 'rb') as f:
        data = pickle.load(f)
    assert data['label_names'] == ['0', '1']
    with open(str(tmp_path / 'out' / 'rig_classes.txt')) as f:
        assert f.read() == '0\n1\n'
    assert sorted(data['split']['xtake_val']) == ['take_0_4', 'take_1_4']
    assert len(data['split']['xtake_train']) == 8
    annos = {a['frame_dir']: a for a in data['annotations']}
    a = annos['take_1_3']
    assert a['label'] == 1 and a['total_frames'] == 11
    assert a['img_shape'] == a['original_shape'] == (1080, 1920)
    assert a['keypoint'].shape == (1, 11, 17, 2)
    assert a['keypoint'].dtype == np.float32
    assert a['keypoint_score'].shape == (1, 11, 17)
    assert (a['keypoint_score'] == 1).all()
    # the left ankle of frame 5, placed by hand and projected by the
    # recorded camera, is where the file says
    cam = data['meta']['cameras']['take_1_3']
    ankle = (np.array([0, 95, 5 * 2.5]) + REST['Foot_L']) * 0.01
    pos = np.array(cam['position_m'])
    uv, _ = bvh2pose.project(ankle, pos, bvh2pose.look_at(
        pos, cam['target_m']), cam['focal_px'], (1080, 1920))
    np.testing.assert_allclose(a['keypoint'][0, 5, 15], uv, atol=0.05)
    # the project's validator and dataset class accept it
    validate = load_tool('tools/data/validate_dataset.py')
    assert validate.main([out, '--label-map', str(tmp_path / 'out' /
                                                  'rig_classes.txt'),
                          '--clip-len', '8']) == 0
    assert 'OK' in capsys.readouterr().out
    import finetec_mm  # noqa: F401  (registers the dataset class)
    from finetec_mm.datasets import CheckedPoseDataset
    ds = CheckedPoseDataset(out, pipeline=[], split='xtake_val',
                            num_classes=2)
    assert len(ds) == 2
    # reproducible: the same seed gives the same file, another seed not
    out2 = str(tmp_path / 'again.pkl')
    assert bvh2pose.main(args[:1] + ['--out', out2] + args[3:]) == 0
    with open(out2, 'rb') as f:
        again = pickle.load(f)
    np.testing.assert_array_equal(again['annotations'][3]['keypoint'],
                                  data['annotations'][3]['keypoint'])
    args[args.index('--seed') + 1] = '4'
    assert bvh2pose.main(args[:1] + ['--out', out2] + args[3:]) == 0
    with open(out2, 'rb') as f:
        other = pickle.load(f)
    assert not np.allclose(other['annotations'][3]['keypoint'],
                           data['annotations'][3]['keypoint'])


GOOD = bvh_text([('Hips', None, (0, 0, 0), POS + ROT)], [[0] * 6] * 2)


@pytest.mark.parametrize('text,fault', [
    ('MOTION\n', r'not a BVH file \(does not start with HIERARCHY\)'),
    (GOOD.split('MOTION')[0], 'no MOTION section'),
    (GOOD.replace('Yrotation', 'Wrotation'),
     r"line 5: joint 'Hips': unknown channel 'Wrotation'"),
    (GOOD.replace('0.000000 0.000000\n', '0.000000\n', 1),
     'line 10: 5 values, the hierarchy has 6 channels'),
    (GOOD.replace('0.000000', 'abc', 1), r"line 10: 'abc' is not a number"),
    (GOOD.replace('0.000000', 'nan', 1), 'line 10: NaN or infinite value'),
    (GOOD.replace('Frames: 2', 'Frames: 3'), 'declares 3 frames, holds 2'),
    (GOOD.replace('}\n', ''), 'line 5: hierarchy ends where'),
    (GOOD.replace('OFFSET 0 0 0', 'OFFSET 0 0'),
     "line 5: OFFSET of 'Hips': 'CHANNELS' is not a number"),
    (GOOD.replace('Frame Time: 0.0333333', 'Frame Time: 0'),
     'Frame Time: 0 is not a positive number'),
])
def test_malformed_bvh_is_one_error_line(tmp_path, capsys, text, fault):
    path = write(tmp_path / 'bad.bvh', text)
    assert bvh2pose.main([path, '--out', str(tmp_path / 'o.pkl'),
                          '--quiet']) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith(f'error: {path}: '), err
    assert re.search(fault, err[0]), err[0]
    assert not (tmp_path / 'o.pkl').exists()


def test_other_faults_are_one_error_line(tmp_path, capsys):
    no_foot = [j for j in RIG if j[0] != 'Foot_R']
    path = write(tmp_path / 'nofoot.bvh', bvh_text(no_foot, rig_motion(
        3, joints=no_foot)))
    out = ['--out', str(tmp_path / 'o.pkl'), '--quiet']
    assert bvh2pose.main([path, '--skeleton', 'bandai'] + out) == 1
    err = capsys.readouterr().err.strip()
    assert err == (f"error: {path}: joint 'Foot_R' of skeleton 'bandai' "
                   '(COCO 16 right_ankle) is not in the file')
    table = dict(TABLE, joints={'5': 'UpperArm_L'})
    assert bvh2pose.main([path, '--skeleton', write_table(
        tmp_path, table, 'short.json')] + out) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith('error: ')
    assert 'short.json: joints: COCO [6, 7' in err
    assert bvh2pose.main([str(tmp_path / 'missing')] + out) == 1
    assert "input '" in capsys.readouterr().err
    (tmp_path / 'empty').mkdir()
    assert bvh2pose.main([str(tmp_path / 'empty')] + out) == 1
    assert 'no .bvh file in' in capsys.readouterr().err
