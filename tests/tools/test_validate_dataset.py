"""End-to-end: ``tools/data/validate_dataset.py`` on good and bad files.

The command line runs twice (exit status 0 with the progress on stderr,
exit status 1 with the one-line error); the other cases call the tool's
``main(argv)`` in this process."""
import os.path as osp
import pickle

import numpy as np

from ..utils import ROOT, load_tool, run_tool

TOOL = 'tools/data/validate_dataset.py'
tool = load_tool(TOOL)


def run_main(capsys, *argv):
    """``(exit status, stderr + stdout)`` of ``main(argv)`` in process."""
    code = tool.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.err + captured.out


def test_good_file(tiny_demo_pkl):
    label_map = osp.join(osp.dirname(tiny_demo_pkl), 'label_map.txt')
    r = run_tool(TOOL, tiny_demo_pkl, '--label-map', label_map)
    assert r.returncode == 0, r.stdout
    out = r.stdout
    assert 'samples: 96   splits: train 48, val 24, test 24' in out
    assert 'classes: 24 labels present' in out
    assert 'straight jump 0.5 turn: 4' in out  # names from the label map
    assert 'problems: 0 errors' in out
    assert 'checked 96/96 samples' in out  # progress on stderr
    assert out.rstrip().endswith('OK')


def test_bad_file(tiny_demo_pkl, tmp_path, capsys):
    with open(tiny_demo_pkl, 'rb') as f:
        data = pickle.load(f)
    annos = data['annotations']
    annos[3]['keypoint'][0, 2, 4, 0] = np.nan
    annos[5]['label'] = 30
    annos[7]['keypoint_score'] = annos[7]['keypoint_score'][:, 1:]
    data['split']['val'].append('ghost_sample')
    bad = str(tmp_path / 'bad.pkl')
    with open(bad, 'wb') as f:
        pickle.dump(data, f)

    code, out = run_main(capsys, bad, '--num-classes', '24')
    assert code == 1, out
    assert 'problems: 4 errors' in out
    name = annos[3]['frame_dir']
    assert (f"file {bad!r}: sample {name!r}: 1 NaN/inf keypoint coordinates "
            '(first at person 0, frame 2, joint 4)') in out
    assert (f"sample {annos[5]['frame_dir']!r}: label 30 out of range "
            '[0, 24)') in out
    assert f"sample {annos[7]['frame_dir']!r}: keypoint_score shape" in out
    assert "sample 'ghost_sample': split 'val' names this sample" in out
    assert out.rstrip().endswith('FAILED')

    # only the val split: the train faults are not reported
    code, out = run_main(capsys, bad, '--split', 'val')
    assert code == 1
    assert 'problems: 1 errors' in out and 'ghost_sample' in out


def test_missing_file_and_unknown_split(tiny_demo_pkl, tmp_path, capsys):
    missing = str(tmp_path / 'missing.pkl')
    r = run_tool(TOOL, missing)
    assert r.returncode == 1
    assert f'{missing!r} does not exist' in r.stdout

    code, out = run_main(capsys, tiny_demo_pkl, '--split', 'xsub_val')
    assert code == 1
    assert ("split 'xsub_val' not found; available splits: "
            "['test', 'train', 'val']") in out


def test_length_histogram_and_short_sequences(tiny_demo_pkl, tmp_path,
                                             capsys):
    """Sequences of 2, 10 and 40 frames: the histogram bins them in
    frames, and the samples shorter than the clip are flagged, with the
    clip length of --config, of --clip-len, or 16."""
    from .short_data import write_short_dataset
    path = str(tmp_path / 'short.pkl')
    write_short_dataset(tiny_demo_pkl, path)  # 12 samples, 4 of each

    code, out = run_main(capsys, path, '--config',
                         osp.join(ROOT, 'configs/finetec_demo_severe.py'))
    assert code == 0, out  # short sequences are legal
    lines = out.splitlines()
    start = lines.index('sequence lengths (frames; clip 16):')
    assert [ln.split() for ln in lines[start + 1:start + 6]] == [
        ['2-3', '4', '#' * 40, '<', 'clip'],
        ['4-7', '0', '<', 'clip'],
        ['8-15', '4', '#' * 40, '<', 'clip'],
        ['16-31', '0'],
        ['32-63', '4', '#' * 40],
    ]
    assert '[warning] short_sequence (8):' in out
    assert ("sample 'test_2f_0': 2 frames, shorter than the 16-frame clip"
            in out)
    assert "sample 'test_40f_0'" not in out

    code, out = run_main(capsys, path, '--clip-len', '8', '--split', 'test')
    lines = out.splitlines()
    start = lines.index('sequence lengths (frames; clip 8):')
    assert lines[start + 1].split() == ['2-3', '1', '#' * 40, '<', 'clip']
    assert '[warning] short_sequence (1):' in out  # 2 frames only
    assert 'test_2f_0' in out and 'test_10f_0' not in out
