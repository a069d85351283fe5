"""load_annotation_file: one-line errors that name the file."""
import pickle

import numpy as np
import pytest

from finetec_mm.datasets.annotation_io import (AnnotationError,
                                               load_annotation_file)


def test_loads_a_pose_dataset_dict_and_a_bare_list(tmp_path):
    data = dict(split=dict(train=['a']), annotations=[dict(
        frame_dir='a', keypoint=np.zeros((1, 2, 17, 2), np.float16))])
    path = tmp_path / 'ok.pkl'
    path.write_bytes(pickle.dumps(data))
    loaded = load_annotation_file(path)  # a PathLike works too
    assert loaded['split'] == data['split']
    assert loaded['annotations'][0]['keypoint'].dtype == np.float16
    path.write_bytes(pickle.dumps(data['annotations']))
    assert isinstance(load_annotation_file(str(path)), list)


def test_any_name_is_read_as_a_pickle(tmp_path):
    path = tmp_path / 'annotations.data'
    path.write_bytes(pickle.dumps(dict(split={}, annotations=[])))
    assert load_annotation_file(str(path)) == dict(split={}, annotations=[])


def test_missing_file(tmp_path):
    path = str(tmp_path / 'nope.pkl')
    with pytest.raises(FileNotFoundError) as err:
        load_annotation_file(path)
    assert str(err.value) == f'annotation file {path!r} does not exist'


@pytest.mark.parametrize('content,reason', [
    (b'garbage\n', 'ValueError: invalid literal for int()'),  # echo garbage
    (b'', 'EOFError'),
    (pickle.dumps(dict(split={}, annotations=[]))[:-9], 'UnpicklingError'),
])
def test_unpicklable_file_is_one_line_naming_file_and_reason(
        tmp_path, content, reason):
    path = tmp_path / 'bad.pkl'
    path.write_bytes(content)
    with pytest.raises(AnnotationError) as err:
        load_annotation_file(str(path))
    message = str(err.value)
    assert message.startswith(f'annotation file {str(path)!r} cannot be '
                              f'read ({reason}')
    assert '\n' not in message
    assert isinstance(err.value, ValueError)


def test_wrong_top_level_type(tmp_path):
    path = tmp_path / 'array.pkl'
    path.write_bytes(pickle.dumps(np.zeros(3)))
    with pytest.raises(AnnotationError, match=r"'.*array.pkl' holds a "
                       r'ndarray, expected a dict or list'):
        load_annotation_file(str(path))
    with pytest.raises(AnnotationError, match='expected a dict '):
        load_annotation_file(str(path), expected=dict)
