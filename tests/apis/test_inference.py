"""finetec_mm.apis: init_recognizer + inference_skeletons give what
tools/infer.py and tools/test.py give; the restored S_base; MMAction2-style
inference_skeleton; checkpoint and config errors."""
import glob
import os.path as osp
import pickle

import numpy as np
import pytest
import torch
from mmengine.config import Config

from finetec_mm.apis import (inference_skeleton, inference_skeletons,
                             init_recognizer, load_input)
# aliased: a name starting with test_ would be collected as a test
from finetec_mm.apis import test_pipeline_of as pipeline_of
from finetec_mm.apis.samples import prepare_samples
from finetec_mm.engine import CheckpointError
from tests.apis.writers import write_json, xyz
from tests.utils import PAPER_FULL_DEMO, ROOT, load_tool

infer = load_tool('tools/infer.py')
FINETEC = osp.join(ROOT, 'configs', 'finetec_demo_severe.py')


@pytest.fixture(scope='module')
def model(tiny_stgcn):
    return init_recognizer(tiny_stgcn['config'], tiny_stgcn['checkpoint'],
                           cfg_options={'test_dataloader.dataset.ann_file':
                                        tiny_stgcn['pkl']})


@pytest.fixture(scope='module')
def dump(tiny_stgcn):
    """tools/test.py's class scores per test sample."""
    with open(tiny_stgcn['dump'], 'rb') as f:
        return {d['frame_dir']: d['pred_scores']['item'].numpy()
                for d in pickle.load(f)}


def in_memory(frames: list) -> list:
    """MMPose frames of the writer as per-frame lists of instances with
    NumPy arrays (what ``MMPoseInferencer`` yields in memory)."""
    return [[dict(keypoints=np.array(i['keypoints']),
                  keypoint_scores=np.array(i['keypoint_scores']),
                  bbox=np.array(i['bbox'])) for i in f['instances']]
            for f in frames]


def as_pose_inference(frames: list) -> list:
    """The same as MMAction2's ``pose_inference`` dicts of arrays."""
    out = []
    for f in frames:
        inst = f['instances']
        out.append(dict(
            keypoints=np.array([i['keypoints'] for i in inst]).reshape(
                -1, 17, 2),
            keypoint_scores=np.array([i['keypoint_scores'] for i in inst]
                                     ).reshape(-1, 17),
            bboxes=np.array([i['bbox'][0] for i in inst]).reshape(-1, 4)))
    return out


def test_api_equals_the_command_line(tiny_stgcn, model, two_people,
                                     tmp_path, capsys):
    frames = two_people.mmpose()
    path = write_json(tmp_path / 'pred.json', frames)
    cli = infer.main([tiny_stgcn['config'], tiny_stgcn['checkpoint'], path,
                      '--img-shape', '1080', '1920', '--cfg-options',
                      f"test_dataloader.dataset.ann_file={tiny_stgcn['pkl']}"])
    capsys.readouterr()
    shape = (1080, 1920)
    api = inference_skeletons(model, [in_memory(frames),
                                      as_pose_inference(frames)],
                              img_shape=shape, ids=['pred', 'pred'])
    from_file = inference_skeletons(model, load_input(path),
                                    img_shape=shape)
    assert model.cfg.test_dataloader.dataset.ann_file == tiny_stgcn['pkl']
    for result in api + from_file:
        assert result['id'] == 'pred'
        assert result['topk_indices'] == cli[0]['topk_indices']
        assert result['topk_names'] == cli[0]['topk_names']
        np.testing.assert_allclose(result['topk_scores'],
                                   cli[0]['topk_scores'], atol=1e-6)
        assert result['track'] == cli[0]['track']
    assert cli[0]['track']['chosen'] == two_people.truth()


def test_arrays_and_annotations_match_the_test_tool(model, dump,
                                                    demo_test_annos):
    annos = demo_test_annos[:3]
    results = inference_skeletons(
        model, [xyz(annos[0]), xyz(annos[1])[None], annos[2]],
        img_shape=(1080, 1920), topk=24)
    assert [r['id'] for r in results] == ['#0', '#1', annos[2]['frame_dir']]
    for r, anno in zip(results, annos):
        expected = dump[anno['frame_dir']]
        np.testing.assert_allclose(r['topk_scores'],
                                   expected[r['topk_indices']], atol=1e-6)
        assert r['topk_indices'][0] == int(np.argmax(expected))
        assert sorted(r['topk_indices']) == list(range(24))
    assert results[2]['label'] == annos[2]['label']
    assert 'label' not in results[0]


def test_restored_base_without_and_with_gap_filling(tiny_stgcn, model,
                                                    demo_test_annos):
    arr = xyz(demo_test_annos[0])
    arr[1::3] = 0  # every third frame missing
    (anno, ) = prepare_samples([arr], 17)
    anno['img_shape'] = (1080, 1920)
    packed = pipeline_of(model)(dict(anno, modality='Pose',
                                          start_index=0))
    seen = packed['inputs'].numpy()  # (clips, M, T, V, 3)
    (plain, ) = inference_skeletons(model, [arr], img_shape=(1080, 1920),
                                    return_base=True)
    np.testing.assert_array_equal(plain['base'], seen)
    missing = (seen[..., 2] == 0).all(-1)  # (clips, M, T)
    assert missing.any() and not seen[missing].any()

    filled_model = init_recognizer(
        tiny_stgcn['config'], tiny_stgcn['checkpoint'],
        cfg_options={'corruption': dict(level=None, fill='linear')})
    (filled, ) = inference_skeletons(filled_model, [arr],
                                     img_shape=(1080, 1920),
                                     return_base=True)
    base = filled['base']
    np.testing.assert_array_equal(base[~missing], seen[~missing])
    inner = [(c, t) for c, t in zip(*np.nonzero(missing[:, 0]))
             if 0 < t < 15 and not missing[c, 0, t - 1]
             and not missing[c, 0, t + 1]]
    assert inner
    for c, t in inner:
        np.testing.assert_allclose(
            base[c, 0, t], (seen[c, 0, t - 1] + seen[c, 0, t + 1]) / 2,
            atol=1e-5)
    assert not np.allclose(filled['topk_scores'], plain['topk_scores'])


def test_restored_base_of_hosted_completion(demo_test_annos):
    """FineTec with the observed marker (the paper's full method; random
    weights, the repository's completion checkpoint): S_base keeps
    observed frames and restores the missing ones, marked."""
    (completion, ) = glob.glob(osp.join(ROOT, 'checkpoints',
                                        'icl_demo-*.pth'))
    torch.manual_seed(0)
    finetec = init_recognizer(osp.join(ROOT, PAPER_FULL_DEMO), None,
                              cfg_options={
                                  'completion_checkpoint': completion,
                                  'test_pipeline.1.num_clips': 2})
    arr = xyz(demo_test_annos[0])
    arr[::2] = 0
    (result, ) = inference_skeletons(finetec, [arr], img_shape=(1080, 1920),
                                     return_base=True, topk=2)
    (anno, ) = prepare_samples([arr], 17)
    anno['img_shape'] = (1080, 1920)
    seen = pipeline_of(finetec)(dict(anno, modality='Pose',
                                          start_index=0))['inputs'].numpy()
    base = result['base']
    assert base.shape == seen.shape == (2, 1, 16, 17, 3)
    observed = (seen[..., 2] > 0).any(-1)
    assert observed.any() and not observed.all()
    np.testing.assert_allclose(base[observed][..., :2],
                               seen[observed][..., :2], atol=1e-5)
    # present = non-zero score (restored frames carry the negative marker)
    assert (base[..., 2] != 0).any(-1).all(), 'a frame was left missing'
    assert (base[..., 2] < 0).any(), 'restored frames are not marked'
    assert (np.abs(base[~observed][..., :2]).sum(-1) > 0).all()


def test_inference_skeleton_like_mmaction(model, two_people):
    frames = two_people.mmpose()
    sample = inference_skeleton(model, as_pose_inference(frames),
                                (1080, 1920))
    (listed, ) = inference_skeletons(model, [as_pose_inference(frames)],
                                     img_shape=(1080, 1920), topk=24)
    scores = sample.pred_scores.item.numpy()
    np.testing.assert_allclose(scores[listed['topk_indices']],
                               listed['topk_scores'], atol=1e-6)


def test_init_recognizer_keeps_config_and_refuses_bad_checkpoints(
        tiny_stgcn, tmp_path):
    cfg = Config.fromfile(tiny_stgcn['config'])
    model = init_recognizer(cfg, tiny_stgcn['checkpoint'])
    assert not model.training and model.cfg.model == cfg.model
    with pytest.raises(FileNotFoundError, match='absent.pth'):
        init_recognizer(cfg, str(tmp_path / 'absent.pth'))
    with pytest.raises(FileNotFoundError, match='nope.py'):
        init_recognizer(str(tmp_path / 'nope.py'))
    foreign = str(tmp_path / 'foreign.pth')
    torch.save(dict(state_dict={'other.weight': torch.zeros(3)}), foreign)
    with pytest.raises(CheckpointError) as err:
        init_recognizer(cfg, foreign)
    assert 'foreign.pth' in str(err.value) and 'missing' in str(err.value)
    init_recognizer(cfg, foreign, allow_partial=True)  # asked for: loads


@pytest.mark.parametrize('bad,fault', [
    ([np.ones((5, 16, 3))], "sample '#0': keypoint has 16 joints"),
    ([np.ones((5, 17, 2))], "sample '#0': array of shape (5, 17, 2)"),
    ([np.zeros((5, 17, 3))], "sample '#0': empty sequence: all 5 frames"),
    ([[[], None]], "sample '#0': empty sequence: all 2 frames"),
    (['clip.json'], "sample '#0': a str is not a sample"),
    (np.ones((5, 17, 3)), 'wrap a single sample in a list'),
])
def test_bad_samples_in_memory(model, bad, fault):
    with pytest.raises(ValueError) as err:
        inference_skeletons(model, bad)
    assert fault in str(err.value), str(err.value)
