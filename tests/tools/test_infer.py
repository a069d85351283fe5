"""tools/infer.py: every input format, missing frames, errors, and the same
predictions as tools/test.py (ST-GCN trained for one epoch; FineTec with
random weights)."""
import glob
import json
import os.path as osp
import pickle
import shutil

import numpy as np
import pytest
import torch
from mmengine.config import Config

from finetec_mm.apis import (build_pipeline, inference_config,
                             init_recognizer, load_input)
from tests.utils import PAPER_FULL_DEMO, ROOT, load_tool, run_tool

infer = load_tool('tools/infer.py')
# the paper's full method: completion, decomposition and physics all run
FINETEC = osp.join(ROOT, PAPER_FULL_DEMO)


def options(pkl, **extra):
    opts = {'test_dataloader.dataset.ann_file': pkl}
    opts.update(extra)
    return ['--cfg-options'] + [f'{k}={v}' for k, v in opts.items()]


@pytest.fixture(scope='module')
def reference(tiny_stgcn):
    """tools/test.py's class scores of the val samples, the annotations in
    split order and the class names."""
    with open(tiny_stgcn['dump'], 'rb') as f:
        dump = pickle.load(f)
    scores = {d['frame_dir']: d['pred_scores']['item'].numpy() for d in dump}
    with open(tiny_stgcn['pkl'], 'rb') as f:
        data = pickle.load(f)
    by_name = {a['frame_dir']: a for a in data['annotations']}
    annos = [by_name[n] for n in data['split']['test']]
    with open(tiny_stgcn['label_map']) as f:
        names = f.read().split('\n')[:24]
    return dict(scores=scores, annos=annos, names=names)


def run(capsys, tiny_stgcn, input_path, *args, cfg_options=None):
    """``main`` of tools/infer.py in this process; (results, stdout)."""
    results = infer.main([tiny_stgcn['config'], tiny_stgcn['checkpoint'],
                          str(input_path), *args,
                          *options(tiny_stgcn['pkl'], **(cfg_options or {}))])
    return results, capsys.readouterr().out


def check(result, scores, names):
    """A result record agrees with tools/test.py's scores of its sample."""
    top = result['topk_indices']
    assert top[0] == int(np.argmax(scores))
    np.testing.assert_allclose(result['topk_scores'], scores[top], atol=1e-6)
    assert result['topk_scores'] == sorted(result['topk_scores'],
                                           reverse=True)
    assert result['topk_names'] == [names[i] for i in top]


def xyz(anno):
    """(T, 17, 3) (x, y, score) of a one-person annotation."""
    return np.concatenate([anno['keypoint'][0],
                           anno['keypoint_score'][0][..., None]], -1)


def json_object(anno, **extra):
    frames = [[[float(v) for v in joint] for joint in frame]
              for frame in xyz(anno)]
    return dict(img_shape=list(anno['img_shape']), frames=frames, **extra)


def test_pickle_matches_test_tool(tiny_stgcn, reference, tmp_path, capsys):
    out = tmp_path / 'pred.json'
    results, stdout = run(capsys, tiny_stgcn, tiny_stgcn['pkl'], '--split',
                          'test', '--topk', '3', '--out', str(out))
    with open(out) as f:
        saved = json.load(f)
    assert saved['results'] == results
    assert saved['checkpoint'] == tiny_stgcn['checkpoint']
    assert saved['config'] == tiny_stgcn['config']
    # default label map: the label_map.txt next to the test ann_file
    assert saved['label_map'] == tiny_stgcn['label_map']
    ids = [r['id'] for r in results]
    assert ids == [a['frame_dir'] for a in reference['annos']]
    assert set(ids) == set(reference['scores'])
    for r, anno in zip(results, reference['annos']):
        assert len(r['topk_indices']) == 3
        check(r, reference['scores'][r['id']], reference['names'])
        assert r['label'] == anno['label']
        line = f"{r['id']}: {r['topk_names'][0]} ({r['topk_scores'][0]:.3f})"
        assert line in stdout
    assert 'salto' in stdout and 'turn' in stdout  # class names, not ints


def test_numpy_and_json_inputs(tiny_stgcn, reference, tmp_path, capsys):
    a, b, c = reference['annos'][:3]
    names = [f'class_{i:02d}' for i in range(24)]
    label_map = tmp_path / 'names.txt'
    label_map.write_text('\n'.join(names) + '\n')
    files = {}
    files['single.npy'] = (xyz(a), [a])
    files['batch.npy'] = (np.stack([xyz(b)] * 2), [b, b])
    files['persons.npy'] = (np.stack([xyz(c)[None]] * 2), [c, c])
    files['one.npz'] = (dict(keypoint=b['keypoint'],
                             keypoint_score=b['keypoint_score'],
                             img_shape=np.array(b['img_shape']),
                             frame_dir=np.array(['npz_clip'])), [b])
    files['one.json'] = (json_object(a, id='clip_a'), [a])
    files['many.json'] = ([json_object(b), json_object(c, id='clip_c')],
                          [b, c])
    for name, (content, expected) in files.items():
        path = tmp_path / name
        if name.endswith('.npy'):
            np.save(path, content)
        elif name.endswith('.npz'):
            np.savez(path, **content)
        else:
            path.write_text(json.dumps(content))
        results, stdout = run(capsys, tiny_stgcn, path, '--img-shape',
                              '1080', '1920', '--label-map', str(label_map))
        assert len(results) == len(expected), name
        for r, anno in zip(results, expected):
            check(r, reference['scores'][anno['frame_dir']], names)
            assert f"{r['id']}: {r['topk_names'][0]} (" in stdout
    assert [r['id'] for r in results] == ['#0', 'clip_c']


def test_json_missing_frames_are_zero_in_the_pipeline(tiny_stgcn, reference,
                                                      tmp_path, capsys):
    anno = reference['annos'][0]
    T = anno['total_frames']
    nulls = json_object(anno, id='nulls')
    zeros = json_object(anno, id='zero_scores')
    gone = [t for t in range(T) if t % 3 == 1]
    for t in gone:
        nulls['frames'][t] = None
        zeros['frames'][t] = [[500.0, 300.0, 0.0]] * 17  # stale coords
    path = tmp_path / 'gaps.json'
    path.write_text(json.dumps([nulls, zeros]))
    results, _ = run(capsys, tiny_stgcn, path)
    assert [r['id'] for r in results] == ['nulls', 'zero_scores']
    np.testing.assert_allclose(results[0]['topk_scores'],
                               results[1]['topk_scores'], atol=1e-6)
    assert results[0]['topk_indices'] == results[1]['topk_indices']
    assert not np.allclose(results[0]['topk_scores'][:1],
                           reference['scores'][anno['frame_dir']].max(),
                           atol=1e-6), 'the gaps changed nothing'

    annos = load_input(str(path))
    assert np.all(annos[1]['keypoint'][0, gone] == 0)
    assert np.all(annos[1]['keypoint_score'][0, gone] == 0)
    cfg = Config.fromfile(tiny_stgcn['config'])
    pipeline = build_pipeline(inference_config(cfg))
    packed = pipeline(dict(annos[1], modality='Pose', start_index=0))
    x = packed['inputs'].numpy()  # (clips, M, T, V, x/y/score)
    missing = (x[..., 2] == 0).all(-1)
    assert missing.any()
    assert np.all(x[..., :2][missing] == 0)  # not (-1, -1)


def test_test_time_perturb_via_cfg_options(tiny_stgcn, reference, tmp_path,
                                           capsys):
    anno = reference['annos'][0]
    path = tmp_path / 'one.npy'
    np.save(path, xyz(anno))
    plain, _ = run(capsys, tiny_stgcn, path)
    check(plain[0], reference['scores'][anno['frame_dir']],
          reference['names'])
    noisy, _ = run(capsys, tiny_stgcn, path,
                   cfg_options={'test_time_perturb.noise': 0.5})
    assert not np.allclose(plain[0]['topk_scores'], noisy[0]['topk_scores'],
                           atol=1e-6)


def write(path, content):
    if path.suffix == '.npy':
        np.save(path, content)
    elif path.suffix == '.pkl':
        with open(path, 'wb') as f:
            pickle.dump(content, f)
    else:
        path.write_text(content if isinstance(content, str) else
                        json.dumps(content))
    return str(path)


def frames(n, joints=17, score=0.8):
    return [[[100.0 + v, 200.0 + t, score] for v in range(joints)]
            for t in range(n)]


def nan_array():
    arr = np.ones((6, 17, 3))
    arr[2, 5, 0] = np.nan
    return arr


@pytest.mark.parametrize('name,content,sample,fault', [
    ('broken.json', '{"img_shape": [1080, 1920], "frames": [[[1, 2, 0.5]',
     None, 'malformed JSON (line 1'),
    ('joints.json', dict(frames=frames(3, joints=16)), '#0',
     'frame 0 has 16 joints, expected 17'),
    ('entries.json', [dict(frames=frames(2)), dict(
        id='short', frames=frames(1) + [[[1.0, 2.0]] * 17])], 'short',
     'frame 1, joint 0: 2 values'),
    ('flat.json', dict(id='flat', frames=[[1.0] * 50]), 'flat',
     'flat list of 50 numbers, expected 3 x 17 = 51'),
    ('nan.json', '{"frames": [[' + ', '.join(['[1, 2, 0.5]'] * 16)
     + ', [NaN, 2, 0.5]]]}', '#0', 'NaN/inf keypoint coordinates'),
    ('lost.json', [dict(frames=frames(2)), dict(
        id='lost', frames=[None, None, frames(1, score=0.0)[0]])], 'lost',
     'all 3 frames are missing'),
    ('empty.json', dict(id='nothing', frames=[]), 'nothing',
     'empty sequence: T=0'),
    ('nan.npy', nan_array(), '#0',
     'NaN/inf keypoint coordinates (first at person 0, frame 2, joint 5)'),
    ('joints.npy', np.ones((4, 18, 3)), '#0', 'has 18 joints'),
    ('coords.npy', np.ones((2, 4, 17, 2)), None, 'expected 3 (x, y, score)'),
    ('bad.pkl', [dict(frame_dir='bad_one', keypoint=np.ones((1, 0, 17, 2),
                                                            np.float32),
                      keypoint_score=np.ones((1, 0, 17), np.float32),
                      img_shape=(10, 10), total_frames=0)], 'bad_one',
     'empty sequence'),
    ('clip.txt', 'hello', None, "unknown extension '.txt'"),
])
def test_input_errors_name_file_and_sample(tmp_path, name, content, sample,
                                           fault):
    path = write(tmp_path / name, content)
    with pytest.raises(ValueError) as err:
        load_input(path)
    message = str(err.value)
    assert path in message and fault in message, message
    if sample is not None:
        assert f'sample {sample!r}' in message, message


def test_missing_input_through_the_command_line(tiny_stgcn, tmp_path):
    with pytest.raises(FileNotFoundError, match='absent.json'):
        load_input(str(tmp_path / 'absent.json'))
    path = write(tmp_path / 'lost.json', dict(id='lost', frames=[None] * 4))
    proc = run_tool('tools/infer.py', tiny_stgcn['config'],
                    tiny_stgcn['checkpoint'], path)
    assert proc.returncode == 1
    assert f"error: file '{path}': sample 'lost': empty sequence: " \
        'all 4 frames are missing' in proc.stdout, proc.stdout[-2000:]


@pytest.fixture(scope='module')
def finetec(tiny_demo_pkl, tmp_path_factory):
    """A FineTec checkpoint with random weights (a plain state dict, its
    classifier scaled up so that the class scores differ visibly between
    inputs) and a 3-sample test split."""
    tmp = tmp_path_factory.mktemp('finetec_infer')
    with open(tiny_demo_pkl, 'rb') as f:
        data = pickle.load(f)
    data['split']['test'] = data['split']['test'][:3]
    pkl = str(tmp / 'small.pkl')
    with open(pkl, 'wb') as f:
        pickle.dump(data, f)
    shutil.copy(osp.join(osp.dirname(tiny_demo_pkl), 'label_map.txt'),
                tmp / 'label_map.txt')
    (completion, ) = glob.glob(osp.join(ROOT, 'checkpoints',
                                        'icl_demo-*.pth'))
    opts = {'completion_checkpoint': completion,
            'test_dataloader.dataset.pipeline.1.num_clips': 2,
            'test_dataloader.num_workers': 0,
            'test_dataloader.persistent_workers': False}
    cfg = Config.fromfile(FINETEC)
    cfg.merge_from_dict(opts)
    cfg = inference_config(cfg)
    from mmengine.registry import init_default_scope

    from mmaction.registry import MODELS
    init_default_scope('mmaction')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    with torch.no_grad():  # initial logits are ~0: make scores input-bound
        model.cls_head.fc.weight.mul_(300)
    checkpoint = str(tmp / 'finetec_random.pth')
    torch.save(dict(state_dict=model.state_dict()), checkpoint)
    return dict(pkl=pkl, checkpoint=checkpoint, opts=opts, tmp=tmp,
                data=data)


def test_finetec_simulated_corruption_matches_test_tool(finetec, capsys):
    opts = options(finetec['pkl'], **finetec['opts'])
    dump = str(finetec['tmp'] / 'pred.pkl')
    proc = run_tool('tools/test.py', FINETEC, finetec['checkpoint'],
                    '--work-dir', str(finetec['tmp'] / 'test'), '--dump',
                    dump, *opts)
    assert proc.returncode == 0, proc.stdout[-3000:]
    with open(dump, 'rb') as f:
        expected = {d['frame_dir']: d['pred_scores']['item'].numpy()
                    for d in pickle.load(f)}
    results = infer.main([FINETEC, finetec['checkpoint'], finetec['pkl'],
                          '--split', 'test', '--simulate-corruption', *opts])
    capsys.readouterr()
    assert [r['id'] for r in results] == finetec['data']['split']['test']
    with open(osp.join(osp.dirname(finetec['pkl']), 'label_map.txt')) as f:
        names = f.read().split('\n')
    for r in results:
        check(r, expected[r['id']], names)
    # the comparison can fail: without the simulated drops the scores differ
    real = infer.main([FINETEC, finetec['checkpoint'], finetec['pkl'],
                       '--split', 'test', *opts])
    capsys.readouterr()
    gap = max(np.abs(np.asarray(r['topk_scores']) -
                     expected[r['id']][r['topk_indices']]).max()
              for r in real)
    # 100x the tolerance of check(): the comparison tells the two apart
    assert gap > 1e-4, gap


def test_finetec_completion_restores_missing_input_frames(finetec, tmp_path,
                                                          capsys):
    anno = finetec['data']['annotations'][0]
    obj = json_object(anno, id='gappy')
    for t in range(0, anno['total_frames'], 2):
        obj['frames'][t] = None
    path = tmp_path / 'gappy.json'
    path.write_text(json.dumps(obj))
    opts = options(finetec['pkl'], **finetec['opts'])
    results = infer.main([FINETEC, finetec['checkpoint'], str(path),
                          '--topk', '2', *opts])
    assert capsys.readouterr().out.startswith('gappy: ')
    assert len(results) == 1 and len(results[0]['topk_indices']) == 2
    cfg = Config.fromfile(FINETEC)
    cfg.merge_from_dict(finetec['opts'])
    cfg = inference_config(cfg)
    steps = [s['type'] for s in cfg.test_dataloader.dataset.pipeline]
    assert steps[3:5] == ['MarkMissingFrames', 'GenSkeFeat'], steps
    packed = build_pipeline(cfg)(dict(
        load_input(str(path))[0], modality='Pose', start_index=0))
    raw = packed['inputs'][None]  # (1, clips, M, T, V, x/y/score)
    assert raw.shape[-1] == 3
    assert not (raw[..., 2] > 0).any(-1).all(), 'no frame is missing'
    # the recognizer's hosted completion restores every frame
    model = init_recognizer(cfg, finetec['checkpoint'])
    x = model.hosted_inputs(raw, [packed['data_samples']])[0].numpy()
    assert x.shape[-1] == 7  # base/dyna/stat/score
    # present = non-zero score (restored frames carry the negative marker)
    assert (x[..., 6] != 0).any(-1).all(), 'a frame was left missing'
    assert (x[..., 6] < 0).any(), 'restored frames are not marked'
    assert (np.abs(x[..., :2]) > 0).any(-1).any(-1).all()


def test_unfit_checkpoint_garbage_pickle_and_missing_config(tiny_stgcn,
                                                            tmp_path,
                                                            capsys):
    """One line naming the file, exit status 1: a checkpoint that shares
    no weight with the model (loaded with --allow-partial), an input .pkl
    that is no pickle, a missing config."""
    anno = np.zeros((8, 17, 3))
    anno[..., 0] = np.arange(17) * 10 + 500
    anno[..., 1] = np.arange(17)[None, :] * 20 + 300
    anno[..., 2] = 0.9
    good = write(tmp_path / 'one.npy', anno)
    foreign = str(tmp_path / 'foreign.pth')
    torch.save(dict(state_dict={'other.weight': torch.zeros(3)}), foreign)
    bad_pkl = str(tmp_path / 'bad.pkl')
    with open(bad_pkl, 'w') as f:  # echo garbage > bad.pkl
        f.write('garbage\n')
    cases = [
        ([tiny_stgcn['config'], foreign, good],
         f"error: checkpoint '{foreign}' does not fit the model: 0 of "),
        ([tiny_stgcn['config'], tiny_stgcn['checkpoint'], bad_pkl],
         f"error: annotation file '{bad_pkl}' cannot be read"),
        ([str(tmp_path / 'nope.py'), tiny_stgcn['checkpoint'], good],
         f"error: config file '{tmp_path / 'nope.py'}' does not exist"),
    ]
    # main(argv) in this process: SystemExit('error: ...') is what the
    # interpreter prints as one line with exit status 1 (the command line
    # itself: test_missing_input_through_the_command_line, and below)
    for args, line in cases:
        with pytest.raises(SystemExit) as exit_info:
            infer.main(args)
        message = exit_info.value.code
        assert isinstance(message, str), message  # exit status 1
        out = capsys.readouterr()
        lines = [x for x in (out.out + out.err + message).splitlines()
                 if x.startswith('error:')]
        assert len(lines) == 1 and lines[0].startswith(line), lines
        assert message == lines[0]
        assert 'Traceback' not in out.out + out.err
    proc = run_tool('tools/infer.py', tiny_stgcn['config'], foreign, good,
                    '--allow-partial')
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert '#0: ' in proc.stdout
