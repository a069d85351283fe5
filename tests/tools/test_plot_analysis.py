"""tools/analysis/plot_per_class.py and plot_confusion.py on the dump of
tools/test.py and on a hand-made dump with known numbers."""
import pickle

import numpy as np
import pytest
import torch

from finetec_mm.evaluation import confusion_matrix, per_class_accuracy
from tests.utils import load_tool

per_class = load_tool('tools/analysis/plot_per_class.py')
confusion = load_tool('tools/analysis/plot_confusion.py')


def check_png(path, min_w=400, min_h=300):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.image as mpimg
    assert path.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    img = mpimg.imread(str(path))
    h, w = img.shape[:2]
    assert w >= min_w and h >= min_h, img.shape
    rgb = img[..., :3]
    assert rgb.std() > 0.05  # not one flat colour
    assert (rgb < 0.95).any(-1).mean() > 0.01  # something drawn on white
    return rgb


def fake_dump(path, labels, preds, num_classes=4):
    """A dump in the format of tools/test.py --dump."""
    samples = []
    for i, (y, p) in enumerate(zip(labels, preds)):
        s = torch.full((num_classes, ), 0.1)
        s[p] = 0.7
        samples.append(dict(frame_dir=f'v{i}', img_shape=(1080, 1920),
                            pred_scores=dict(item=s / s.sum()),
                            pred_labels=dict(item=torch.tensor([p])),
                            gt_labels=dict(item=torch.tensor([y]))))
    with open(path, 'wb') as f:
        pickle.dump(samples, f)
    return str(path)


# true:  0 0 0 0 | 1 1 | 2 2 2 | (3 has no test sample)
LABELS = [0, 0, 0, 0, 1, 1, 2, 2, 2]
PREDS = [0, 0, 0, 1, 1, 3, 0, 2, 1]


@pytest.fixture
def known(tmp_path):
    dump = fake_dump(tmp_path / 'pred.pkl', LABELS, PREDS)
    ann = tmp_path / 'ann.pkl'
    train = [f't{i}' for i in range(15)]
    train_labels = [0] * 8 + [1] * 4 + [2] * 2 + [3] * 1
    annos = [dict(frame_dir=n, label=c) for n, c in zip(train, train_labels)]
    annos.append(dict(frame_dir='val0', label=3))
    with open(ann, 'wb') as f:
        pickle.dump(dict(split=dict(train=train, val=['val0']),
                         annotations=annos), f)
    (tmp_path / 'label_map.txt').write_text('alpha\nbeta\ngamma\ndelta\n')
    return dump, str(ann)


def test_per_class_and_confusion_numbers():
    acc = per_class_accuracy(np.array(LABELS), np.array(PREDS), 4)
    np.testing.assert_allclose(acc[:3], [0.75, 0.5, 1 / 3])
    assert np.isnan(acc[3])
    mat = confusion_matrix(LABELS, PREDS, [0, 2])
    np.testing.assert_allclose(mat, [[0.75, 0, 0.25], [1 / 3, 1 / 3, 1 / 3]])
    full = confusion_matrix(LABELS, PREDS, num_classes=4, normalize=False)
    assert full.sum() == 9 and full[1, 3] == 1 and full[2, 1] == 1


def test_plot_per_class_known_dump(known, tmp_path, capsys):
    dump, ann = known
    out = tmp_path / 'per_class.png'
    per_class.main([dump, '--ann-file', ann, '--out', str(out), '--json',
                    str(tmp_path / 'pc.json')])
    stdout = capsys.readouterr().out
    check_png(out)
    rows = {ln.split()[1]: ln.split() for ln in stdout.splitlines()
            if ln.split()[:1] in (['0'], ['1'], ['2'], ['3'])}
    # name (default label map next to --ann-file), train, test, accuracy
    assert rows['alpha'][2:] == ['8', '4', '0.750']
    assert rows['beta'][2:] == ['4', '2', '0.500']
    assert rows['gamma'][2:] == ['2', '3', '0.333']
    assert rows['delta'][2:] == ['1', '0', 'n/a']
    assert 'top-1 0.5556   mean-class 0.5278' in stdout
    assert 'Spearman(freq, acc) 1.000' in stdout
    assert '1 classes have no test sample (not drawn): delta' in stdout


def test_plot_confusion_known_dump(known, tmp_path, capsys):
    dump, _ = known
    out = tmp_path / 'confusion.png'
    confusion.main([dump, '--classes', '0', 'gamma', '--label-map',
                    str(tmp_path / 'label_map.txt'), '--out', str(out)])
    stdout = capsys.readouterr().out
    check_png(out, 300, 250)
    assert '7 test samples of 2 classes, top-1 accuracy 0.5714' in stdout
    assert 'gamma -> alpha: 1, 0.333' in stdout
    assert 'alpha -> other: 1, 0.250' in stdout


@pytest.mark.parametrize('argv,message', [
    (['--classes', '7'], 'class 7 outside [0, 4)'),
    (['--classes', 'omega'], "'omega' is not a class index or name"),
    (['--classes', '1', '1'], 'class 1 given twice'),
])
def test_plot_confusion_bad_classes(known, tmp_path, argv, message):
    dump, _ = known
    out = tmp_path / 'x.png'
    with pytest.raises(SystemExit) as err:
        confusion.main([dump, *argv, '--out', str(out)])
    assert message in str(err.value)
    assert not out.exists()


def test_bad_dump_is_named(tmp_path):
    bad = tmp_path / 'not_a_dump.pkl'
    with open(bad, 'wb') as f:
        pickle.dump([dict(frame_dir='odd', pred_scores=dict(item=None))], f)
    with pytest.raises(SystemExit, match="not_a_dump.pkl.*sample 'odd'"):
        confusion.main([str(bad), '--out', str(tmp_path / 'x.png')])
    with pytest.raises(SystemExit, match='absent.pkl'):
        per_class.main([str(tmp_path / 'absent.pkl'), '--ann-file', str(bad),
                        '--out', str(tmp_path / 'x.png')])


def test_plots_of_a_test_tool_dump(tiny_stgcn, tmp_path, capsys):
    out = tmp_path / 'per_class.png'
    per_class.main([tiny_stgcn['dump'], '--ann-file', tiny_stgcn['pkl'],
                    '--label-map', tiny_stgcn['label_map'], '--out',
                    str(out)])
    stdout = capsys.readouterr().out
    check_png(out, 800, 600)
    table = [ln.split() for ln in stdout.splitlines()
             if ln.split()[:1] and ln.split()[0].isdigit()]
    assert len(table) == 24
    # 2 training and 1 test sample per class in the tiny demo data
    assert all(row[-3:-1] == ['2', '1'] for row in table), table
    with open(tiny_stgcn['dump'], 'rb') as f:
        dump = pickle.load(f)
    top1 = np.mean([int(d['pred_scores']['item'].argmax()) ==
                    int(d['gt_labels']['item']) for d in dump])
    assert f'top-1 {top1:.4f}' in stdout

    out = tmp_path / 'confusion.png'
    confusion.main([tiny_stgcn['dump'], '--label-map',
                    tiny_stgcn['label_map'], '--out', str(out)])
    stdout = capsys.readouterr().out
    rgb = check_png(out, 800, 600)
    assert '24 test samples of 24 classes' in stdout
    # the Blues colour map: some strongly blue cells
    assert ((rgb[..., 2] > 0.5) & (rgb[..., 0] < 0.3)).sum() > 100
