"""Known faults end a tool with one line ``error: ...`` naming the file and
exit status 1, not a traceback or a silently wrong run (issue 14, item 4):
an annotation file that cannot be unpickled (train, test, validate, freeze),
a checkpoint that shares no weight with the model or leaves some unloaded
(test), a missing config (train, test), and a semantic dataset fault."""
import os.path as osp
import pickle

import pytest
import torch

from tests.utils import data_options, run_tool

CONFIG = 'configs/stgcn_demo_clean.py'


def error_lines(proc):
    """The ``error:`` lines of a finished tool."""
    return [ln for ln in proc.stdout.splitlines() if ln.startswith('error:')]


def assert_one_line_error(proc, *fragments):
    """Exit status 1, exactly one ``error:`` line holding every fragment,
    no traceback."""
    assert proc.returncode == 1, proc.stdout[-3000:]
    lines = error_lines(proc)
    assert len(lines) == 1, proc.stdout[-3000:]
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert 'Traceback' not in proc.stdout, proc.stdout[-3000:]
    return lines[0]


@pytest.fixture(scope='module')
def garbage_pkl(tmp_path_factory):
    """What ``echo garbage > bad.pkl`` writes."""
    path = tmp_path_factory.mktemp('garbage') / 'bad.pkl'
    path.write_text('garbage\n')
    return str(path)


@pytest.fixture(scope='module')
def stgcn_weights():
    """A fresh state dict of the ST-GCN demo model (no training needed)."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    import finetec_mm  # noqa: F401
    from mmaction.registry import MODELS
    init_default_scope('mmaction')
    return MODELS.build(Config.fromfile(CONFIG).model).state_dict()


def unpicklable_message(path):
    return (f"annotation file {path!r} cannot be read (ValueError: invalid "
            'literal for int()')


def test_train_unpicklable_annotation_file(garbage_pkl, tmp_path):
    proc = run_tool('tools/train.py', CONFIG, '--work-dir', str(tmp_path),
                    *data_options(garbage_pkl))
    assert_one_line_error(proc, unpicklable_message(garbage_pkl))


def test_test_unpicklable_annotation_file(garbage_pkl, stgcn_weights,
                                          tmp_path):
    checkpoint = str(tmp_path / 'stgcn.pth')
    torch.save({'state_dict': stgcn_weights}, checkpoint)
    proc = run_tool('tools/test.py', CONFIG, checkpoint, '--work-dir',
                    str(tmp_path), *data_options(garbage_pkl))
    assert_one_line_error(proc, unpicklable_message(garbage_pkl))


def test_validate_unpicklable_annotation_file(garbage_pkl):
    proc = run_tool('tools/data/validate_dataset.py', garbage_pkl)
    assert_one_line_error(proc, unpicklable_message(garbage_pkl))


def test_freeze_unpicklable_annotation_file(garbage_pkl, tmp_path):
    proc = run_tool('tools/data/freeze_eval_set.py', CONFIG, '--out',
                    str(tmp_path / 'frozen.pkl'), *data_options(garbage_pkl))
    assert_one_line_error(proc, unpicklable_message(garbage_pkl))
    assert not osp.exists(tmp_path / 'frozen.pkl')


def test_wrong_top_level_type(tmp_path):
    path = str(tmp_path / 'numbers.pkl')
    with open(path, 'wb') as f:
        pickle.dump(42, f)
    proc = run_tool('tools/data/validate_dataset.py', path)
    assert_one_line_error(proc, f'annotation file {path!r} holds a int')


def test_test_refuses_foreign_checkpoint(tiny_demo_pkl, tmp_path):
    """Before: "do not match exactly" logged, chance accuracy, exit 0."""
    foreign = str(tmp_path / 'foreign.pth')
    torch.save({'state_dict': {'encoder.weight': torch.zeros(4, 4)}},
               foreign)
    proc = run_tool('tools/test.py', CONFIG, foreign, '--work-dir',
                    str(tmp_path), *data_options(tiny_demo_pkl))
    line = assert_one_line_error(proc, f'checkpoint {foreign!r}',
                                 '0 of ', '1 unexpected (e.g. encoder.weight)')
    assert 'missing (e.g. backbone.' in line
    assert 'acc/top1' not in proc.stdout  # nothing was evaluated


def test_test_refuses_partial_checkpoint_unless_allowed(
        tiny_demo_pkl, stgcn_weights, tmp_path):
    partial = str(tmp_path / 'partial.pth')
    kept = {k: v for k, v in stgcn_weights.items()
            if not k.startswith('cls_head.')}
    torch.save({'state_dict': kept}, partial)
    total = len(stgcn_weights)
    proc = run_tool('tools/test.py', CONFIG, partial, '--work-dir',
                    str(tmp_path), *data_options(tiny_demo_pkl))
    assert_one_line_error(
        proc, f'checkpoint {partial!r}', f'{total - 2} of {total} model '
        'weights load; 2 missing (e.g. cls_head.fc.bias, cls_head.fc.weight)'
        '; 0 unexpected', '--allow-partial')
    proc = run_tool('tools/test.py', CONFIG, partial, '--allow-partial',
                    '--work-dir', str(tmp_path), *data_options(
                        tiny_demo_pkl, **{  # 2 test clips, not 10
                            'test_dataloader.dataset.pipeline.1.num_clips':
                            2}))
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert 'partial loading allowed' in proc.stdout
    assert 'acc/top1' in proc.stdout


@pytest.mark.parametrize('tool', ['tools/train.py', 'tools/test.py'])
def test_missing_config(tool, tmp_path):
    args = [str(tmp_path / 'x.pth')] if tool.endswith('test.py') else []
    proc = run_tool(tool, 'configs/nope.py', *args)
    assert_one_line_error(proc, "config file 'configs/nope.py' does not "
                          'exist')


def test_semantic_fault_still_one_clear_line(tiny_demo_pkl, tmp_path):
    """A NaN in a training sample: file, sample and fault on the error
    line (the check existed before; the top-level handling keeps it)."""
    with open(tiny_demo_pkl, 'rb') as f:
        data = pickle.load(f)
    name = data['split']['train'][0]
    anno = next(a for a in data['annotations'] if a['frame_dir'] == name)
    anno['keypoint'][0, 3, 5, 0] = float('nan')
    bad = str(tmp_path / 'nan.pkl')
    with open(bad, 'wb') as f:
        pickle.dump(data, f)
    proc = run_tool('tools/train.py', CONFIG, '--work-dir', str(tmp_path),
                    *data_options(bad))
    assert_one_line_error(
        proc, f"file {bad!r}: sample {name!r}: 1 NaN/inf keypoint "
        'coordinates (first at person 0, frame 3, joint 5)')


@pytest.mark.parametrize('tool', ['tools/train.py', 'tools/test.py'])
def test_missing_completion_checkpoint_says_how_to_make_it(tool, tmp_path):
    """The NTU FineTec configs name a completion checkpoint that is not
    shipped (the shipped networks complete 16-frame clips, NTU's are 100
    frames): one line naming it and the commands that make it, before any
    data file is read."""
    config = 'configs/finetec/finetec_4xb16-u100-150e_ntu60-xsub-severe.py'
    model = tmp_path / 'model.pth'
    model.write_bytes(b'')  # test.py checks that the file exists first
    args = [tool, config] + ([str(model)] if tool.endswith('test.py')
                             else []) + ['--work-dir', str(tmp_path)]
    proc = run_tool(*args)
    assert_one_line_error(
        proc, "'checkpoints/icl_ntu60.pth' does not exist",
        'python tools/train.py configs/completion/icl_ntu60.py',
        'tools/publish_checkpoint.py', 'completion_checkpoint=')
