"""Readers of pose-estimator output: MMPose, OpenPose (BODY_25, COCO-18),
COCO keypoint results, against the same sequence in our JSON; joint
mapping by name; missing frames; frame order; one-line errors."""
import json
import os

import numpy as np
import pytest

from finetec_mm.apis import detect_format, load_input
from tests.apis.writers import (BODY_25, COCO17, COCO18, openpose_index,
                                write_json)
from tests.utils import ROOT


def same(a: dict, b: dict) -> None:
    """Two annotations hold the same keypoints and scores."""
    np.testing.assert_array_equal(a['keypoint'], b['keypoint'])
    np.testing.assert_array_equal(a['keypoint_score'], b['keypoint_score'])


@pytest.fixture
def ours(two_people, tmp_path):
    """Person A as our JSON, read back."""
    path = write_json(tmp_path / 'ours.json', two_people.ours())
    (anno, ) = load_input(path)
    return anno


def test_our_json_round_trip(two_people, ours):
    truth = two_people.truth()
    seen = [t for t, i in enumerate(truth) if i is not None]
    gone = [t for t, i in enumerate(truth) if i is None]
    a = two_people.a
    np.testing.assert_allclose(ours['keypoint'][0, seen], a[seen, :, :2],
                               rtol=1e-6)
    np.testing.assert_allclose(ours['keypoint_score'][0, seen],
                               a[seen, :, 2], rtol=1e-6)
    assert gone and not ours['keypoint'][0, gone].any()
    assert not ours['keypoint_score'][0, gone].any()
    assert ours['img_shape'] == tuple(two_people.img_shape)


@pytest.mark.parametrize('layout', ['frames', 'instance_info', 'lists'])
def test_mmpose_layouts_match_our_json(two_people, ours, tmp_path, layout):
    frames = two_people.mmpose()
    content = dict(frames=frames, lists=[f['instances'] for f in frames],
                   instance_info=dict(meta_info=dict(num_keypoints=17),
                                      instance_info=frames))[layout]
    path = write_json(tmp_path / 'mmpose.json', content)
    assert detect_format(path)[0] == 'mmpose'
    (anno, ) = load_input(path)
    same(anno, ours)
    assert anno['frame_dir'] == 'mmpose'
    track = anno['track'].to_dict()
    assert track['chosen'] == two_people.truth()
    assert track['missing_frames'] == [t for t, i in enumerate(
        two_people.truth()) if i is None]
    assert track['empty_frames'] == list(range(3, two_people.T, 10))


def test_mmpose_frame_ids_place_frames(two_people, ours, tmp_path):
    frames = two_people.mmpose()
    frames = [f for f in frames if f['instances']]  # drop the empty ones
    frames.reverse()  # order by frame_id, not by position
    path = write_json(tmp_path / 'sparse.json', frames)
    (anno, ) = load_input(path)
    same(anno, ours)


@pytest.mark.parametrize('layout', [BODY_25, COCO18])
def test_openpose_matches_our_json(two_people, ours, tmp_path, layout):
    folder = two_people.openpose(str(tmp_path / 'clip'), layout)
    assert detect_format(folder)[0] == 'openpose'
    (anno, ) = load_input(folder)
    same(anno, ours)
    assert anno['frame_dir'] == 'clip'
    assert anno['track'].chosen == two_people.truth()


@pytest.mark.parametrize('layout', [BODY_25, COCO18])
def test_openpose_joints_land_at_their_coco_index(tmp_path, layout):
    """Joint j of the layout gets x = 100 + j; each COCO-17 joint must
    carry the value of the OpenPose joint of the same name (e.g. BODY_25's
    LEye, 16, is COCO's left_eye, 1; its RAnkle, 11, COCO's right_ankle,
    16); Neck, MidHip and the feet are not used."""
    V = len(layout)
    body = np.stack([100.0 + np.arange(V), 200.0 + np.arange(V),
                     np.full(V, 0.5)], -1)
    os.makedirs(tmp_path / 'one')
    write_json(tmp_path / 'one' / 'x_000000000000_keypoints.json',
               dict(people=[dict(pose_keypoints_2d=body.ravel().tolist())]))
    (anno, ) = load_input(str(tmp_path / 'one'))
    x = anno['keypoint'][0, 0, :, 0]
    np.testing.assert_array_equal(
        x, [100.0 + j for j in openpose_index(layout)])
    assert x[COCO17.index('left_eye')] == 100 + layout.index('LEye')
    assert x[COCO17.index('right_ankle')] == 100 + layout.index('RAnkle')
    unused = {layout.index(n) for n in ('Neck', 'MidHip', 'LBigToe')
              if n in layout}
    assert not unused & {int(v - 100) for v in x}


def test_openpose_missing_and_unpadded_frame_numbers(tmp_path):
    """Files named 2, 10, 3, 5 (no zero padding): frames ordered by number,
    4 missing (no file), 5 missing (nobody)."""
    folder = tmp_path / 'video'
    folder.mkdir()
    base = np.stack([300.0 + 4 * np.arange(25), 400.0 + 8 * np.arange(25),
                     np.full(25, 0.8)], -1)
    for n in (2, 10, 3, 5):
        body = base + [n, 0, 0]
        people = [] if n == 5 else [dict(
            person_id=[-1], pose_keypoints_2d=body.ravel().tolist())]
        write_json(folder / f'video_{n}_keypoints.json', dict(people=people))
    (anno, ) = load_input(str(folder))
    x = anno['keypoint'][0, :, 0, 0]
    np.testing.assert_array_equal(x, [302, 303, 0, 0, 0, 0, 0, 0, 310])
    assert anno['track'].missing == [2, 3, 4, 5, 6, 7]
    assert anno['track'].empty == [2, 3, 4, 5, 6, 7]


def test_coco_results_match_our_json(two_people, ours, tmp_path):
    results = two_people.coco()
    rng = np.random.default_rng(0)
    shuffled = [results[i] for i in rng.permutation(len(results))]
    path = write_json(tmp_path / 'coco.json', shuffled)
    assert detect_format(path)[0] == 'coco'
    (anno, ) = load_input(path)
    same(anno, ours)
    # persons of an image keep the file's order: recompute the truth
    T = two_people.T
    order = [[r for r in shuffled if r['image_id'] == t] for t in range(T)]
    truth = []
    for t, rs in enumerate(order):
        hits = [i for i, r in enumerate(rs) if np.allclose(
            r['keypoints'], two_people.a[t].ravel())]
        truth.append(hits[0] if hits else None)
    assert anno['track'].chosen == truth


def test_coco_image_id_steps_and_visibility_flags(tmp_path):
    """Ids 30, 10, 20, 50 (step 10): 5 frames, id 40 missing; v in {0, 1,
    2} are visibility flags (score 1 where v > 0)."""
    def entry(image_id):
        kp = np.stack([image_id + 10.0 * np.arange(17),
                       5.0 + 10 * np.arange(17), np.full(17, 2.0)], -1)
        kp[3, 2] = 0
        kp[4, 2] = 1
        return dict(image_id=image_id, category_id=1,
                    keypoints=kp.ravel().tolist(), score=0.5)
    path = write_json(tmp_path / 'steps.json',
                      [entry(i) for i in (30, 10, 20, 50)])
    (anno, ) = load_input(path)
    np.testing.assert_array_equal(anno['keypoint'][0, :, 0, 0],
                                  [10, 20, 30, 0, 50])
    score = anno['keypoint_score'][0]
    assert anno['track'].missing == [3]
    assert score[0, 3] == 0 and score[0, 4] == 1 and score[0, 0] == 1


def _bad_inputs(tmp_path):
    inst = dict(keypoints=[[1.0, 2.0]] * 17, keypoint_scores=[0.5] * 17)
    short = dict(inst, keypoints=[[1.0, 2.0]] * 16)
    nan = json.loads(json.dumps(inst))
    nan['keypoints'][4] = [float('nan'), 1.0]
    person = dict(people=[dict(pose_keypoints_2d=[1.0] * 60)])
    coco = dict(image_id=1, category_id=1, keypoints=[1.0] * 51, score=1)
    return {
        'short.json': ([dict(instances=[inst]), dict(instances=[short])],
                       'frame 1, instance 0: 16 keypoints, expected 17'),
        'nan.json': ([[inst, nan]], 'frame 0, instance 1: keypoints holds '
                     'NaN/inf'),
        'ids.json': ([dict(frame_id=0, instances=[inst]),
                      dict(instances=[inst])], 'frame 1 has no frame_id'),
        'cat.json': ([coco, dict(coco, category_id=2)],
                     'entry 1: category_id 2 is not 1 (person)'),
        'flat.json': ([dict(coco, keypoints=[1.0] * 50)],
                      'entry 0: keypoints has 50 numbers, expected 51'),
        'frame.json': (person, 'one OpenPose frame; give the folder'),
        'what.json': ([dict(foo=1)], 'cannot tell the format'),
        'op/a_0_keypoints.json': (person, 'people[0]: pose_keypoints_2d has '
                                  '60 numbers, expected 75 (BODY_25) or 54'),
        'empty/readme.txt': ('', 'no OpenPose *_keypoints.json file'),
        'lost.json': ([dict(instances=[]), []], 'all 2 frames are missing'),
    }


@pytest.mark.parametrize('name', ['short.json', 'nan.json', 'ids.json',
                                  'cat.json', 'flat.json', 'frame.json',
                                  'what.json', 'op/a_0_keypoints.json',
                                  'empty/readme.txt', 'lost.json'])
def test_bad_pose_files_name_file_and_fault(tmp_path, name):
    content, fault = _bad_inputs(tmp_path)[name]
    path = tmp_path / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(content if isinstance(content, str) else
                    json.dumps(content))
    target = str(path.parent if '/' in name else path)
    with pytest.raises(ValueError) as err:
        load_input(target)
    message = str(err.value)
    assert len(message.splitlines()) == 1, message
    assert fault in message, message
    assert repr(target) in message or repr(str(path)) in message, message


def test_mixed_openpose_layouts_are_refused(tmp_path):
    folder = tmp_path / 'mixed'
    folder.mkdir()
    for n, V in ((0, 25), (1, 18)):
        write_json(folder / f'm_{n}_keypoints.json', dict(
            people=[dict(pose_keypoints_2d=[1.0, 1.0, 0.5] * V)]))
    with pytest.raises(ValueError, match='COCO-18 keypoints after BODY_25'):
        load_input(str(folder))


def test_person_number_only_for_pose_estimator_output(two_people, tmp_path):
    path = write_json(tmp_path / 'ours.json', two_people.ours())
    with pytest.raises(ValueError, match='applies to pose-estimator output'):
        load_input(path, person=1)
    mm = write_json(tmp_path / 'mm.json', two_people.mmpose())
    (anno, ) = load_input(mm, person=1)  # the second listed, per frame
    expect = [1 if len(two_people.people(t)) > 1 else None
              for t in range(two_people.T)]
    assert anno['track'].chosen == expect
    assert anno['track'].by == 'index'


def test_bad_person_is_refused(two_people, tmp_path):
    mm = write_json(tmp_path / 'mm.json', two_people.mmpose())
    with pytest.raises(ValueError, match="person must be 'auto' or an "
                       'integer >= 0'):
        load_input(mm, person=-1)


def test_documented_example_files_give_one_sequence():
    """docs/examples/inference/: the same person in every format."""
    folder = os.path.join(ROOT, 'docs', 'examples', 'inference')
    (ours, ) = load_input(os.path.join(folder, 'ours.json'))
    assert ours['keypoint'].shape == (1, 4, 17, 2)
    assert not ours['keypoint_score'][0, 2].any()
    for name in ('mmpose_predictions.json', 'coco_results.json',
                 'openpose'):
        path = os.path.join(folder, name)
        (anno, ) = load_input(path)
        same(anno, ours)
        assert anno['track'].chosen == [0, 1, None, 0], name
        assert anno['track'].empty == [2], name
