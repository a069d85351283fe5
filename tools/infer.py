"""Classify your own skeleton sequences with a trained checkpoint.

Example::

    python tools/infer.py configs/stgcn_demo_severe_interp.py \\
        work_dirs/stgcn_demo_severe_interp/epoch_16.pth clips.json \\
        --out predictions.json --topk 5

INPUT (one file, by extension):

* ``.pkl`` / ``.pickle``: a PoseDataset pickle, ``dict(annotations=[...],
  split=...)`` or a bare list of annotations; each annotation has
  ``keypoint`` (M, T, V, 2) in pixels, ``keypoint_score`` (M, T, V),
  ``img_shape`` (h, w), ``total_frames`` and optionally ``frame_dir`` (the
  sample id) and ``label``. ``--split NAME`` keeps one split.
* ``.npy``: an array (T, V, 3), (N, T, V, 3) or (N, M, T, V, 3) of
  (x, y, score) in pixels; the image size comes from ``--img-shape``.
* ``.npz``: ``keypoint`` (T, V, C), (M, T, V, C) or (N, M, T, V, C) with
  C = 2 (then ``keypoint_score`` with the leading shape is required) or
  C = 3 (x, y, score); optional ``keypoint_score``, ``img_shape`` (2, ) or
  (N, 2) and ``frame_dir`` (N sample ids).
* ``.json``: ``{"img_shape": [h, w], "frames": [frame, ...], "id": ...}``
  or a list of such objects; a frame is ``null`` (missing) or V COCO-17
  joints ``[[x, y, score], ...]`` (a flat list of 3·V numbers is accepted
  too); "id" is optional.

V must be the joint count of the model's graph (17 for COCO). A frame whose
scores are all 0 (or a ``null`` frame) is *missing*: it is stored with zero
coordinates and scores, and ``MarkMissingFrames`` keeps it at 0 after
``PreNormalize2D``, exactly as the corruption protocol writes dropped
frames, so the config's gap filling / ``ICLCompletion`` restores it.

The pipeline is the config's ``test_dataloader`` pipeline resolved as
``FineTecRunner`` resolves it (``input_transforms``,
``completion_checkpoint``, ``num_classes``, ``test_time_perturb``), with one
difference: the ``CorruptionProtocol`` slot becomes ``MarkMissingFrames`` +
the config's gap filling (``corruption.fill``), because the frames missing in
real input are the corruption. ``--simulate-corruption`` also drops frames
as ``tools/test.py`` does (the config's ``SkeletonCorrupt``, seeded by the
sample id), which reproduces the test predictions of a dataset sample.

Output: per sample its top-k classes (names from ``--label-map``, else the
``label_map.txt`` next to the config's test ``ann_file``, else indices) and
scores (what the model's head returns, class probabilities averaged over the
test clips for the configs of this repository); ``--out`` writes them as
JSON.
"""
import argparse
import json
import os
import os.path as osp
import sys
from typing import List, Optional

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
if ROOT not in sys.path:  # source checkout on sys.path, also when imported
    sys.path.insert(0, ROOT)

import numpy as np  # noqa: E402

EXTENSIONS = ('.pkl', '.pickle', '.npy', '.npz', '.json')
#: Joints per person of the GCN graph layouts MMAction2 knows.
LAYOUT_JOINTS = {'coco': 17, 'openpose': 18, 'nturgb+d': 25}


def parse_args(argv=None):
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(
        description='Classify skeleton sequences with a trained checkpoint')
    parser.add_argument('config', help='config the checkpoint was trained '
                        'with')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('input', help='skeletons: .pkl, .npy, .npz or .json')
    parser.add_argument('--out', help='write the predictions to this .json')
    parser.add_argument('--topk', type=int, default=5,
                        help='classes listed per sample (default 5)')
    parser.add_argument('--device', default='cpu',
                        help="'cpu' or 'cuda' ('cuda:N')")
    parser.add_argument('--batch-size', type=int,
                        help='samples per forward pass (default: the '
                        "config's test batch size)")
    parser.add_argument('--label-map', help='class names, one per line '
                        "(default: label_map.txt next to the config's "
                        'test ann_file)')
    parser.add_argument('--split', help='.pkl input: keep only this split')
    parser.add_argument('--img-shape', type=int, nargs=2,
                        metavar=('H', 'W'),
                        help='image size of inputs that do not state one '
                        "(default: PreNormalize2D's, 1080 x 1920)")
    parser.add_argument('--simulate-corruption', action='store_true',
                        help="also drop frames with the config's "
                        'corruption, as tools/test.py does')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries')
    args = parser.parse_args(argv)
    if args.topk < 1:
        parser.error('--topk must be >= 1')
    if args.batch_size is not None and args.batch_size < 1:
        parser.error('--batch-size must be >= 1')
    if args.out is not None and not args.out.endswith('.json'):
        parser.error(f'--out must end with .json, got {args.out!r}')
    return args


# --------------------------------------------------------------------------
# Input files -> annotations (dicts as in a PoseDataset pickle)


def _where(path: str, name: Optional[str] = None) -> str:
    where = f'file {path!r}'
    return where if name is None else f'{where}: sample {name!r}'


def make_annotation(name: str, xy: np.ndarray, score: np.ndarray,
                    img_shape=None, label=None) -> dict:
    """An annotation from (M, T, V, 2) pixel coordinates and (M, T, V)
    scores (float32 copies)."""
    xy = np.array(xy, dtype=np.float32)
    score = np.array(score, dtype=np.float32)
    anno = dict(frame_dir=str(name), keypoint=xy, keypoint_score=score,
                total_frames=int(xy.shape[1]) if xy.ndim == 4 else 0)
    if img_shape is not None:  # checked by check_samples
        anno['img_shape'] = img_shape
    if label is not None:
        anno['label'] = label
    return anno


def _split_channels(kp: np.ndarray, score, path: str, name: str):
    """(x, y) and scores of a (..., C) keypoint array."""
    if kp.shape[-1] == 3 and score is None:
        return kp[..., :2], kp[..., 2]
    if kp.shape[-1] not in (2, 3):
        raise ValueError(f'{_where(path, name)}: keypoints have '
                         f'{kp.shape[-1]} values per joint (shape '
                         f'{kp.shape}), expected 2 (x, y) or 3 (x, y, '
                         'score)')
    if score is None:
        raise ValueError(f'{_where(path, name)}: keypoints have only (x, y) '
                         'and no keypoint_score is given; scores are needed '
                         '(a missing frame is one whose scores are all 0)')
    return kp[..., :2], np.asarray(score)


def load_pickle(path: str, split: Optional[str]) -> List[dict]:
    """Annotations of a PoseDataset pickle (optionally one split)."""
    from finetec_mm.datasets.validation import load_pose_file, sample_name
    data = load_pose_file(path)
    if isinstance(data, (list, tuple)):
        annos = list(data)
        if split is not None:
            raise ValueError(f'{_where(path)}: --split {split!r} given but '
                             'the file is a list of annotations, not a dict '
                             'with "split"')
    elif isinstance(data, dict) and isinstance(data.get('annotations'),
                                               (list, tuple)):
        annos = list(data['annotations'])
        if split is not None:
            splits = data.get('split')
            if not isinstance(splits, dict) or split not in splits:
                have = sorted(splits) if isinstance(splits, dict) else []
                raise ValueError(f'{_where(path)}: split {split!r} not found '
                                 f'(available: {have})')
            wanted = {str(n) for n in splits[split]}
            annos = [a for i, a in enumerate(annos)
                     if sample_name(a, i) in wanted]
    else:
        raise ValueError(f'{_where(path)}: expected a dict with an '
                         '"annotations" list or a list of annotations, got '
                         f'{type(data).__name__}')
    out = []
    for i, anno in enumerate(annos):
        name = sample_name(anno, i)
        if not isinstance(anno, dict):
            raise ValueError(f'{_where(path, name)}: annotation is a '
                             f'{type(anno).__name__}, not a dict')
        if 'keypoint' not in anno:
            raise ValueError(f'{_where(path, name)}: missing key '
                             "'keypoint'")
        kp = np.asarray(anno['keypoint'])
        score = anno.get('keypoint_score')
        if kp.ndim == 4 and kp.dtype.kind == 'f':
            xy, score = _split_channels(kp, score, path, name)
        else:
            xy = kp  # reported by check_samples
            score = np.ones(kp.shape[:-1]) if score is None else score
        new = make_annotation(name, xy, score, anno.get('img_shape'),
                              anno.get('label'))
        if 'total_frames' in anno:
            new['total_frames'] = anno['total_frames']
        out.append(new)
    return out


def _batched(arr: np.ndarray, path: str, what: str, num_joints: int):
    """(N, M, T, V, C) view of a (T, V, C) / (M|N, T, V, C) / (N, M, T, V,
    C) array; ``what`` says how a 4-D array is read ('N' or 'M')."""
    shapes = {3: '(T, V, C)', 4: f'({what}, T, V, C)', 5: '(N, M, T, V, C)'}
    if arr.ndim not in shapes:
        raise ValueError(
            f'{_where(path)}: array of shape {arr.shape}, expected '
            f"{' or '.join(shapes.values())} with V = {num_joints} joints")
    if arr.dtype.kind not in 'fiu':
        raise ValueError(f'{_where(path)}: array dtype {arr.dtype} is not '
                         'numeric')
    if arr.ndim == 3:
        return arr[None, None]
    if arr.ndim == 4:
        return arr[:, None] if what == 'N' else arr[None]
    return arr


def load_numpy(path: str, num_joints: int) -> List[dict]:
    """Annotations of a ``.npy`` (x, y, score) array."""
    try:
        arr = np.load(path, allow_pickle=False)
    except Exception as err:
        raise ValueError(f'{_where(path)}: cannot be read as a NumPy .npy '
                         f'file ({type(err).__name__}: {err})') from None
    arr = _batched(arr, path, 'N', num_joints)
    if arr.shape[-1] != 3:
        raise ValueError(f'{_where(path)}: last axis has {arr.shape[-1]} '
                         'values, expected 3 (x, y, score); shape '
                         f'{arr.shape}')
    return [make_annotation(f'#{n}', a[..., :2], a[..., 2])
            for n, a in enumerate(arr)]


def load_npz(path: str, num_joints: int) -> List[dict]:
    """Annotations of a ``.npz`` with ``keypoint`` (+ ``keypoint_score``,
    ``img_shape``, ``frame_dir``)."""
    try:
        npz = np.load(path, allow_pickle=False)
        data = {k: npz[k] for k in npz.files}
    except Exception as err:
        raise ValueError(f'{_where(path)}: cannot be read as a NumPy .npz '
                         f'file ({type(err).__name__}: {err})') from None
    if 'keypoint' not in data:
        raise ValueError(f'{_where(path)}: no "keypoint" array (has '
                         f'{sorted(data)})')
    kp = _batched(data['keypoint'], path, 'M', num_joints)
    N = kp.shape[0]
    score = data.get('keypoint_score')
    if score is not None:
        score = np.asarray(score)
        if score.size != int(np.prod(kp.shape[:-1])):
            raise ValueError(f'{_where(path)}: keypoint_score shape '
                             f'{score.shape} does not match keypoint shape '
                             f'{data["keypoint"].shape} without its last '
                             'axis')
        score = score.reshape(kp.shape[:-1])
    shapes = data.get('img_shape')
    if shapes is not None:
        shapes = np.asarray(shapes)
        if shapes.size % 2 or shapes.size == 0:
            raise ValueError(f'{_where(path)}: img_shape of shape '
                             f'{shapes.shape} is not (2, ) or (N, 2)')
        shapes = shapes.reshape(-1, 2)
        if len(shapes) not in (1, N):
            raise ValueError(f'{_where(path)}: img_shape has {len(shapes)} '
                             f'rows for {N} samples')
    names = data.get('frame_dir')
    names = ([f'#{n}' for n in range(N)] if names is None else
             [str(s) for s in np.asarray(names).reshape(-1)])
    if len(names) != N:
        raise ValueError(f'{_where(path)}: {len(names)} frame_dir entries '
                         f'for {N} samples')
    out = []
    for n in range(N):
        xy, sc = _split_channels(kp[n], None if score is None else score[n],
                                 path, names[n])
        shape = None if shapes is None else shapes[min(n, len(shapes) - 1)]
        out.append(make_annotation(names[n], xy, sc, shape))
    return out


def _json_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _json_frame(frame, t: int, num_joints: int, where: str) -> np.ndarray:
    """(V, 3) array of one JSON frame (zeros for ``null``)."""
    if frame is None:
        return np.zeros((num_joints, 3))
    if not isinstance(frame, list):
        raise ValueError(f'{where}: frame {t} is a {type(frame).__name__}, '
                         'expected null or a list of [x, y, score] joints')
    if frame and all(_json_number(v) for v in frame):  # flat 3*V list
        if len(frame) != 3 * num_joints:
            raise ValueError(f'{where}: frame {t} is a flat list of '
                             f'{len(frame)} numbers, expected '
                             f'3 x {num_joints} = {3 * num_joints}')
        return np.asarray(frame, dtype=np.float64).reshape(num_joints, 3)
    if len(frame) != num_joints:
        raise ValueError(f'{where}: frame {t} has {len(frame)} joints, '
                         f'expected {num_joints} (COCO-17 order)')
    for v, joint in enumerate(frame):
        if not isinstance(joint, list) or len(joint) != 3:
            got = (f'{len(joint)} values' if isinstance(joint, list) else
                   f'a {type(joint).__name__}')
            raise ValueError(f'{where}: frame {t}, joint {v}: {got} '
                             f'({joint!r}), expected [x, y, score]')
        if not all(_json_number(x) for x in joint):
            raise ValueError(f'{where}: frame {t}, joint {v}: {joint!r} is '
                             'not three numbers')
    return np.asarray(frame, dtype=np.float64)


def load_json(path: str, num_joints: int) -> List[dict]:
    """Annotations of a JSON object or list of objects (see module doc)."""
    with open(path, encoding='utf-8') as f:
        try:
            data = json.load(f)
        except json.JSONDecodeError as err:
            raise ValueError(f'{_where(path)}: malformed JSON (line '
                             f'{err.lineno}, column {err.colno}: {err.msg})'
                             ) from None
        except UnicodeDecodeError as err:
            raise ValueError(f'{_where(path)}: not UTF-8 text ({err})'
                             ) from None
    objects = data if isinstance(data, list) else [data]
    out = []
    for i, obj in enumerate(objects):
        name = f'#{i}'
        if isinstance(obj, dict) and obj.get('id') is not None:
            name = str(obj['id'])
        where = _where(path, name)
        if not isinstance(obj, dict):
            raise ValueError(f'{where}: expected an object with "frames", '
                             f'got a {type(obj).__name__}')
        frames = obj.get('frames')
        if not isinstance(frames, list):
            raise ValueError(f'{where}: "frames" must be a list of frames '
                             f'(got {type(frames).__name__})')
        shape = obj.get('img_shape')
        if shape is not None and not (
                isinstance(shape, list) and len(shape) == 2
                and all(_json_number(s) and s > 0 for s in shape)):
            raise ValueError(f'{where}: "img_shape" {shape!r} is not '
                             '[height, width]')
        arr = np.stack([_json_frame(fr, t, num_joints, where)
                        for t, fr in enumerate(frames)]) if frames else \
            np.zeros((0, num_joints, 3))
        out.append(make_annotation(name, arr[None, ..., :2],
                                   arr[None, ..., 2], shape, obj.get('label')))
    return out


def check_samples(annos: List[dict], path: str, num_joints: int,
                  num_classes: Optional[int] = None) -> None:
    """The annotation checks of ``CheckedPoseDataset`` (shapes, joint count,
    NaN/inf, labels) plus: at least one observed frame per sample. Raises a
    ValueError naming the file, the sample and every fault."""
    from finetec_mm.datasets.validation import (Problem, check_annotation,
                                                frame_missing,
                                                raise_on_errors)
    problems = []
    for i, anno in enumerate(annos):
        view = dict(anno)
        view.setdefault('label', 0)  # labels are optional here
        found = check_annotation(view, i, num_classes, num_joints, path)
        problems += found
        if any(q.level == 'error' for q in found):
            continue
        T = anno['keypoint'].shape[1]
        if frame_missing(anno).all():
            problems.append(Problem(
                'error', 'empty', f'empty sequence: all {T} frames are '
                'missing (every keypoint score is 0)',
                sample=anno['frame_dir'], file=path))
    if not annos:
        problems.append(Problem('error', 'empty', 'no sample in the file',
                                file=path))
    raise_on_errors(problems)


def load_input(path: str, num_joints: int = 17,
               split: Optional[str] = None,
               num_classes: Optional[int] = None) -> List[dict]:
    """Read and check an input file; returns annotations with
    ``frame_dir`` (the sample id), ``keypoint`` (M, T, V, 2) float32 pixels,
    ``keypoint_score`` (M, T, V) float32, ``total_frames`` and, where known,
    ``img_shape`` and ``label``."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'input file {path!r} does not exist')
    ext = osp.splitext(path)[1].lower()
    if ext not in EXTENSIONS:
        raise ValueError(f'{_where(path)}: unknown extension {ext!r}, '
                         f"expected one of {', '.join(EXTENSIONS)}")
    if split is not None and ext not in ('.pkl', '.pickle'):
        raise ValueError(f'{_where(path)}: --split only applies to .pkl '
                         'input')
    if ext in ('.pkl', '.pickle'):
        annos = load_pickle(path, split)
    elif ext == '.npy':
        annos = load_numpy(path, num_joints)
    elif ext == '.npz':
        annos = load_npz(path, num_joints)
    else:
        annos = load_json(path, num_joints)
    check_samples(annos, path, num_joints, num_classes)
    for anno in annos:  # missing person-frames: coordinates 0 as well
        missing = ~(anno['keypoint_score'] != 0).any(-1)
        anno['keypoint'][missing] = 0
        if 'img_shape' in anno:
            anno['img_shape'] = tuple(np.asarray(anno['img_shape']).tolist())
    return annos


# --------------------------------------------------------------------------
# Config, pipeline, model


def graph_joints(cfg) -> int:
    """Joints per person of the model's graph (17 if it names none)."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            graph = node.get('graph_cfg')
            if isinstance(graph, dict) and graph.get('layout') in \
                    LAYOUT_JOINTS:
                found.append(LAYOUT_JOINTS[graph['layout']])
            for child in node.values():
                walk(child)
        elif isinstance(node, (list, tuple)):
            for child in node:
                walk(child)

    walk(cfg.get('model', {}))
    return found[0] if found else 17


def inference_config(cfg, simulate_corruption: bool = False):
    """A copy of ``cfg`` whose test pipeline reads real input.

    The config's test pipeline *template* (``test_pipeline``) is recomposed
    with its ``CorruptionProtocol`` slot replaced by ``MarkMissingFrames``
    followed by the slot itself (``simulate_corruption``: the corruption is
    composed in as for testing) or by ``GapFill(method=corruption.fill)``
    (if the config fills gaps), because the frames missing in real input
    are the corruption.
    """
    import copy

    from finetec_mm.engine.protocol import SLOT, recompose
    cfg = copy.deepcopy(cfg)
    cfg.frozen = False  # real input is never a frozen evaluation set
    fill = dict(cfg.get('corruption', None) or {}).get('fill', None)
    template = cfg.get('test_pipeline', None)
    if not template:
        raise ValueError('the config has no test_pipeline template')
    steps = []
    for step in template:
        if step.get('type') != SLOT:
            steps.append(step)
            continue
        steps.append(dict(type='MarkMissingFrames'))
        if simulate_corruption:
            steps.append(step)
        elif fill is not None:
            steps.append(dict(type='GapFill', method=fill))
    if not any(s.get('type') == 'MarkMissingFrames' for s in steps):
        types = [s.get('type') for s in steps]
        if 'PoseDecode' not in types:
            raise ValueError('the test pipeline has neither a '
                             f'{SLOT} slot nor PoseDecode: {types}')
        steps.insert(types.index('PoseDecode') + 1,
                     dict(type='MarkMissingFrames'))
    cfg.test_pipeline = steps
    recompose(cfg)
    return cfg


def build_pipeline(cfg, device: str = 'cpu'):
    """The test pipeline of a config from :func:`inference_config`."""
    from mmengine.dataset import Compose

    from finetec_mm.engine.protocol import pipeline_datasets
    from mmaction.registry import TRANSFORMS
    dataset = next(pipeline_datasets(cfg.test_dataloader.dataset))
    steps = []
    for step in dataset['pipeline']:
        step = dict(step)
        if step.get('type') == 'ICLCompletion' and device != 'cpu':
            step['device'] = device
        steps.append(TRANSFORMS.build(step))
    return Compose(steps)


def build_model(cfg, checkpoint: str, device: str = 'cpu'):
    """The config's model with the checkpoint's weights (read with
    ``weights_only=True`` by the repository's loader), in eval mode."""
    from mmengine.registry import init_default_scope
    from mmengine.runner import load_checkpoint

    from mmaction.registry import MODELS
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    model = MODELS.build(cfg.model)
    try:
        load_checkpoint(model, checkpoint, map_location='cpu', strict=True,
                        logger='silent')
    except RuntimeError as err:
        if type(err).__name__ == 'CheckpointError':
            raise
        raise ValueError(f'checkpoint {checkpoint!r} does not fit the '
                         f"config's model: {str(err)[:600]}") from None
    return model.to(device).eval()


def predict(model, pipeline, annos: List[dict], batch_size: int,
            progress: bool = True) -> np.ndarray:
    """Class scores (N, num_classes) of every annotation, in order.

    Each annotation runs through ``pipeline`` (as a dataset sample: with
    ``modality='Pose'``, ``start_index=0``), ``batch_size`` samples go
    through ``model.test_step`` together.
    """
    import copy

    import torch
    from mmengine.dataset import pseudo_collate
    from mmengine.utils import ProgressBar
    bar = ProgressBar(len(annos), file=sys.stderr) if progress else None
    scores = []
    for start in range(0, len(annos), batch_size):
        batch = []
        for anno in annos[start:start + batch_size]:
            results = copy.deepcopy(anno)
            results.update(modality='Pose', start_index=0)
            try:
                batch.append(pipeline(results))
            except Exception as err:
                raise ValueError(f'sample {anno["frame_dir"]!r}: the test '
                                 f'pipeline failed: {err}') from err
        with torch.no_grad():
            outputs = model.test_step(pseudo_collate(batch))
        for out in outputs:
            scores.append(out.pred_scores.item.float().cpu().numpy())
            if bar is not None:
                bar.update()
    if bar is not None:
        sys.stderr.write('\n')
    return np.stack(scores)


# --------------------------------------------------------------------------


def resolve_label_map(cfg, label_map: Optional[str]):
    """(path, names): ``--label-map`` if given, else ``label_map.txt`` next
    to the test ``ann_file`` if it exists, else (None, None)."""
    from finetec_mm.datasets.label_map import (default_label_map,
                                               read_label_map)
    if label_map is None:
        ann_file = (cfg.get('test_dataloader', None) or {}).get(
            'dataset', {}).get('ann_file')
        label_map = default_label_map(ann_file)
    if label_map is None:
        return None, None
    return label_map, read_label_map(label_map)


def main(argv=None):
    args = parse_args(argv)
    for what, path in (('config', args.config),
                       ('checkpoint', args.checkpoint)):
        if not osp.isfile(path):
            raise SystemExit(f'error: {what} file {path!r} does not exist')

    import finetec_mm  # noqa: F401  (registers components, applies compat)
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from finetec_mm.datasets.label_map import class_name
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    try:
        label_path, names = resolve_label_map(cfg, args.label_map)
        num_joints = graph_joints(cfg)
        annos = load_input(args.input, num_joints, args.split,
                           cfg.get('num_classes', None))
        cfg = inference_config(cfg, args.simulate_corruption)
    except (ValueError, FileNotFoundError) as err:
        raise SystemExit(f'error: {err}') from None
    if args.img_shape is not None:
        for anno in annos:
            anno.setdefault('img_shape', tuple(args.img_shape))
    no_shape = [a['frame_dir'] for a in annos if 'img_shape' not in a]
    if no_shape:
        print(f'note: {len(no_shape)} sample(s) state no image size '
              f'(first {no_shape[0]!r}); PreNormalize2D assumes 1080 x 1920. '
              'Give --img-shape H W if that is wrong.')

    from finetec_mm.engine import CheckpointError
    try:
        model = build_model(cfg, args.checkpoint, args.device)
        pipeline = build_pipeline(cfg, args.device)
    except (CheckpointError, FileNotFoundError, ValueError) as err:
        raise SystemExit(f'error: {err}') from None
    batch_size = args.batch_size or int(
        cfg.test_dataloader.get('batch_size', 8))
    try:
        scores = predict(model, pipeline, annos, batch_size,
                         progress=len(annos) > batch_size)
    except ValueError as err:
        raise SystemExit(f'error: {_where(args.input)}: {err}') from None

    k = min(args.topk, scores.shape[1])
    results = []
    for i, (anno, score) in enumerate(zip(annos, scores)):
        top = np.argsort(-score, kind='stable')[:k]
        record = dict(
            id=anno['frame_dir'], index=i,
            topk_indices=[int(c) for c in top],
            topk_names=[class_name(int(c), names) for c in top],
            topk_scores=[float(score[c]) for c in top])
        if isinstance(anno.get('label'), (int, np.integer)):
            record['label'] = int(anno['label'])
            record['label_name'] = class_name(int(anno['label']), names)
        results.append(record)
        listed = ', '.join(f'{n} ({s:.3f})' for n, s in zip(
            record['topk_names'], record['topk_scores']))
        truth = (f"   [label: {record['label_name']}]"
                 if 'label' in record else '')
        print(f"{record['id']}: {listed}{truth}")
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w', encoding='utf-8') as f:
            json.dump(dict(config=args.config, checkpoint=args.checkpoint,
                           input=args.input, label_map=label_path,
                           simulate_corruption=args.simulate_corruption,
                           topk=k, results=results), f, indent=2)
        print(f'wrote {args.out}')
    return results


if __name__ == '__main__':
    main()
