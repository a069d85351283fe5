"""``tools/data/cmu_to_bank.py``: forward kinematics, COCO mapping, camera,
resampling, errors and the converter, on motion files written here."""
import os.path as osp
import pickle

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from finetec_mm.datasets.validation import check_dataset, errors
from ..utils import load_tool, run_tool

TOOL = 'tools/data/cmu_to_bank.py'
cmu = load_tool(TOOL)
COLS = cmu.NUM_COLUMNS


def rot_cols(joint):
    """Columns of ``joint``'s exponential map in a motion row."""
    return slice(3 + 3 * joint, 6 + 3 * joint)


def walking_motion(n=401, period=128, step=0.15, header=True, seed=0):
    """A take at 120 fps walking along +z (the rest pose's facing): knees
    flex in antiphase with a stride of ``period`` frames, arms hang down;
    frame 0 is the rest pose (root orientation exactly 0) if ``header``."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    phase = 2 * np.pi * t / period + rng.uniform(0, 2 * np.pi)
    m = np.zeros((n, COLS))
    m[:, 0] = rng.uniform(-3, 3)
    m[:, 1] = 17.5 + 0.2 * np.sin(2 * phase)
    m[:, 2] = -30 + step * t
    m[:, rot_cols(0)] = [0, 1e-3, 0]
    m[:, rot_cols(3)][:, 0] = 0.8 * np.maximum(0, np.sin(phase))
    m[:, rot_cols(9)][:, 0] = 0.8 * np.maximum(0, -np.sin(phase))
    m[:, rot_cols(2)][:, 0] = 0.3 * np.sin(phase)
    m[:, rot_cols(8)][:, 0] = -0.3 * np.sin(phase)
    m[:, rot_cols(21)] = [0, 0, -1.3]
    m[:, rot_cols(30)] = [0, 0, 1.3]
    if header:
        m[0, 3:] = 0
    return m


def write_motion(path, motion):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('\n'.join(','.join(f'{v:.9g}' for v in row)
                              for row in motion) + '\n')
    return str(path)


def fake_root(tmp_path):
    """Three walking takes (two train, one test) and a train jumping take."""
    root = tmp_path / 'cmu'
    write_motion(root / 'train/walking/walking_1.txt', walking_motion(seed=1))
    write_motion(root / 'train/walking/walking_2.txt',
                 walking_motion(n=361, seed=2))
    write_motion(root / 'test/walking/walking_1.txt', walking_motion(seed=3))
    jump = walking_motion(n=121, step=0.0, seed=4)
    jump[:, 1] = 17.5 + 2 * np.abs(np.sin(np.arange(121) / 20))
    write_motion(root / 'train/jumping/jumping_1.txt', jump)
    return str(root)


# ------------------------------------------------------------------- (a)
def test_rodrigues_matches_scipy():
    r = np.random.default_rng(0).normal(0, 1.5, (50, 3))
    r[0] = 0
    r[1] = [1e-9, 0, 0]
    np.testing.assert_allclose(cmu.rodrigues(r),
                               Rotation.from_rotvec(r).as_matrix(),
                               atol=1e-12)
    assert cmu.rodrigues(r.reshape(5, 10, 3)).shape == (5, 10, 3, 3)


def test_zero_rotations_give_the_rest_pose():
    motion = np.zeros((3, COLS))
    motion[:, :3] = [1.0, 17.0, -4.0]
    pos, orient = cmu.forward_kinematics(motion)
    assert pos.shape == (3, 38, 3) and orient.shape == (3, 38, 3, 3)
    np.testing.assert_array_equal(orient, np.broadcast_to(np.eye(3),
                                                          orient.shape))
    # rest pose = root + the offsets summed along the chain to the root
    for j in range(38):
        expect, k = np.array([1.0, 17.0, -4.0]), j
        while k >= 0:
            expect = expect + cmu.OFFSETS[k]
            k = cmu.PARENTS[k]
        np.testing.assert_allclose(pos[:, j], np.tile(expect, (3, 1)),
                                   atol=1e-12)
        if cmu.PARENTS[j] >= 0:
            length = np.linalg.norm(pos[:, j] - pos[:, cmu.PARENTS[j]],
                                    axis=-1)
            np.testing.assert_allclose(length,
                                       np.linalg.norm(cmu.OFFSETS[j]))
    rest = pos[0]
    # standing: head above the ankles, left limbs on +x, same lengths
    assert rest[cmu.HEAD, 1] > rest[[4, 10], 1].max() + 20
    assert rest[2, 0] > 0 > rest[8, 0] and rest[21, 0] > 0 > rest[30, 0]
    checks = cmu.skeleton_checks(pos)
    assert checks['bone_dev'] < 1e-12 and checks['head_above'] == 1
    for left, right in checks['limbs'].values():
        assert abs(left - right) < 0.04 * left


def test_bone_lengths_constant_under_motion():
    motion = walking_motion(n=50)
    motion[:, 3:] += np.random.default_rng(1).normal(0, 0.5, (50, COLS - 3))
    pos, _ = cmu.forward_kinematics(motion)
    parents = np.array(cmu.PARENTS[1:])
    lengths = np.linalg.norm(pos[:, 1:] - pos[:, parents], axis=-1)
    np.testing.assert_allclose(lengths, np.broadcast_to(
        np.linalg.norm(cmu.OFFSETS[1:], axis=-1), lengths.shape), atol=1e-9)


# ------------------------------------------------------------------- (b)
def test_root_rotation_rotates_the_body_about_the_root():
    motion = np.zeros((4, COLS))
    motion[:, :3] = [2.0, 17.0, 5.0]
    motion[:, 6:] = np.random.default_rng(2).normal(0, 0.4, (4, COLS - 6))
    turned = motion.copy()
    turned[:, rot_cols(0)] = [0, np.pi / 2, 0]
    pos, _ = cmu.forward_kinematics(motion)
    pos_t, _ = cmu.forward_kinematics(turned)
    # The file's rotations act on row vectors: an exponential map of +90
    # degrees about +y turns the body by -90 degrees about +y (column form).
    ry = np.array([[0.0, 0.0, -1.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    root = motion[:, None, :3]
    np.testing.assert_allclose(pos_t - root, (pos - root) @ ry.T, atol=1e-9)


def test_a_joint_rotation_moves_only_its_descendants():
    motion = np.zeros((1, COLS))
    bent = motion.copy()
    bent[0, rot_cols(3)] = [0.7, 0, 0]  # left knee
    pos, _ = cmu.forward_kinematics(motion)
    pos_b, _ = cmu.forward_kinematics(bent)
    moved = np.nonzero(np.abs(pos_b - pos).max(-1)[0] > 1e-9)[0]
    assert moved.tolist() == [4, 5, 6]  # ankle, foot, toes of that leg
    # the shin turns by 0.7 rad about x: x kept, (y, z) turned by 0.7
    shin, shin_b = pos[0, 4] - pos[0, 3], pos_b[0, 4] - pos_b[0, 3]
    assert abs(shin_b[0] - shin[0]) < 1e-12
    cos = shin[1:] @ shin_b[1:] / (shin[1:] @ shin[1:])
    np.testing.assert_allclose(np.arccos(cos), 0.7)


# ------------------------------------------------------------------- COCO
def test_coco_mapping_in_the_rest_pose():
    pos, orient = cmu.forward_kinematics(np.zeros((1, COLS)))
    coco = cmu.to_coco(pos, orient)[0]
    for c, j in cmu.COCO_FROM_CMU.items():
        np.testing.assert_array_equal(coco[c], pos[0, j])
    # the subject faces +z with the left on +x: every left point of a
    # left/right pair has the larger x
    for left in range(1, 17, 2):
        assert coco[left, 0] > coco[left + 1, 0], left
    # face: nose in front of the eyes, eyes in front of the ears, eyes
    # above the nose, all above the shoulders and below the head joint + 0.1
    assert coco[0, 2] > coco[1, 2] > coco[3, 2]
    assert coco[1, 1] > coco[0, 1] > coco[5, 1]
    assert coco[:5, 1].max() < pos[0, cmu.HEAD, 1]
    np.testing.assert_allclose(coco[1] - coco[2],
                               [2 * 3.2 / (100 * cmu.UNIT_M), 0, 0])


def test_face_turns_with_the_head():
    motion = np.zeros((1, COLS))
    motion[0, rot_cols(17)] = [0, -np.pi / 2, 0]  # turn the head bone
    pos, orient = cmu.forward_kinematics(motion)
    coco = cmu.to_coco(pos, orient)[0]
    nose = coco[0] - pos[0, cmu.HEAD_BASE]
    # an exponential map of -90 deg about y turns the head by +90 deg
    # (row-vector convention, as above): its forward (+z) becomes +x
    assert nose[0] > 0.9 * np.linalg.norm(nose[[0, 2]])


def test_left_hip_on_the_left_of_travel():
    pos, _ = cmu.forward_kinematics(walking_motion(header=False))
    assert cmu.travel_alignment(pos) > 0.95
    back, _ = cmu.forward_kinematics(walking_motion(step=-0.15, header=False))
    assert cmu.travel_alignment(back) < -0.95  # walking backwards


# ------------------------------------------------------------------- (c)
@pytest.mark.parametrize('az,el', [(0.0, 0.0), (1.0, 0.3), (4.0, -0.08)])
def test_projection_centre_and_distance(az, el):
    img_shape = (1080, 1920)
    target = np.array([0.3, 1.0, -2.0])
    centre, rot = cmu.look_at(target, az, el, 5.0)
    np.testing.assert_allclose(np.linalg.norm(centre - target), 5.0)
    np.testing.assert_allclose(rot @ rot.T, np.eye(3), atol=1e-12)
    assert np.linalg.det(rot) > 0
    uv, vis = cmu.project(target, centre, rot, 1500.0, img_shape)
    assert vis and np.allclose(uv, [960, 540], atol=1e-9)
    # a point further along the axis lands there too
    uv2, _ = cmu.project(target + (target - centre), centre, rot, 1500.0,
                         img_shape)
    np.testing.assert_allclose(uv2, [960, 540], atol=1e-9)
    # a skeleton in the plane through the target facing the camera: at
    # twice the distance it is half as large
    pts = cmu.rest_pose() * cmu.UNIT_M
    flat = target + pts[:, 0:1] * rot[0] - pts[:, 1:2] * rot[1]
    uv_a, vis_a = cmu.project(flat, centre, rot, 1500.0, img_shape)
    far, _ = cmu.look_at(target, az, el, 10.0)
    uv_b, vis_b = cmu.project(flat, far, rot, 1500.0, img_shape)
    assert vis_a.all() and vis_b.all()
    np.testing.assert_allclose(uv_b - [960, 540], (uv_a - [960, 540]) / 2,
                               atol=1e-9)
    # behind the camera: not visible, keypoint 0
    uv_c, vis_c = cmu.project(centre - (target - centre), centre, rot,
                              1500.0, img_shape)
    assert not vis_c and (uv_c == 0).all()


def test_frontal_camera_shows_the_left_on_the_image_right():
    pos, orient = cmu.forward_kinematics(np.zeros((1, COLS)))
    coco = cmu.to_coco(pos, orient)[0] * cmu.UNIT_M
    centre, rot = cmu.look_at(coco[11:13].mean(0), 0.0, 0.1, 4.0)
    uv, vis = cmu.project(coco, centre, rot, 1200.0, (1080, 1920))
    assert vis.all()
    assert uv[11, 0] > uv[12, 0] and uv[5, 0] > uv[6, 0]  # hips, shoulders
    assert uv[0, 1] < uv[5, 1] < uv[11, 1] < uv[15, 1]  # image y is down


# ------------------------------------------------------------------- (d)
def test_resample_integer_ratio_keeps_frames():
    x = np.random.default_rng(3).normal(size=(13, 17, 3))
    out, t = cmu.resample(x, 120, 30)
    np.testing.assert_array_equal(out, x[::4])
    np.testing.assert_array_equal(t, [0, 4, 8, 12])
    out, _ = cmu.resample(x[:12], 120, 30)  # frame 12 is gone: 3 frames
    np.testing.assert_array_equal(out, x[:12:4])


def test_resample_interpolates_otherwise():
    x = np.random.default_rng(4).normal(size=(25, 2))
    out, t = cmu.resample(x, 120, 50)  # source step 2.4 frames
    np.testing.assert_allclose(t, np.arange(len(t)) * 2.4)
    assert len(out) == 11  # 0, 2.4, ..., 24
    for c in range(2):
        np.testing.assert_allclose(out[:, c],
                                   np.interp(t, np.arange(25), x[:, c]))
    up, _ = cmu.resample(x, 30, 60)
    np.testing.assert_array_equal(up[::2], x)
    np.testing.assert_allclose(up[1::2], (x[:-1] + x[1:]) / 2)


def test_stride_period_and_fps_estimate():
    pos, _ = cmu.forward_kinematics(walking_motion(header=False))
    period = cmu.stride_period(pos)
    assert abs(period - 128) < 3
    median, rates, snap = cmu.estimate_fps([period, 130.0, 140.0])
    assert median == 130.0 and rates[0] < rates[1] < rates[2]
    assert snap == 120.0  # 130 frames per stride at 1.9 steps/s = 123.5


# ------------------------------------------------------------------- (e)
def error_lines(text):
    return [ln for ln in text.splitlines() if ln.startswith('error:')]


def test_wrong_column_count_names_file_and_line(tmp_path):
    root = tmp_path / 'cmu'
    motion = walking_motion(n=20)
    bad = write_motion(root / 'train/walking/walking_1.txt', motion)
    lines = open(bad).read().splitlines()
    lines[2] = ','.join(lines[2].split(',')[:-1])  # 116 numbers on line 3
    open(bad, 'w').write('\n'.join(lines) + '\n')
    out = str(tmp_path / 'bank.pkl')
    r = run_tool(TOOL, '--root', str(root), '--out', out, '--quiet')
    assert r.returncode == 1, r.stdout
    errs = error_lines(r.stdout)
    assert len(errs) == 1 and 'Traceback' not in r.stdout, r.stdout
    assert bad in errs[0] and 'line 3' in errs[0] and '116' in errs[0]
    assert not osp.exists(out)


@pytest.mark.parametrize('fault,words', [
    ('nan', ['line 5', 'column 40', 'NaN']),
    ('text', ['line 5', "'abc'", 'not a number']),
])
def test_bad_values_name_file_and_line(tmp_path, capsys, fault, words):
    motion = walking_motion(n=20)
    path = write_motion(tmp_path / 'cmu/test/jumping/jumping_1.txt', motion)
    lines = open(path).read().splitlines()
    cells = lines[4].split(',')
    cells[39] = 'nan' if fault == 'nan' else 'abc'
    lines[4] = ','.join(cells)
    open(path, 'w').write('\n'.join(lines) + '\n')
    code = cmu.main(['--root', str(tmp_path / 'cmu'), '--out',
                     str(tmp_path / 'x.pkl'), '--quiet', '--source-fps',
                     '120'])
    errs = error_lines(capsys.readouterr().err)
    assert code == 1 and len(errs) == 1, errs
    for w in [path] + words:
        assert w in errs[0], errs[0]


def test_missing_or_empty_root(tmp_path, capsys):
    assert cmu.main(['--root', str(tmp_path / 'nope'), '--out',
                     str(tmp_path / 'x.pkl')]) == 1
    err = capsys.readouterr().err
    assert error_lines(err) == [
        f"error: motion root {str(tmp_path / 'nope')!r} does not exist"]
    (tmp_path / 'empty').mkdir()
    assert cmu.main(['--root', str(tmp_path / 'empty'), '--out',
                     str(tmp_path / 'x.pkl')]) == 1
    assert 'holds no train/<action>/*.txt' in capsys.readouterr().err


# ------------------------------------------------------------------- (f)
def load(path):
    with open(path, 'rb') as f:
        return pickle.load(f)


def test_cli_end_to_end(tmp_path):
    root = fake_root(tmp_path)
    out = str(tmp_path / 'bank' / 'cmu.pkl')
    png = str(tmp_path / 'preview.png')
    r = run_tool(TOOL, '--root', root, '--out', out, '--views', '2',
                 '--window', '16', '--stride', '8', '--seed', '5',
                 '--preview', png)
    assert r.returncode == 0, r.stdout
    assert 'nearest standard rate 120 fps' in r.stdout  # measured
    assert 'source fps used: 120; output fps: 30' in r.stdout
    assert '4 rest-pose first frames dropped' in r.stdout
    assert 'takes: 4 (train 2, val 1, test 1)' in r.stdout
    assert 'val takes: train_walking_2' in r.stdout
    assert '0 windows dropped' in r.stdout
    assert osp.getsize(png) > 1000

    data = load(out)
    assert errors(check_dataset(data, num_classes=2, file=out)) == []
    assert data['label_names'] == ['jumping', 'walking']
    split = {k: set(v) for k, v in data['split'].items()}
    assert not (split['train'] & split['val'] or split['train'] & split['test']
                or split['val'] & split['test'])
    annos = {a['frame_dir']: a for a in data['annotations']}
    assert set(annos) == split['train'] | split['val'] | split['test']
    seq_of = {k: {annos[n]['sequence'] for n in v} for k, v in split.items()}
    assert seq_of == {'train': {'train_walking_1', 'train_jumping_1'},
                      'val': {'train_walking_2'}, 'test': {'test_walking_1'}}
    for name, a in annos.items():
        take, view, start = name.split('@')
        assert a['sequence'] == take and view in ('v0', 'v1')
        assert a['label'] == data['label_names'].index(take.split('_')[1])
        T = a['total_frames']
        assert a['keypoint'].shape == (1, T, 17, 2)
        assert a['keypoint'].dtype == np.float32
        assert a['keypoint_score'].shape == (1, T, 17)
        assert a['keypoint_score'].dtype == np.float32
        assert a['img_shape'] == a['original_shape'] == (1080, 1920)
    # 400 frames at 120 fps -> 100 at 30 fps -> starts 0, 8, ..., 80
    starts = sorted(int(n.split('@')[2]) for n in annos
                    if n.startswith('train_walking_1@v0@'))
    assert starts == list(range(0, 81, 8))
    assert all(annos[f'train_walking_1@v0@{s:04d}']['total_frames'] == 16
               for s in starts)
    # the jumping take (120 frames -> 30) gives windows 0 and 8
    assert sorted(n for n in annos if n.startswith('train_jumping_1@v1')) == [
        'train_jumping_1@v1@0000', 'train_jumping_1@v1@0008']
    # every point is in view: scores 1, pixels inside the image
    kp = np.concatenate([a['keypoint'][0] for a in annos.values()])
    assert (np.concatenate([a['keypoint_score'][0]
                            for a in annos.values()]) == 1).all()
    assert (kp[..., 0] > 0).all() and (kp[..., 0] < 1920).all()
    assert (kp[..., 1] > 0).all() and (kp[..., 1] < 1080).all()

    # deterministic given the seed; another seed moves the cameras
    same = str(tmp_path / 'same.pkl')
    other = str(tmp_path / 'other.pkl')
    assert cmu.main(['--root', root, '--out', same, '--views', '2',
                     '--window', '16', '--stride', '8', '--seed', '5',
                     '--quiet']) == 0
    assert cmu.main(['--root', root, '--out', other, '--views', '2',
                     '--window', '16', '--stride', '8', '--seed', '6',
                     '--quiet', '--source-fps', '120']) == 0
    a, b, c = load(out), load(same), load(other)
    assert [x['frame_dir'] for x in a['annotations']] == \
        [x['frame_dir'] for x in c['annotations']]
    for x, y, z in zip(a['annotations'], b['annotations'], c['annotations']):
        np.testing.assert_array_equal(x['keypoint'], y['keypoint'])
        assert not np.allclose(x['keypoint'], z['keypoint'])


def test_skeleton_bank_loads_the_output(tmp_path):
    from finetec_mm.datasets import SkeletonBank
    root = fake_root(tmp_path)
    out = str(tmp_path / 'cmu.pkl')
    assert cmu.main(['--root', root, '--out', out, '--views', '2',
                     '--window', '32', '--stride', '16', '--quiet']) == 0
    bank = SkeletonBank(ann_file=out, split='train', clip_len=16)
    names = load(out)['split']['train']
    assert len(bank) == len(names)
    assert bank.clips.shape == (len(names), 16, 17, 2)
    assert {bank.get_data_info(i)['sequence'] for i in range(len(bank))} \
        == {'train_walking_1', 'train_jumping_1'}


def test_glitch_windows_are_dropped(tmp_path):
    root = tmp_path / 'cmu'
    motion = walking_motion(n=401)
    motion[200, rot_cols(0)] = [0, 2.5, 0]  # one frame turned by 143 deg
    write_motion(root / 'train/walking/walking_1.txt', motion)
    kw = dict(views=1, window=16, stride=8, source_fps=120, progress=False)
    data, stats = cmu.convert(str(root), **kw)
    starts = [int(a['frame_dir'].split('@')[2]) for a in data['annotations']]
    # source frame 200 is 199 after the header: frames 198-200 touch a fast
    # step, +-12 frames (0.1 s) are flagged too: 186-212 = output frames
    # 47-53 (every 4th); windows starting at 32, 40 and 48 are dropped
    assert stats['glitch_frames'] == 27 and stats['glitch_windows'] == 3
    assert starts == [s for s in range(0, 85, 8) if s not in (32, 40, 48)]
    data, stats = cmu.convert(str(root), max_speed=0, **kw)
    assert stats['glitch_windows'] == 0
    tilted = walking_motion(n=401)
    tilted[100:110, rot_cols(0)] = [1.3, 0, 0]  # pelvis 74 deg from upright
    write_motion(root / 'train/walking/walking_1.txt', tilted)
    _, stats = cmu.convert(str(root), max_speed=0, **kw)
    assert stats['glitch_windows'] > 0
    _, stats = cmu.convert(str(root), max_speed=0, max_tilt=0, **kw)
    assert stats['glitch_windows'] == 0
