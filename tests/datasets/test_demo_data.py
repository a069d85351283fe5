"""Tests of the procedural FineTec demo dataset generator."""
import importlib.util
import os.path as osp
import pickle
import sys

import numpy as np
import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _load():
    try:
        from finetec_mm.datasets import demo_data
        return demo_data
    except Exception:  # sibling subpackages under construction
        path = osp.join(REPO, 'finetec_mm', 'datasets', 'demo_data.py')
        spec = importlib.util.spec_from_file_location('_finetec_demo_data',
                                                      path)
        mod = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = mod
        spec.loader.exec_module(mod)
        return mod


dd = _load()
N_CLS = len(dd.CLASS_NAMES)


@pytest.fixture(scope='module')
def small():
    return dd.make_demo_annotations(num_per_class_train=3,
                                    num_per_class_val=2, seed=0,
                                    num_per_class_test=1)


def test_class_list():
    assert len(dd.CLASS_NAMES) >= 20
    assert len(set(dd.CLASS_NAMES)) == len(dd.CLASS_NAMES)
    assert len(dd.CLASS_FAMILY) == N_CLS
    assert sum(len(v) for v in dd.FAMILIES.values()) == N_CLS
    for members in dd.FAMILIES.values():
        assert len(members) >= 2


def test_format(small):
    """Three disjoint splits: train, val (selection), test (reported)."""
    assert set(small) == {'split', 'annotations'}
    assert set(small['split']) == {'train', 'val', 'test'}
    train, val, test = (small['split'][s] for s in ('train', 'val', 'test'))
    assert (len(train), len(val), len(test)) == (3 * N_CLS, 2 * N_CLS, N_CLS)
    assert not set(train) & set(val) and not (set(train) | set(val)) & set(
        test)
    names = [a['frame_dir'] for a in small['annotations']]
    assert len(names) == len(set(names))
    assert set(names) == set(train) | set(val) | set(test)
    assert all(n.startswith('demo_train_') for n in train)
    assert all(n.startswith('demo_val_') for n in val)
    assert all(n.startswith('demo_test_') for n in test)
    # each split draws its own sequences: no test motion repeats a val one
    by_name = {a['frame_dir']: a for a in small['annotations']}
    for v, t in zip(val, test):
        assert not np.array_equal(by_name[v]['keypoint'][..., :5, :],
                                  by_name[t]['keypoint'][..., :5, :])
    required = {'frame_dir', 'label', 'img_shape', 'original_shape',
                'total_frames', 'keypoint', 'keypoint_score'}
    inside = []
    for a in small['annotations']:
        assert required <= set(a)
        T = a['total_frames']
        assert isinstance(T, int) and 40 <= T <= 150
        assert isinstance(a['label'], int) and 0 <= a['label'] < N_CLS
        assert tuple(a['img_shape']) == (1080, 1920)
        assert tuple(a['original_shape']) == (1080, 1920)
        kp, sc = a['keypoint'], a['keypoint_score']
        assert kp.dtype == np.float32 and kp.shape == (1, T, 17, 2)
        assert sc.dtype == np.float32 and sc.shape == (1, T, 17)
        assert np.isfinite(kp).all() and np.isfinite(sc).all()
        # every frame observed: scores strictly positive, never > 1
        assert sc.min() > 0 and sc.max() <= 1
        assert np.median(sc) > 0.6
        h, w = a['img_shape']
        inside.append(((kp[..., 0] >= 0) & (kp[..., 0] < w) &
                       (kp[..., 1] >= 0) & (kp[..., 1] < h)).mean())
        # a person of plausible size (not a point, not the whole frame)
        ext = kp[0].max((0, 1)) - kp[0].min((0, 1))
        assert 50 < ext[1] < h
    assert np.mean(inside) > 0.99


def test_every_class_in_every_split(small):
    by = {a['frame_dir']: a['label'] for a in small['annotations']}
    for split in ('train', 'val', 'test'):
        labels = {by[f] for f in small['split'][split]}
        assert labels == set(range(N_CLS))


def test_deterministic():
    # one sample per class and split (72, not the default 20 test ones)
    a = dd.make_demo_annotations(1, 1, seed=3, num_per_class_test=1)
    b = dd.make_demo_annotations(1, 1, seed=3, num_per_class_test=1)
    c = dd.make_demo_annotations(1, 1, seed=4, num_per_class_test=1)
    assert a['split'] == b['split']
    assert [len(a['split'][k]) for k in ('train', 'val', 'test')] == [24] * 3
    for x, y in zip(a['annotations'], b['annotations']):
        assert x['frame_dir'] == y['frame_dir'] and x['label'] == y['label']
        assert x['keypoint'].tobytes() == y['keypoint'].tobytes()
        assert x['keypoint_score'].tobytes() == y['keypoint_score'].tobytes()
    diff = [
        x['keypoint'].shape != z['keypoint'].shape
        or not np.array_equal(x['keypoint'], z['keypoint'])
        for x, z in zip(a['annotations'], c['annotations'])
    ]
    assert all(diff)


def _sim(name, i, **kw):
    return dd.simulate_sequence(dd.CLASS_NAMES.index(name),
                                np.random.default_rng([123, i]),
                                return_3d=True, **kw)


def _final_facing(s):
    """Angle between the shoulder line at the start and at the end (3D)."""
    j = s['joints3d']
    v0 = (j[0, 6] - j[0, 5])[:2]
    v1 = (j[-1, 6] - j[-1, 5])[:2]
    return np.degrees(np.arccos(np.clip(
        v0 @ v1 / np.linalg.norm(v0) / np.linalg.norm(v1), -1, 1)))


@pytest.mark.parametrize('turns', ['0.5', '1', '1.5', '2'])
def test_turn_amount(turns):
    for i in range(3):
        s = _sim(f'straight jump {turns} turn', i)
        total = abs(s['twist'][-1] - s['twist'][0]) / (2 * np.pi)
        assert total == pytest.approx(float(turns), abs=1e-6)
        # half-integer turns land facing the other way (visible in 3D)
        facing = _final_facing(s)
        if turns in ('0.5', '1.5'):
            assert facing > 120
        else:
            assert facing < 60


def test_turn_family_separable_in_2d():
    """0.5 vs 1 turn: the left/right order of the shoulders in the image
    flips at the end for 0.5 turn but not for 1 turn (same camera)."""
    def flipped(name, i):
        s = _sim(name, i)
        kp = s['keypoint']
        a, b = s['event_frames']
        d0 = np.median(kp[:max(a - 5, 1), 6, 0] - kp[:max(a - 5, 1), 5, 0])
        d1 = np.median(kp[b + 5:, 6, 0] - kp[b + 5:, 5, 0])
        return np.sign(d0) != np.sign(d1)

    half = np.mean([flipped('straight jump 0.5 turn', i) for i in range(12)])
    full = np.mean([flipped('straight jump 1 turn', i) for i in range(12)])
    assert half > 0.7 and full < 0.3


def test_salto_rotation_and_shape():
    for i in range(3):
        tuck = _sim('salto backward tucked', i)
        pike = _sim('salto backward piked', i)
        back = _sim('salto forward tucked', i)
        assert tuck['salto'][-1] == pytest.approx(2 * np.pi)
        assert back['salto'][-1] == pytest.approx(-2 * np.pi)

        def min_knee_angle(s):
            a, b = s['event_frames']
            j = s['joints3d'][a:b + 1]
            th = j[:, 11:13] - j[:, 13:15]
            sh = j[:, 15:17] - j[:, 13:15]
            cos = np.sum(th * sh, -1) / np.linalg.norm(
                th, axis=-1) / np.linalg.norm(sh, axis=-1)
            return np.degrees(np.arccos(np.clip(cos, -1, 1))).min()

        # tucked: knees strongly bent in the air; piked: legs straight
        assert min_knee_angle(tuck) < 90
        assert min_knee_angle(pike) > 150


def test_leap_family_differs():
    """Switch leap: the back leg first swings forward in the air."""
    def early_trail_forward(name, i):
        s = _sim(name, i)
        a, b = s['event_frames']
        j = s['joints3d']
        lead, trail = (13, 14) if s['mirror'] else (14, 13)
        mid = (j[:, 11] + j[:, 12]) / 2
        fwd = j[:, 0, :2] - mid[:, :2]  # roughly the facing direction
        early = slice(a + 1, a + 1 + max((b - a) // 4, 1))
        proj = lambda k: np.sum((j[early, k, :2] - mid[early, :2]) *  # noqa
                                fwd[early], -1).mean()
        return proj(trail) - proj(lead)

    sw = np.mean([early_trail_forward('switch leap', i) for i in range(6)])
    sp = np.mean([early_trail_forward('split leap', i) for i in range(6)])
    assert sw > sp


def test_pirouette_turn_duration():
    n1 = np.mean([_sim('turn 1 passe', i)['event_frames'][1] -
                  _sim('turn 1 passe', i)['event_frames'][0]
                  for i in range(5)])
    n2 = np.mean([_sim('turn 2 passe', i)['event_frames'][1] -
                  _sim('turn 2 passe', i)['event_frames'][0]
                  for i in range(5)])
    assert n2 > 1.5 * n1


def test_arm_variants_differ():
    def wrist_height(name):
        out = []
        for i in range(4):
            s = _sim(name, i)
            a, b = s['event_frames']
            j = s['joints3d'][(a + b) // 2]
            out.append(((j[9, 2] + j[10, 2]) - (j[5, 2] + j[6, 2])) / 2)
        return np.mean(out)

    assert wrist_height('tuck jump arms up') > \
        wrist_height('tuck jump arms side') + 0.2


def test_write_dataset(tmp_path):
    pkl = dd.write_demo_dataset(str(tmp_path), 1, 1, seed=0, progress=False,
                                num_per_class_test=1)
    assert osp.basename(pkl) == 'finetec_demo.pkl' and osp.exists(pkl)
    with open(pkl, 'rb') as f:
        data = pickle.load(f)
    assert len(data['annotations']) == 3 * N_CLS
    lines = (tmp_path / 'label_map.txt').read_text().splitlines()
    assert lines == dd.CLASS_NAMES
    labels = {a['label'] for a in data['annotations']}
    assert max(labels) == len(lines) - 1
