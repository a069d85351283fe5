"""Validation of PoseDataset files: the pure checks and CheckedPoseDataset."""
import copy
import pickle

import numpy as np
import pytest

import finetec_mm  # noqa: F401  (registers CheckedPoseDataset)
from finetec_mm.datasets import CheckedPoseDataset
from finetec_mm.datasets.annotation_io import load_annotation_file
from finetec_mm.datasets.validation import (check_annotation, check_dataset,
                                            errors, raise_on_errors,
                                            summarize)
from mmaction.registry import DATASETS

NUM_CLASSES = 3
LENGTHS = dict(a=6, b=8, c=10, d=12)


def make_anno(name, label, T, M=1, dtype=np.float32, seed=0):
    rng = np.random.default_rng(seed)
    kp = rng.uniform(0, 500, (M, T, 17, 2)).astype(dtype)
    score = rng.uniform(0.2, 1.0, (M, T, 17)).astype(dtype)
    return dict(frame_dir=name, label=label, img_shape=(480, 640),
                original_shape=(480, 640), total_frames=T, keypoint=kp,
                keypoint_score=score)


def make_data():
    """4 samples: train a, b, c; val d. Sample a has 2 fully missing frames,
    sample c has 2 persons."""
    annos = [
        make_anno(n, label=i % NUM_CLASSES, T=T, M=2 if n == 'c' else 1,
                  seed=i) for i, (n, T) in enumerate(LENGTHS.items())
    ]
    annos[0]['keypoint'][:, :2] = 0
    annos[0]['keypoint_score'][:, :2] = 0
    return dict(split=dict(train=['a', 'b', 'c'], val=['d']),
                annotations=annos)


def write(tmp_path, data, name='ann.pkl'):
    path = str(tmp_path / name)
    with open(path, 'wb') as f:
        pickle.dump(data, f)
    return path


def anno(data, name):
    return next(a for a in data['annotations'] if a['frame_dir'] == name)


def set_nan(a):
    a['keypoint'][0, 3, 5, 1] = np.nan


def set_inf_score(a):
    a['keypoint_score'][0, 1, 2] = np.inf


def drop_joints(a):
    a['keypoint'] = a['keypoint'][:, :, :15]
    a['keypoint_score'] = a['keypoint_score'][:, :, :15]


def make_empty(a):
    a['keypoint'] = a['keypoint'][:, :0]
    a['keypoint_score'] = a['keypoint_score'][:, :0]
    a['total_frames'] = 0


def bad_score_shape(a):
    a['keypoint_score'] = a['keypoint_score'][:, :-1]


def four_channels(a):
    a['keypoint'] = np.concatenate([a['keypoint']] * 2, -1)


def three_dims(a):
    a['keypoint'] = a['keypoint'][0]


def set_key(key, value):
    return lambda a: a.__setitem__(key, value)


def del_key(key):
    return lambda a: a.pop(key)


# (mutation of sample 'b', kind, text the message must contain)
SAMPLE_CASES = {
    'nan': (set_nan, 'nonfinite', 'NaN/inf keypoint coordinates'),
    'inf_score': (set_inf_score, 'nonfinite', 'NaN/inf keypoint scores'),
    'joints': (drop_joints, 'num_joints', 'has 15 joints'),
    'empty': (make_empty, 'empty', 'empty sequence'),
    'score_shape': (bad_score_shape, 'score_shape', 'keypoint_score shape'),
    'channels': (four_channels, 'channels', 'C=4'),
    'ndim': (three_dims, 'ndim', 'expected 4-D'),
    'label_range': (set_key('label', 7), 'label', 'label 7 out of range'),
    'label_negative': (set_key('label', -1), 'label', 'out of range'),
    'label_float': (set_key('label', 1.0), 'label', 'is not an int'),
    'total_frames': (set_key('total_frames', 99), 'total_frames',
                     'total_frames=99 but keypoint has T=8'),
    'missing_key': (del_key('total_frames'), 'missing_key',
                    "missing key 'total_frames'"),
    'int_dtype': (lambda a: a.__setitem__('keypoint', a['keypoint'].astype(
        np.int32)), 'dtype', 'not floating point'),
}


@pytest.mark.parametrize('case', sorted(SAMPLE_CASES))
def test_sample_fault_from_checks(case):
    mutate, kind, text = SAMPLE_CASES[case]
    data = make_data()
    mutate(anno(data, 'b'))
    probs = errors(check_dataset(data, num_classes=NUM_CLASSES, file='x.pkl'))
    assert [q.kind for q in probs] == [kind], probs
    assert probs[0].sample == 'b'
    assert text in probs[0].message
    assert probs[0].message.startswith("file 'x.pkl': sample 'b': ")
    # the single-annotation check finds the same fault
    single = errors(check_annotation(anno(data, 'b'), 1, NUM_CLASSES))
    assert [q.kind for q in single] == [kind]


@pytest.mark.parametrize('case', sorted(SAMPLE_CASES))
def test_sample_fault_from_dataset(case, tmp_path):
    mutate, _, text = SAMPLE_CASES[case]
    data = make_data()
    mutate(anno(data, 'b'))
    path = write(tmp_path, data)
    with pytest.raises(ValueError) as e:
        CheckedPoseDataset(path, pipeline=[], split='train',
                           num_classes=NUM_CLASSES)
    msg = str(e.value)
    assert msg.startswith(f"CheckedPoseDataset: file {path!r}: sample 'b': ")
    assert text in msg


def test_fault_outside_selected_split_does_not_block(tmp_path):
    data = make_data()
    set_nan(anno(data, 'd'))
    path = write(tmp_path, data)
    assert len(CheckedPoseDataset(path, pipeline=[], split='train')) == 3
    with pytest.raises(ValueError, match="sample 'd'"):
        CheckedPoseDataset(path, pipeline=[], split='val')


def test_split_names_missing_sample(tmp_path):
    data = make_data()
    data['split']['train'].append('ghost')
    probs = errors(check_dataset(data, file='x.pkl'))
    assert [(q.kind, q.sample) for q in probs] == [('split_missing', 'ghost')]
    assert "split 'train' names this sample" in probs[0].message
    path = write(tmp_path, data)
    with pytest.raises(ValueError, match="sample 'ghost': split 'train'"):
        CheckedPoseDataset(path, pipeline=[], split='train')
    # the other split is fine
    assert len(CheckedPoseDataset(path, pipeline=[], split='val')) == 1


def test_duplicate_frame_dir(tmp_path):
    data = make_data()
    data['annotations'].append(copy.deepcopy(anno(data, 'b')))
    probs = errors(check_dataset(data, file='x.pkl'))
    assert [(q.kind, q.sample) for q in probs] == [('duplicate', 'b')]
    assert 'duplicate frame_dir: 2 annotations (indices [1, 4])' in str(
        probs[0])
    path = write(tmp_path, data)
    with pytest.raises(ValueError, match="sample 'b': duplicate frame_dir"):
        CheckedPoseDataset(path, pipeline=[], split='train')


def test_missing_file(tmp_path):
    path = str(tmp_path / 'nope.pkl')
    with pytest.raises(FileNotFoundError, match='nope.pkl'):
        load_annotation_file(path)
    with pytest.raises(FileNotFoundError, match='nope.pkl'):
        CheckedPoseDataset(path, pipeline=[], split='train')


def test_unknown_split_lists_available(tmp_path):
    path = write(tmp_path, make_data())
    with pytest.raises(ValueError) as e:
        CheckedPoseDataset(path, pipeline=[], split='xsub_train')
    assert "split 'xsub_train' not found" in str(e.value)
    assert "['train', 'val']" in str(e.value)
    assert path in str(e.value)


def test_missing_top_level_key(tmp_path):
    data = make_data()
    del data['split']
    probs = errors(check_dataset(data, file='x.pkl'))
    assert [q.kind for q in probs] == ['missing_key']
    assert "missing top-level key 'split'" in probs[0].message
    path = write(tmp_path, data)
    with pytest.raises(ValueError, match="top-level key 'split'"):
        CheckedPoseDataset(path, pipeline=[], split='train')
    # without a split every annotation is loaded
    assert len(CheckedPoseDataset(path, pipeline=[])) == 4


def test_raise_on_errors_lists_several():
    data = make_data()
    set_nan(anno(data, 'a'))
    anno(data, 'b')['label'] = 9
    with pytest.raises(ValueError) as e:
        raise_on_errors(check_dataset(data, NUM_CLASSES, file='f'), 'P')
    lines = str(e.value).splitlines()
    assert lines[0].startswith("P: file 'f': sample 'a': 1 NaN/inf")
    assert "sample 'b': label 9 out of range [0, 3)" in lines[1]


def test_valid_file_and_summary(tmp_path):
    data = make_data()
    probs = check_dataset(data, num_classes=NUM_CLASSES, file='x.pkl')
    assert errors(probs) == [] and probs == []
    s = summarize(data)
    assert s['num_samples'] == 4
    assert s['splits'] == dict(train=3, val=1)
    assert s['class_counts'] == {0: 2, 1: 1, 2: 1}
    assert s['split_class_counts'] == dict(train={0: 1, 1: 1, 2: 1},
                                           val={0: 1})
    assert s['T'] == dict(min=6, median=9.0, max=12)
    assert s['M'] == {1: 3, 2: 1}
    assert s['V'] == {17: 4}
    assert s['missing_frames'] == 2 and s['total_frames'] == 36
    assert s['missing_fraction'] == pytest.approx(2 / 36)
    assert s['dtypes'] == {'float32': 4}

    path = write(tmp_path, data)
    ds = CheckedPoseDataset(path, pipeline=[], split='train',
                            num_classes=NUM_CLASSES)
    assert [ds.get_data_info(i)['frame_dir'] for i in range(len(ds))] == [
        'a', 'b', 'c'
    ]
    built = DATASETS.build(
        dict(type='CheckedPoseDataset', ann_file=path, pipeline=[],
             split='val'))
    assert isinstance(built, CheckedPoseDataset) and len(built) == 1


def test_warnings_and_infos_do_not_block(tmp_path):
    data = make_data()
    anno(data, 'b')['keypoint_score'][0, 0, 0] = 1.05  # HRNet-like maximum
    a = anno(data, 'c')  # C=3 with the score in channel 2, no keypoint_score
    a['keypoint'] = np.concatenate(
        [a['keypoint'], a.pop('keypoint_score')[..., None]], -1)
    data['annotations'].append(make_anno('orphan', 0, 5, seed=9))
    probs = check_dataset(data, num_classes=NUM_CLASSES, file='x.pkl')
    assert errors(probs) == []
    got = {(q.level, q.kind, q.sample) for q in probs}
    assert got == {('warning', 'score_range', 'b'),
                   ('info', 'no_split', 'orphan')}
    path = write(tmp_path, data)
    assert len(CheckedPoseDataset(path, pipeline=[], split='train')) == 3


def test_float16_cast_and_extra_fields_dropped(tmp_path):
    data = make_data()
    for a in data['annotations']:
        a['keypoint'] = a['keypoint'].astype(np.float16)
        a['keypoint_score'] = a['keypoint_score'].astype(np.float16)
        T = a['total_frames']
        a['kp_w_gt'] = np.zeros((T, 17, 3), np.float16)
        a['kp_wo_gt'] = np.zeros((T, 17, 3), np.float16)
    probs = check_dataset(data, num_classes=NUM_CLASSES)
    assert [(q.level, q.kind) for q in probs] == [('info', 'dtype')]
    assert '4 samples store keypoints as float16' in probs[0].message
    assert summarize(data)['dtypes'] == {'float16': 4}

    path = write(tmp_path, data)
    ds = CheckedPoseDataset(path, pipeline=[], split='train')
    for i, name in enumerate('abc'):
        info = ds.get_data_info(i)
        assert 'kp_w_gt' not in info and 'kp_wo_gt' not in info
        assert info['keypoint'].dtype == np.float32
        assert info['keypoint_score'].dtype == np.float32
        np.testing.assert_array_equal(info['keypoint'],
                                      anno(data, name)['keypoint'])
