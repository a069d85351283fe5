"""Sequences far shorter than the 16-frame clip (2 and 10 frames, as in
FineGym-skeleton V2) go through the whole path: one epoch of FineTec
training with validation (tools/train.py), testing (tools/test.py) and
inference (finetec_mm.apis), with the corruption protocol's rule for
sequences shorter than two clips (docs/corruption_protocol.md)."""
import os.path as osp
import pickle

import numpy as np
import pytest
import torch

from tests.tools.short_data import LENGTHS, write_short_dataset
from tests.utils import ROOT, data_options, run_tool

CONFIG = 'configs/finetec_demo_severe.py'  # hosted completion, severe


@pytest.fixture(scope='module')
def short_pkl(tiny_demo_pkl, tmp_path_factory):
    path = str(tmp_path_factory.mktemp('short') / 'short.pkl')
    write_short_dataset(tiny_demo_pkl, path)
    return path


@pytest.fixture(scope='module')
def trained(short_pkl, tmp_path_factory):
    """One epoch (one iteration of 6 samples) with validation."""
    work_dir = tmp_path_factory.mktemp('short_train')
    proc = run_tool('tools/train.py', CONFIG, '--work-dir', str(work_dir),
                    '--seed', '0', *data_options(short_pkl, **{
                        'train_dataloader.batch_size': 6,
                        'train_cfg.max_epochs': 1}))
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert 'Epoch(train) [1][1/1]' in proc.stdout
    assert 'Epoch(val) [1][1/1]' in proc.stdout
    return str(work_dir / 'epoch_1.pth')


def corrupted_clips(pkl, name):
    """The test pipeline of CONFIG up to its corruption, on one sample."""
    from mmengine.config import Config
    from mmengine.dataset import Compose
    from mmengine.registry import init_default_scope

    import finetec_mm  # noqa: F401
    init_default_scope('mmaction')
    pipeline = Config.fromfile(osp.join(ROOT, CONFIG)).test_dataloader\
        .dataset.pipeline
    stop = [step['type'] for step in pipeline].index('GenSkeFeat')
    with open(pkl, 'rb') as f:
        anno = next(a for a in pickle.load(f)['annotations']
                    if a['frame_dir'] == name)
    return Compose(pipeline[:stop])(dict(anno, start_index=0,
                                         modality='Pose'))


@pytest.mark.parametrize('length,kept', [(2, 1), (10, 2)])
def test_short_sequence_corruption_drops_raw_frames(short_pkl, length,
                                                    kept):
    """Severe (75 %): floor(0.75 n + 0.5) of the n raw frames dropped, at
    least one kept; every clip shows only kept raw frames."""
    r = corrupted_clips(short_pkl, f'test_{length}f_0')
    inds, mask = r['frame_inds'], r['frame_mask']
    assert inds.shape == mask.shape == (10 * 16, )
    assert inds.max() < length  # frames repeat, none invented
    assert len(set(inds[mask].tolist())) == kept
    assert not set(inds[mask].tolist()) & set(inds[~mask].tolist())
    per_clip = mask.reshape(10, 16).sum(1)
    assert (per_clip > 0).all()  # every clip keeps something


def test_test_tool_on_short_sequences(trained, short_pkl, tmp_path):
    dump = str(tmp_path / 'pred.pkl')
    proc = run_tool('tools/test.py', CONFIG, trained, '--work-dir',
                    str(tmp_path), '--dump', dump, *data_options(short_pkl))
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert 'acc/top1' in proc.stdout
    with open(dump, 'rb') as f:
        predictions = pickle.load(f)
    assert len(predictions) == len(LENGTHS)
    for pred in predictions:
        scores = pred['pred_scores']['item']
        assert torch.isfinite(scores).all()
        assert torch.isclose(scores.sum(), torch.tensor(1.0), atol=1e-4)


def test_inference_on_a_two_frame_sequence(trained, short_pkl):
    from finetec_mm.apis import inference_skeletons, init_recognizer
    with open(short_pkl, 'rb') as f:
        data = pickle.load(f)
    two = next(a for a in data['annotations']
               if a['frame_dir'] == 'test_2f_0')
    assert two['keypoint'].shape[1] == 2
    model = init_recognizer(osp.join(ROOT, CONFIG), trained)
    # (T, V, 3) pixels + score, as a pose estimator gives it
    array = np.concatenate([two['keypoint'][0],
                            two['keypoint_score'][0][..., None]], -1)
    (result, ) = inference_skeletons(model, [array],
                                     img_shape=two['img_shape'], topk=3,
                                     return_base=True)
    scores = np.asarray(result['topk_scores'])
    assert len(result['topk_indices']) == 3 and np.isfinite(scores).all()
    assert (np.diff(scores) <= 0).all()
    assert np.isfinite(result['base']).all()
    assert result['base'].shape[-3:] == (16, 17, 3)
