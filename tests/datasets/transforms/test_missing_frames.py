"""MarkMissingFrames: frames missing in real input end up as the corruption
protocol writes dropped frames (0 after PreNormalize2D)."""
import numpy as np
from mmaction.datasets.transforms import PreNormalize2D

from finetec_mm.datasets.transforms import MarkMissingFrames


def test_zero_score_person_frames_become_zero():
    rng = np.random.default_rng(0)
    kp = rng.uniform(10, 1000, (2, 6, 17, 2)).astype(np.float32)
    score = rng.uniform(0.1, 1, (2, 6, 17)).astype(np.float32)
    kp[0, 1] = 0       # a lost detection stored as pixel 0 ...
    score[0, 1] = 0
    score[1, 4] = 0    # ... or with stale coordinates
    score[0, 3, :5] = 0  # some joints undetected: the frame is present
    results = dict(frame_dir='x', keypoint=kp.copy(), keypoint_score=score,
                   img_shape=(1080, 1920))
    results = PreNormalize2D()(results)
    assert np.all(results['keypoint'][0, 1] == -1)  # the trap
    normalised = results['keypoint'].copy()
    results = MarkMissingFrames()(results)
    out = results['keypoint']
    assert np.all(out[0, 1] == 0) and np.all(out[1, 4] == 0)
    keep = np.ones((2, 6), bool)
    keep[0, 1] = keep[1, 4] = False
    np.testing.assert_array_equal(out[keep], normalised[keep])
    np.testing.assert_array_equal(results['keypoint_score'], score)


def test_score_channel_and_no_score():
    kp = np.ones((1, 3, 17, 3), np.float32)
    kp[0, 2, :, 2] = 0
    out = MarkMissingFrames()(dict(keypoint=kp.copy()))['keypoint']
    assert np.all(out[0, 2] == 0) and np.all(out[0, :2] == 1)
    xy = np.ones((1, 3, 17, 2), np.float32)
    out = MarkMissingFrames()(dict(keypoint=xy.copy()))['keypoint']
    np.testing.assert_array_equal(out, xy)  # nothing says what is missing
