"""Acceptance (issue 14): tools/infer.py on an MMPose file with two people
per frame and missing frames, and on an OpenPose BODY_25 folder, follows
the right person and gives the labels and scores of the same sequence
given as our JSON."""
import contextlib
import io
import json

import numpy as np
import pytest

from tests.apis.writers import write_json
from tests.utils import load_tool

infer_tool = load_tool('tools/infer.py')


def infer(tiny_stgcn, path, out, *extra):
    """Run ``tools/infer.py``'s ``main(argv)`` in this process (the same
    code as the command line, without 5 s of interpreter start-up per call;
    tests/tools/test_infer.py runs the command line itself); (saved JSON,
    stdout)."""
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):  # a SystemExit fails the test
        infer_tool.main([
            tiny_stgcn['config'], tiny_stgcn['checkpoint'], str(path),
            '--out', str(out), '--img-shape', '1080', '1920', '--topk', '3',
            *extra, '--cfg-options',
            f"test_dataloader.dataset.ann_file={tiny_stgcn['pkl']}"])
    with open(out) as f:
        return json.load(f), stdout.getvalue()


@pytest.fixture(scope='module')
def reference(tiny_stgcn, two_people, tmp_path_factory):
    """The prediction for person A alone, as our JSON (null frames where
    A is missing)."""
    tmp = tmp_path_factory.mktemp('ours')
    path = write_json(tmp / 'seq.json', two_people.ours())
    saved, _ = infer(tiny_stgcn, path, tmp / 'out.json')
    (result, ) = saved['results']
    assert 'track' not in result
    return result


def agrees(result, reference):
    assert result['topk_indices'] == reference['topk_indices']
    assert result['topk_names'] == reference['topk_names']
    np.testing.assert_allclose(result['topk_scores'],
                               reference['topk_scores'], atol=1e-6)


def check_track(track, two_people, by='overlap'):
    truth = two_people.truth()
    gone = [t for t, i in enumerate(truth) if i is None]
    assert track['chosen'] == truth
    assert track['by'] == by
    assert track['missing_frames'] == gone
    assert track['num_missing'] == len(gone) > 0
    assert track['num_frames'] == two_people.T
    assert 0 < truth.count(1) < len(truth)  # A not always listed first


def test_mmpose_two_people_and_missing_frames(tiny_stgcn, two_people,
                                              reference, tmp_path):
    path = write_json(tmp_path / 'pred.json', two_people.mmpose())
    saved, stdout = infer(tiny_stgcn, path, tmp_path / 'out.json')
    (result, ) = saved['results']
    agrees(result, reference)
    check_track(result['track'], two_people)
    nobody = len(range(3, two_people.T, 10))
    lost = len(range(8, two_people.T, 10))
    kept = two_people.T - nobody - lost
    assert (f'track: person auto (largest first, then box overlap): '
            f'started at frame 0 on candidate 0; {kept} of {two_people.T} '
            f'frames tracked, {nobody + lost} missing: 3 (nobody), '
            '8 (lost)') in stdout, stdout[-2000:]
    assert f"pred: {result['topk_names'][0]} (" in stdout


def test_mmpose_track_ids_choose_the_person(tiny_stgcn, two_people,
                                            reference, tmp_path):
    path = write_json(tmp_path / 'tracked.json',
                      two_people.mmpose(track_ids=dict(A=7, B=3)))
    saved, stdout = infer(tiny_stgcn, path, tmp_path / 'a.json',
                          '--person', '7')
    (result, ) = saved['results']
    agrees(result, reference)
    check_track(result['track'], two_people, by='track_id')
    assert 'track: person 7 (by track id)' in stdout
    saved, _ = infer(tiny_stgcn, path, tmp_path / 'b.json', '--person', '3')
    (other, ) = saved['results']
    assert other['track']['chosen'] != result['track']['chosen']
    assert not np.allclose(other['topk_scores'], result['topk_scores'],
                           atol=1e-6)


def test_openpose_body25_folder(tiny_stgcn, two_people, reference,
                                tmp_path):
    folder = two_people.openpose(str(tmp_path / 'clip_keypoints'))
    saved, stdout = infer(tiny_stgcn, folder, tmp_path / 'out.json')
    (result, ) = saved['results']
    assert result['id'] == 'clip_keypoints'
    agrees(result, reference)
    check_track(result['track'], two_people)
    assert 'track: person auto' in stdout
