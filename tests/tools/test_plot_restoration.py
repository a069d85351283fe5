"""End-to-end test of tools/analysis/plot_restoration.py on the shipped
demo completion checkpoint and a tiny demo dataset."""
import os.path as osp

import numpy as np

from tests.utils import ROOT, run_tool

TOOL = 'tools/analysis/plot_restoration.py'
CONFIG = 'configs/completion/icl_demo.py'
CKPT = osp.join(ROOT, 'checkpoints', 'icl_demo-64b59ccf.pth')


def _options(pkl):
    return ['--cfg-options', f'test_dataloader.dataset.ann_file={pkl}',
            'model.bank=None']


def test_plot_restoration_montage(tiny_demo_pkl, tmp_path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.image as mpimg

    out = tmp_path / 'montage.png'
    proc = run_tool(TOOL, CONFIG, CKPT, '--num-samples', '2', '--level',
                    'severe', '--clip-frames', '6', '--out', str(out),
                    *_options(tiny_demo_pkl))
    assert proc.returncode == 0, proc.stdout
    assert str(out) in proc.stdout
    # per-sample errors of the first two val samples
    for name in ('demo_val_00000', 'demo_val_00001'):
        line = next(ln for ln in proc.stdout.splitlines()
                    if ln.startswith(name))
        errors = [float(v) for v in line.split()[-2:]]
        assert all(np.isfinite(e) and 0 < e < 1 for e in errors), line

    assert out.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    img = mpimg.imread(str(out))
    h, w = img.shape[:2]
    assert 600 <= w <= 2400 and 800 <= h <= 3000, img.shape
    rgb = img[..., :3]
    non_white = (rgb < 0.95).any(-1).mean()
    assert non_white > 0.01, non_white
    colours = np.unique((rgb.reshape(-1, 3) * 255).round().astype(np.uint8),
                        axis=0)
    assert len(colours) > 20, len(colours)
    # the skeleton colours: blue-ish (left) and red-ish (right) strokes
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    assert ((b > 0.55) & (r < 0.35)).sum() > 100
    assert ((r > 0.65) & (g < 0.3) & (b < 0.3)).sum() > 100


def test_plot_restoration_unknown_sample(tiny_demo_pkl, tmp_path):
    out = tmp_path / 'none.png'
    proc = run_tool(TOOL, CONFIG, CKPT, '--samples', 'no_such_clip',
                    '--out', str(out), *_options(tiny_demo_pkl))
    assert proc.returncode != 0
    assert 'no_such_clip' in proc.stdout
    assert tiny_demo_pkl in proc.stdout or osp.basename(
        tiny_demo_pkl) in proc.stdout
    assert not out.exists()


def test_plot_restoration_missing_checkpoint(tiny_demo_pkl, tmp_path):
    missing = str(tmp_path / 'absent.pth')
    proc = run_tool(TOOL, CONFIG, missing, '--out',
                    str(tmp_path / 'x.png'), *_options(tiny_demo_pkl))
    assert proc.returncode != 0
    assert 'absent.pth' in proc.stdout
