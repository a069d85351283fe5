"""``tools/data/h36m_to_bank.py``: H36M -> COCO mapping and the converter."""
import importlib.util
import os.path as osp
import pickle

import numpy as np
import pytest

from finetec_mm.datasets.validation import check_dataset, errors
from ..utils import ROOT, run_tool

TOOL = 'tools/data/h36m_to_bank.py'


def _load_tool():
    spec = importlib.util.spec_from_file_location(
        'h36m_to_bank', osp.join(ROOT, TOOL))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bank = _load_tool()
# COCO index -> H36M index of the 12 limb joints
LIMBS = {5: 11, 6: 14, 7: 12, 8: 15, 9: 13, 10: 16, 11: 4, 12: 1, 13: 5,
         14: 2, 15: 6, 16: 3}


def standing_pose():
    """A frontal H36M pose in pixels (y down), subject facing the camera:
    their left is on the image right."""
    p = np.zeros((17, 2))
    p[0] = 500, 600  # hip
    p[1], p[4] = (480, 600), (520, 600)  # r/l hip
    p[2], p[5] = (478, 700), (522, 700)  # knees
    p[3], p[6] = (476, 800), (524, 800)  # ankles
    p[7], p[8] = (500, 520), (500, 440)  # spine, thorax
    p[9], p[10] = (500, 410), (500, 350)  # neck/nose, head top
    p[11], p[14] = (540, 445), (460, 445)  # l/r shoulder
    p[12], p[15] = (550, 520), (450, 520)  # elbows
    p[13], p[16] = (555, 590), (445, 590)  # wrists
    return p


def random_poses(n, seed=0):
    """Standing poses, randomly rotated, scaled and shifted (n, 17, 2)."""
    rng = np.random.default_rng(seed)
    a = rng.uniform(-np.pi, np.pi, n)
    rot = np.stack([np.cos(a), -np.sin(a), np.sin(a), np.cos(a)],
                   -1).reshape(n, 2, 2)
    p = standing_pose() - [500, 600]
    p = p[None] + rng.normal(0, 8, (n, 17, 2))
    return (np.einsum('nij,nvj->nvi', rot, p) * rng.uniform(0.5, 2, (n, 1, 1))
            + rng.uniform(200, 800, (n, 1, 2)))


def test_limbs_mapped():
    kp = random_poses(50)
    coco = bank.h36m_to_coco(kp)
    assert coco.shape == (50, 17, 2) and coco.dtype == kp.dtype
    for c, h in LIMBS.items():
        np.testing.assert_array_equal(coco[:, c], kp[:, h])
    # named spot checks: COCO 5 l-shoulder = H36M 11, COCO 16 r-ankle = 3
    np.testing.assert_array_equal(coco[:, 5], kp[:, 11])
    np.testing.assert_array_equal(coco[:, 16], kp[:, 3])


def test_face_between_neck_and_head_and_symmetric():
    kp = random_poses(200, seed=1)
    coco = bank.h36m_to_coco(kp)
    neck, head = kp[:, 9], kp[:, 10]
    d = head - neck
    u = d / np.linalg.norm(d, axis=-1, keepdims=True)
    perp = np.stack([-u[:, 1], u[:, 0]], -1)
    face = coco[:, :5] - neck[:, None]
    along = (face * u[:, None]).sum(-1) / np.linalg.norm(d, axis=-1)[:, None]
    across = (face * perp[:, None]).sum(-1)
    assert (along > 0).all() and (along < 1).all()  # between neck and head
    np.testing.assert_allclose(across[:, 0], 0, atol=1e-9)  # nose on line
    # eyes (1, 2) and ears (3, 4): mirror images about the neck-head line
    for left, right in ((1, 2), (3, 4)):
        np.testing.assert_allclose(along[:, left], along[:, right])
        np.testing.assert_allclose(across[:, left], -across[:, right])
        assert (np.abs(across[:, left]) > 0).all()
    # the subject's left eye/ear is on the side of the left shoulder
    sho = ((kp[:, 11] - kp[:, 14]) * perp).sum(-1)
    assert (np.sign(across[:, 1]) == np.sign(sho)).all()
    assert (np.abs(across[:, 3]) > np.abs(across[:, 1])).all()  # ears wider
    # frontal standing pose: eyes above the nose, left eye on the image right
    one = bank.h36m_to_coco(standing_pose())
    assert one[1, 1] < one[0, 1] and one[1, 0] > 500 > one[2, 0]


def test_vectorised_over_leading_dims():
    kp = random_poses(24, seed=2).reshape(2, 3, 4, 17, 2).astype(np.float32)
    coco = bank.h36m_to_coco(kp)
    assert coco.shape == kp.shape and coco.dtype == np.float32
    np.testing.assert_allclose(coco[1, 2, 3], bank.h36m_to_coco(kp[1, 2, 3]))
    with pytest.raises(ValueError, match=r'\(\.\.\., 17, 2\)'):
        bank.h36m_to_coco(kp[..., :15, :])


def fake_videopose3d(path, T=21):
    poses = random_poses(T * 12, seed=3).reshape(3, 4, T, 17, 2)
    positions = {
        'S1': {'Walking': list(poses[0]), 'Eating 2': list(poses[1])},
        'S9': {'Directions': list(poses[2])},
    }
    np.savez(path, positions_2d=np.array(positions, dtype=object),
             metadata=np.array(dict(num_joints=17), dtype=object))
    return positions


def test_cli_videopose3d(tmp_path):
    npz = str(tmp_path / 'data_2d_h36m_gt.npz')
    positions = fake_videopose3d(npz)
    out = str(tmp_path / 'bank' / 'h36m_bank.pkl')
    r = run_tool(TOOL, npz, '--val-subjects', 'S9', '--downsample', '2',
                 '--out', out)
    assert r.returncode == 0, r.stdout
    assert 'converted 12 sequences' in r.stdout
    with open(out, 'rb') as f:
        data = pickle.load(f)
    assert errors(check_dataset(data, num_classes=1, file=out)) == []
    assert len(data['split']['train']) == 8 and len(data['split']['val']) == 4
    annos = {a['frame_dir']: a for a in data['annotations']}
    a = annos['h36m_S1_Eating_2_54138969']
    assert a['img_shape'] == (1002, 1000) and a['label'] == 0
    assert annos['h36m_S9_Directions_55011271']['img_shape'] == (1000, 1000)
    assert a['total_frames'] == 11 and a['keypoint'].shape == (1, 11, 17, 2)
    assert a['keypoint'].dtype == np.float32
    np.testing.assert_array_equal(a['keypoint_score'], 1)
    expect = bank.h36m_to_coco(
        positions['S1']['Eating 2'][0][::2].astype(np.float32))
    np.testing.assert_allclose(a['keypoint'][0], expect, rtol=1e-6)

    # subject selection
    assert bank.main([npz, '--subjects', 'S9', '--out', out]) == 0
    with open(out, 'rb') as f:
        assert len(pickle.load(f)['annotations']) == 4


def test_plain_array_and_bad_inputs(tmp_path):
    npy = str(tmp_path / 'poses.npy')
    np.save(npy, random_poses(3 * 10, seed=4).reshape(3, 10, 17, 2))
    out = str(tmp_path / 'plain.pkl')
    assert bank.main([npy, '--downsample', '1', '--out', out]) == 0
    with open(out, 'rb') as f:
        data = pickle.load(f)
    assert errors(check_dataset(data, num_classes=1)) == []
    assert data['split']['train'] == [f'poses_{i:05d}' for i in range(3)]

    weird = str(tmp_path / 'weird.npz')
    np.savez(weird, foo=np.zeros((5, 3)))
    r = run_tool(TOOL, weird, '--out', out)
    assert r.returncode == 1
    assert weird in r.stdout and 'not a recognised H36M 2D format' in r.stdout

    assert bank.main([str(tmp_path / 'none.npz'), '--out', out]) == 1
    with pytest.raises(ValueError, match=r"subjects \['S7'\] not in file"):
        npz = str(tmp_path / 'vp3d.npz')
        fake_videopose3d(npz)
        bank.convert(npz, subjects=['S7'], progress=False)
