"""End-to-end test of tools/analysis/plot_restoration.py on the shipped
demo completion checkpoint and a tiny demo dataset. The missing-checkpoint
case runs the command line; the others call its ``main(argv)`` in this
process."""
import os.path as osp

import numpy as np
import pytest

from tests.utils import ROOT, load_tool, run_tool

TOOL = 'tools/analysis/plot_restoration.py'
CONFIG = 'configs/completion/icl_demo.py'
CKPT = osp.join(ROOT, 'checkpoints', 'icl_demo-a35cca84.pth')
tool = load_tool(TOOL)


def _options(pkl):
    return ['--cfg-options', f'test_dataloader.dataset.ann_file={pkl}',
            'model.bank=None']


def metric_of_test_clips(pkl, num):
    """{frame_dir: (linear, ICL)} ``mpjpe_missing`` of the first ``num``
    clips of the completion config's test loader (SkeletonBank + severe
    SkeletonCorrupt) scored by RestorationMetric."""
    import torch
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    import finetec_mm  # noqa: F401
    from finetec_mm.datasets.transforms import fill_gaps
    from finetec_mm.datasets.transforms.icl_completion import \
        build_completion_model
    from finetec_mm.evaluation import RestorationMetric
    from mmaction.registry import DATASETS
    init_default_scope('mmaction')
    dataset = Config.fromfile(osp.join(ROOT, CONFIG)).test_dataloader.dataset
    dataset.ann_file = pkl
    bank = DATASETS.build(dataset)
    model = build_completion_model(CKPT)
    out = {}
    for idx in range(num):
        item = bank[idx]
        sample = item['data_samples']
        corrupt, mask = item['inputs'], sample['frame_mask']
        linear = fill_gaps(corrupt[None].numpy(), mask.numpy())[0][0]
        with torch.no_grad():
            icl = model.complete(corrupt[None], mask[None])[0]
        errors = []
        for pred in (linear, icl):
            metric = RestorationMetric()
            metric.process(None, [dict(pred=pred, gt=sample['gt_keypoint'],
                                       frame_mask=mask,
                                       img_shape=sample['img_shape'])])
            errors.append(metric.compute_metrics(metric.results)[
                'mpjpe_missing'])
        out[sample['frame_dir']] = tuple(errors)
    return out


def test_plot_restoration_montage(tiny_demo_pkl, tmp_path, capsys):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.image as mpimg

    out = tmp_path / 'montage.png'
    tool.main([osp.join(ROOT, CONFIG), CKPT, '--num-samples', '2',
               '--level', 'severe', '--clip-frames', '6', '--out', str(out),
               *_options(tiny_demo_pkl)])  # raises SystemExit on failure
    stdout = capsys.readouterr().out
    assert str(out) in stdout
    # per-sample errors of the first two test samples: RestorationMetric's
    # mpjpe_missing of the same clips as the config's test loop makes them
    expected = metric_of_test_clips(tiny_demo_pkl, 2)
    for name, (lin, icl) in expected.items():
        line = next(ln for ln in stdout.splitlines()
                    if ln.startswith(name))
        printed = [float(v) for v in line.split()[-2:]]
        assert printed == pytest.approx([lin, icl], abs=6e-5), line
        assert icl != pytest.approx(lin, abs=1e-4)

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
    with pytest.raises(SystemExit) as exc:
        tool.main([osp.join(ROOT, CONFIG), CKPT, '--samples', 'no_such_clip',
                   '--out', str(out), *_options(tiny_demo_pkl)])
    message = exc.value.code
    assert message not in (None, 0)  # exit status != 0
    assert 'no_such_clip' in message
    assert tiny_demo_pkl in message or osp.basename(
        tiny_demo_pkl) in message
    assert not out.exists()


def test_plot_restoration_missing_checkpoint(tiny_demo_pkl, tmp_path):
    missing = str(tmp_path / 'absent.pth')
    proc = run_tool(TOOL, CONFIG, missing, '--out',
                    str(tmp_path / 'x.png'), *_options(tiny_demo_pkl))
    assert proc.returncode != 0
    assert 'absent.pth' in proc.stdout
