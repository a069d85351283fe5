"""Following one person: largest first, box overlap, keypoint distance on
equal overlap, lost frames, a given index or track id."""
import numpy as np
import pytest

from finetec_mm.apis.tracking import Person, box_iou, select_person

V = 17


def pose(cx: float, cy: float, arms_up: bool, scale: float = 1.0) -> Person:
    """A person of height ~200·scale px centred at (cx, cy); the arms
    (wrists, elbows) up or down tell two people apart."""
    rng = np.random.default_rng(0)
    base = rng.uniform(-0.25, 0.25, (V, 2)) * [1, 4]
    base[[7, 8, 9, 10], 1] = -0.9 if arms_up else 0.6
    xy = np.array([cx, cy]) + 100 * scale * base
    return Person(xy, np.full(V, 0.9))


def test_iou():
    a = np.array([0., 0., 10., 10.])
    assert box_iou(a, a) == 1
    assert box_iou(a, a + [5, 0, 5, 0]) == pytest.approx(50 / 150)
    assert box_iou(a, a + [20, 0, 20, 0]) == 0


def test_starts_with_the_largest_and_keeps_it():
    frames = []
    for t in range(6):
        big = pose(500 + 3 * t, 500, True, scale=1.0)
        small = pose(520 - 3 * t, 510, False, scale=0.7)  # overlaps big
        frames.append([small, big] if t % 2 == 0 else [big, small])
    xy, score, track = select_person(frames, V)
    assert track.chosen == [1, 0, 1, 0, 1, 0]
    for t in range(6):
        np.testing.assert_array_equal(xy[t], frames[t][track.chosen[t]].xy)
    assert track.missing == [] and (score > 0).all()


def test_crossing_people_keep_their_identity():
    """A walks right, B left, same size; at the crossing their boxes are
    the same (equal IoU) and the keypoint distance keeps A."""
    frames, truth = [], []
    for t in range(11):
        a = pose(400 + 10 * t, 500, arms_up=True)
        b = pose(500 - 10 * t, 500, arms_up=False)
        order = [a, b] if t % 3 else [b, a]
        frames.append(order)
        truth.append(order.index(a))
    a5, b5 = frames[5][truth[5]], frames[5][1 - truth[5]]
    np.testing.assert_allclose(a5.box, b5.box)  # the crossing: same boxes
    _, _, track = select_person(frames, V)
    assert track.chosen == truth
    # started on B instead (larger at frame 0): B is kept throughout
    frames[0] = [pose(400, 500, True, 0.9), pose(500, 500, False, 1.0)]
    _, _, track = select_person(frames, V)
    assert track.chosen == [1] + [1 - i for i in truth[1:]]


def test_no_overlap_is_a_missing_frame():
    a = [pose(500 + 5 * t, 500, True) for t in range(6)]
    far = pose(1500, 500, False)
    frames = [[a[0]], [far], [], [a[3], far], [far, a[4]], [a[5]]]
    xy, score, track = select_person(frames, V)
    assert track.chosen == [0, None, None, 0, 1, 0]
    assert track.missing == [1, 2] and track.empty == [2]
    assert not xy[[1, 2]].any() and not score[[1, 2]].any()
    assert '2 missing: 1 (lost), 2 (nobody)' in track.describe()


def test_unseen_candidates_are_nobody():
    ghost = Person(np.zeros((V, 2)), np.zeros(V))
    frames = [[ghost], [ghost, pose(500, 500, True)], [pose(505, 500, True)]]
    _, _, track = select_person(frames, V)
    assert track.chosen == [None, 1, 0] and track.empty == [0]


def test_given_index_or_track_id():
    a = [pose(300, 500, True) for _ in range(4)]
    b = [pose(900, 500, False) for _ in range(4)]
    frames = [[a[0], b[0]], [b[1]], [b[2], a[2]], []]
    _, _, track = select_person(frames, V, person=1)
    assert (track.by, track.chosen) == ('index', [1, None, 1, None])
    for p in a:
        p.track_id = 4
    for p in b:
        p.track_id = 9
    xy, _, track = select_person(frames, V, person=9)
    assert (track.by, track.chosen) == ('track_id', [1, 0, 0, None])
    np.testing.assert_array_equal(xy[:3], [p.xy for p in b[:3]])
    assert track.to_dict()['missing_frames'] == [3]


def test_given_boxes_are_used():
    """Boxes from the pose estimator take precedence over the keypoint
    hull: two identical poses told apart by their boxes."""
    p1 = pose(500, 500, True)
    left = Person(p1.xy, p1.score, np.array([0., 0., 100., 100.]))
    right = Person(p1.xy, p1.score, np.array([400., 0., 600., 200.]))
    nxt = Person(p1.xy, p1.score, np.array([410., 0., 610., 200.]))
    other = Person(p1.xy, p1.score, np.array([10., 0., 110., 100.]))
    _, _, track = select_person([[left, right], [other, nxt]], V)
    assert track.chosen == [1, 1]
