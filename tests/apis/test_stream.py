"""StreamRecognizer (issue 25): the pure helpers (timestamp grid, window,
protocol drops), the consistency of the end-of-stream prediction with the
offline 1-clip one (FineTec with hosted completion, ST-GCN), and streams
with bursts, jitter, reordering, duplicates, people leaving / entering and
nobody at the start. Tiny models built in this process (random weights:
the tests compare predictions, they do not need a trained model)."""
import os.path as osp

import numpy as np
import pytest
import torch

from finetec_mm.apis import (StreamRecognizer, inference_skeletons,
                             init_recognizer, protocol_keep, replay)
from finetec_mm.apis.stream import (assemble_window, grid_index,
                                    one_clip_config, parse_window,
                                    seen_points, window_bounds)
from tests.apis.writers import xyz
from tests.utils import ROOT, small_demo_finetec_config

FPS = 30.0


def small_stgcn(config='configs/stgcn_demo_severe_interp.py'):
    """A 2-stage ST-GCN of a demo config, random weights (seeded)."""
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(ROOT, config))
    cfg.model.backbone.update(num_stages=2, inflate_stages=[],
                              down_stages=[])
    cfg.model.cls_head.in_channels = 64
    torch.manual_seed(0)
    return init_recognizer(cfg)


@pytest.fixture(scope='module')
def stgcn():
    return small_stgcn()


@pytest.fixture(scope='module')
def finetec():
    torch.manual_seed(0)
    return init_recognizer(small_demo_finetec_config())


@pytest.fixture(scope='module')
def seq(demo_test_annos):
    """(T, 17, 3) pixels + scores of the first demo test sequence of at
    least 64 frames."""
    return xyz(next(a for a in demo_test_annos if a['total_frames'] >= 64))


def offline_1clip(model, arr):
    """The offline prediction (``inference_skeletons``) with the config's
    test pipeline at one clip, missing frames zero."""
    saved = model.cfg
    model.cfg = one_clip_config(saved)
    try:
        (res, ) = inference_skeletons(model, [arr.astype(np.float32)],
                                      img_shape=(1080, 1920), topk=3)
    finally:
        model.cfg = saved
    return res


# ------------------------------------------------------------ pure helpers
def test_grid_index_rounds_to_the_nearest_frame():
    assert grid_index(0.0, 0.0, FPS) == 0
    assert grid_index(1 / FPS * 0.49, 0.0, FPS) == 0  # jitter < half
    assert grid_index(1 / FPS * 0.51, 0.0, FPS) == 1
    assert grid_index(10.5 + 3 / FPS, 10.5, FPS) == 3  # from the origin
    assert grid_index(10.5 - 2 / FPS, 10.5, FPS) == -2
    assert grid_index(0.5 / FPS, 0.0, FPS) == 1  # half up


def test_parse_window_takes_frames_or_seconds():
    assert parse_window(16, FPS) == 16
    assert parse_window('16f', FPS) == 16 == parse_window('16', FPS)
    assert parse_window('3s', FPS) == 90 == parse_window(3.0, FPS)
    assert parse_window(2.5, 25.0) == 63  # round half up
    for bad in ('abc', 0, '0.01s', True):
        with pytest.raises(ValueError):
            parse_window(bad, FPS)


def test_window_bounds_and_assembly():
    assert window_bounds(head=50, first=0, length=16) == (35, 50)
    assert window_bounds(head=5, first=0, length=16) == (0, 5)
    assert window_bounds(head=5, first=-3, length=16) == (-3, 5)
    V = 17
    frames = {s: (np.full((V, 2), s, np.float32), np.ones(V, np.float32))
              for s in (1, 2, 4, 9)}
    frames[3] = (np.zeros((V, 2)), np.zeros(V))  # scores 0: missing
    xy, score, observed = assemble_window(frames, 2, 6, V)
    assert xy.shape == (5, V, 2) and score.shape == (5, V)
    assert observed.tolist() == [True, False, True, False, False]
    assert (xy[0] == 2).all() and (xy[2] == 4).all()
    assert not xy[[1, 3, 4]].any() and not score[[1, 3, 4]].any()


def test_seen_points():
    assert seen_points(80, (0.25, 0.5, 1.0)) == {0.25: 19, 0.5: 39, 1.0: 79}
    assert seen_points(3, (0.25, 1.0)) == {0.25: 0, 1.0: 2}


@pytest.mark.parametrize('T', [20, 77, 128])
def test_consistent_drops_are_the_offline_protocols(T):
    """The raw frames the offline severe protocol shows (10 test clips,
    shared mask) are kept by protocol_keep, those it drops are dropped."""
    from mmaction.datasets.transforms import UniformSampleFrames

    from finetec_mm.datasets.transforms import SkeletonCorrupt
    from finetec_mm.functional.corruption import num_dropped
    name = f'seq_{T}'
    res = dict(frame_dir=name, total_frames=T, start_index=0)
    res = UniformSampleFrames(16, num_clips=10, test_mode=True)(res)
    inds = res['frame_inds']
    res.update(keypoint=np.ones((1, len(inds), 17, 2), np.float32),
               keypoint_score=np.ones((1, len(inds), 17), np.float32))
    res = SkeletonCorrupt(level='severe', test_mode=True)(res)
    keep = protocol_keep(T, name, 0.75)
    assert keep.shape == (T, )
    shown = inds[res['frame_mask']]
    hidden = inds[~res['frame_mask']]
    assert keep[shown].all() and not keep[hidden].any()
    if T < 32:  # short-sequence rule: exact raw-frame count
        assert (~keep).sum() == num_dropped(T, 0.75)
    else:  # whole segments, 4 of 16 kept
        bids = [i * T // 16 for i in range(17)]
        segs = [keep[a:b] for a, b in zip(bids[:-1], bids[1:])]
        assert all(s.all() or not s.any() for s in segs)
        assert sum(s.all() for s in segs) == 4
    assert protocol_keep(T, name, 0.0).all()


def test_burst_drops_are_contiguous_gaps():
    from finetec_mm.functional.corruption import num_dropped
    keep = protocol_keep(120, 'x', 0.5, 'burst', burst_len=(10, 20))
    assert (~keep).sum() == num_dropped(120, 0.5)
    starts = np.flatnonzero(np.diff(keep.astype(int)) == -1)
    assert 1 <= len(starts) + (not keep[0]) <= 6  # few long gaps
    np.testing.assert_array_equal(
        keep, protocol_keep(120, 'x', 0.5, 'burst', burst_len=(10, 20)))


# ------------------------------------------------------------- consistency
@pytest.mark.parametrize('which', ['finetec', 'stgcn'])
def test_end_of_stream_equals_offline_one_clip(which, request, seq):
    """A complete stream, window covering the sequence: the prediction at
    its last frame is the offline 1-clip prediction on the same frames
    (FineTec: hosted completion; ST-GCN: linear gap filling)."""
    model = request.getfixturevalue(which)
    stream = StreamRecognizer(model, window=len(seq), hop=len(seq),
                              min_observed=len(seq), topk=3)
    out = replay(stream, seq)
    assert len(out['predictions']) == 1  # due only at the last frame
    end = out['at'][1.0]
    assert end['num_observed'] == end['num_frames'] == len(seq)
    ref = offline_1clip(model, seq)
    assert end['topk_indices'] == ref['topk_indices']
    np.testing.assert_array_equal(end['topk_scores'], ref['topk_scores'])


def test_end_of_dropped_stream_equals_offline_on_the_same_frames(stgcn,
                                                                 seq):
    """Frames dropped by the severe rule never arrive (the last one is
    pushed as nobody), the person jumps 900 px during a gap: the window and
    the prediction are those of the offline sequence with those frames
    missing."""
    keep = protocol_keep(len(seq), 'demo', 0.75)
    keep[-1] = False
    seq = seq.copy()
    seq[len(seq) // 2:, :, 0] += 900  # moves far during a gap: no overlap
    stream = StreamRecognizer(stgcn, window=len(seq), hop=1000)
    out = replay(stream, seq, keep)  # followed by position, not overlap
    assert stream.person == 'auto'  # restored
    end = stream.predict_window()
    assert end['num_observed'] == keep.sum()
    assert end['observed'].tolist() == keep.tolist()
    ref = offline_1clip(stgcn, np.where(keep[:, None, None], seq, 0))
    np.testing.assert_array_equal(end['topk_scores'][:3], ref['topk_scores'])
    assert out['latency'] and len(out['latency']) == keep.sum() + 1


# --------------------------------------------------- streams (acceptance)
def window_of(stream):
    """(xy, score, observed) of the stream's current window."""
    start, end = window_bounds(stream.head, stream.first, stream.window)
    return assemble_window(stream._frames, start, end, stream.num_joints)


def test_burst_of_20_missing_frames(stgcn, seq):
    seq = seq[:60]
    stream = StreamRecognizer(stgcn, window=32)
    preds = {}
    for t in range(60):
        if 20 <= t < 40:
            continue  # never arrive
        preds[t] = stream.push(seq[t], t / FPS)
    assert all(preds[t] is not None for t in preds if t >= 3)
    first_after = preds[40]
    assert first_after['window'] == [9, 40]
    assert first_after['num_observed'] == 32 - 20
    assert first_after['observed'].tolist() == [True] * 11 + [False] * 20 + \
        [True]
    assert first_after['track']['missing_frames'] == list(range(11, 31))
    # the same burst arriving as 'nobody' frames: counted missing as well
    stream.reset()
    for t in range(41):
        pred = stream.push(None if 20 <= t < 40 else seq[t], t / FPS)
    assert pred['num_observed'] == 12
    assert pred['track']['empty_frames'] == list(range(11, 31))
    # inside the burst predictions continue while >= min_observed observed
    stream = StreamRecognizer(stgcn, window=16, min_observed=4)
    got = [stream.push(None if 20 <= t < 40 else seq[t], t / FPS)
           for t in range(40)]
    assert got[31] is not None and got[31]['num_observed'] == 4
    assert all(g is None for g in got[32:40])


def test_jittered_out_of_order_and_duplicate_frames(stgcn, seq):
    seq = seq[:48]
    clean = StreamRecognizer(stgcn, window=24, hop=1000)
    for t in range(48):
        clean.push(seq[t], t / FPS)
    rng = np.random.default_rng(0)
    order = np.arange(48)
    for i in range(0, 46, 3):  # swap neighbours: late frames
        order[[i, i + 1]] = order[[i + 1, i]]
    stream = StreamRecognizer(stgcn, window=24, hop=1000)
    for t in order:
        jitter = rng.uniform(-0.45, 0.45) / FPS
        stream.push(seq[t], t / FPS + jitter)
        if t % 5 == 0:  # a duplicate with another pose: ignored
            stream.push(seq[t] + [50.0, 50.0, 0.0], t / FPS + 0.2 / FPS)
    stream.push(seq[2], 2 / FPS)  # older than the window: ignored
    assert stream.stats['late'] >= 10 and stream.stats['duplicate'] >= 9
    assert stream.stats['too_old'] == 1
    for got, want in zip(window_of(stream), window_of(clean)):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(stream.predict_window()['scores'],
                                  clean.predict_window()['scores'])


def distractor(seq, scale=0.6, shift=(-300.0, 100.0)):
    other = seq.copy()
    other[..., :2] = other[..., :2] * scale + np.array(shift)
    return other


def test_person_who_leaves_and_comes_back(stgcn, seq):
    """A is gone for frames 20-34 while a distractor B stays; A returns
    where it was: B is never taken, A's absence is missing, A is followed
    again; a longer absence (a whole window) starts a new track."""
    T = 60
    a, b = seq[:T], distractor(seq)[:T]
    stream = StreamRecognizer(stgcn, window=32, min_observed=4)
    for t in range(T):
        people = [b[t]] if 20 <= t < 35 else [b[t], a[t]]
        pred = stream.push(np.stack(people), t / FPS)
        if t >= 3:
            assert pred is not None
            chosen = pred['track']['chosen'][-1]
            assert chosen == (None if 20 <= t < 35 else 1)
    xy, score, observed = window_of(stream)  # frames 28..59
    assert observed.tolist() == [False] * 7 + [True] * 25
    np.testing.assert_array_equal(xy[7:],
                                  a[35:, :, :2].astype(np.float32))
    # gone for longer than the window: the stream restarts on B
    stream = StreamRecognizer(stgcn, window=16)
    for t in range(T):
        people = [b[t]] if t >= 10 else [b[t], a[t]]
        pred = stream.push(np.stack(people), t / FPS)
    assert pred['track']['chosen'][-1] == 0 and pred['num_observed'] > 0
    np.testing.assert_array_equal(window_of(stream)[0][-1],
                                  b[-1, :, :2].astype(np.float32))


def test_second_person_entering(stgcn, seq):
    """B (larger, listed first, MMPose instance dicts) enters at frame 20:
    A stays followed."""
    T = 50
    a, b = seq[:T], distractor(seq, 1.3, (600.0, -50.0))[:T]

    def inst(p):
        return dict(keypoints=p[:, :2], keypoint_scores=p[:, 2])

    stream = StreamRecognizer(stgcn, window=32)
    for t in range(T):
        people = [inst(a[t])] if t < 20 else [inst(b[t]), inst(a[t])]
        pred = stream.push(people, t / FPS)
    assert pred['track']['chosen'][-30:] == [1] * 30
    np.testing.assert_array_equal(window_of(stream)[0],
                                  a[18:, :, :2].astype(np.float32))


def test_stream_starting_with_nobody(stgcn, seq):
    """Ten empty frames first: no prediction before min_observed observed
    frames; the empty frames are in the window as missing."""
    stream = StreamRecognizer(stgcn, window=32, min_observed=6)
    preds = [stream.push(None if t < 10 else seq[t], t / FPS)
             for t in range(30)]
    assert all(p is None for p in preds[:15])
    first = preds[15]
    assert first is not None and first['num_observed'] == 6
    assert first['window'] == [0, 15] and first['track']['empty_frames'] == \
        list(range(10))
    assert stream.stats['predictions'] == 15


def test_person_by_number_and_smoothing(stgcn, seq):
    a, b = seq[:20], distractor(seq)[:20]
    stream = StreamRecognizer(stgcn, window=16, person=1, smoothing=0.5)
    prev = None
    for t in range(20):
        pred = stream.push(np.stack([a[t], b[t]]), t / FPS)
        if pred is not None and prev is not None:
            assert pred['track']['chosen'][-1] == 1
            raw = (pred['scores'] - 0.5 * prev) / 0.5
            assert np.isclose(raw.sum(), 1, atol=1e-4)  # probabilities
        prev = None if pred is None else pred['scores']
    np.testing.assert_array_equal(window_of(stream)[0][-1],
                                  b[-1, :, :2].astype(np.float32))


def test_bad_input_is_one_error(stgcn):
    stream = StreamRecognizer(stgcn)
    with pytest.raises(ValueError, match='shape'):
        stream.push(np.zeros((5, 3)), 0.0)
    with pytest.raises(ValueError, match='not finite'):
        stream.push(None, float('nan'))
    with pytest.raises(ValueError, match='hop'):
        StreamRecognizer(stgcn, hop=0)
    with pytest.raises(ValueError, match='nothing was pushed'):
        stream.predict_window()
