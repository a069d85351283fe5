"""Freeze the corrupted evaluation clips of a config into a PoseDataset file.

On-the-fly corruption is deterministic, but only inside this codebase. A
frozen evaluation set stores, per sample, the sampled clips exactly as the
config's test (or val) pipeline sees them after ``SkeletonCorrupt``, so other
codebases evaluate on the very same frames and numbers become checkable::

    python tools/data/freeze_eval_set.py CONFIG --out FROZEN.pkl \\
        [--split-loader test|val] [--cfg-options corruption.level=severe ...]

Evaluate a checkpoint on it (no re-corruption; bit-identical model inputs,
hence the same accuracy as testing CONFIG with on-the-fly corruption)::

    python tools/test.py CONFIG CKPT --cfg-options \\
        test_dataloader.dataset.ann_file=FROZEN.pkl \\
        test_dataloader.dataset.split=SPLIT frozen=True

(``SPLIT`` is the frozen split, printed by this tool; give the same
``--cfg-options`` as when freezing, except that ``corruption.fill`` may differ:
gap filling runs at evaluation time.) ``frozen=True`` makes
``finetec_mm.engine.recompose`` replace ``UniformSampleFrames`` by
``LoadFrozenClips`` and the corruption slot by ``ApplyFrozenMask`` (+
``GapFill``); ``configs/_base_/datasets/frozen_test_pipeline.py`` spells that
pipeline out for other configs.

The output is a valid MMAction2 ``PoseDataset`` pickle::

    dict(split={SPLIT: [frame_dir, ...]},
         annotations=[dict(
             frame_dir, label, img_shape, original_shape,
             total_frames=num_clips * clip_len,
             keypoint=float32 (M, T, V, 2) in pixels, dropped frames 0,
             keypoint_score=float32 (M, T, V), dropped frames 0,
             frame_mask=bool (T, ), True = observed,
             joint_mask=bool (T, V) (only with joint occlusion),
             source_frame_inds=int64 (T, ), the frames sampled from the
                 original sequence (compact mode: before compaction),
             clip_len, num_clips), ...],
         frozen_meta=dict(config, config_text, cfg_options, split,
                          split_loader, pipeline, corruption, clip_masks,
                          seed, created_by='finetec_mm', version))

``clip_masks`` names the protocol of the stored masks (``'shared'``:
sequence-consistent, the default; ``'independent'``: one pattern per clip).
Files frozen before it existed have no such field: they carry independent
clip masks, and the dataset says so when it loads them
(``finetec_mm.datasets.pose_dataset.frozen_protocol``).

Pixel coordinates undo ``PreNormalize2D`` (``x = x' * w/2 + w/2``), rounded
to the float32 value that normalises back to the on-the-fly value bit for
bit. Every sample is checked through the frozen pipeline before writing.
"""
import argparse
import copy
import os
import os.path as osp
import pickle
import sys

import numpy as np

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

import finetec_mm  # noqa: E402  (registers components, applies compat)
from finetec_mm.cli import load_config, run_main  # noqa: E402
from mmengine.config import ConfigDict, DictAction  # noqa: E402
from mmengine.dataset import Compose  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402

from finetec_mm.engine import recompose  # noqa: E402
from mmaction.registry import DATASETS  # noqa: E402

#: The first transform of these types ends the frozen part of a pipeline.
STOP = ('GapFill', 'GenSkeFeat', 'FormatGCNInput', 'PackActionInputs')
#: Most float32 steps a pixel value moves to normalise back exactly.
MAX_STEPS = 64

EPILOG = """\
evaluate a checkpoint on the frozen file:
  python tools/test.py CONFIG CKPT --cfg-options \\
      test_dataloader.dataset.ann_file=FROZEN.pkl \\
      test_dataloader.dataset.split=SPLIT frozen=True
(plus the --cfg-options used when freezing; corruption.fill may differ,
gap filling runs at evaluation time)
"""


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Freeze the sampled, corrupted evaluation clips of a '
        'config into an MMAction2 PoseDataset pickle.',
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='config file path')
    parser.add_argument('--out', required=True,
                        help='output .pkl (its directory must exist)')
    parser.add_argument(
        '--split-loader', choices=['test', 'val'], default='test',
        help='freeze the dataset and pipeline of test_dataloader (default) '
        'or val_dataloader')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config entries, as for tools/test.py, e.g. '
        'corruption.level=severe')
    return parser.parse_args(argv)


def plain(obj):
    """``obj`` with every ConfigDict turned into a dict (portable pickle)."""
    if isinstance(obj, (dict, ConfigDict)):
        return {key: plain(value) for key, value in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(plain(value) for value in obj)
    return obj


def clip_masks(pipeline) -> str:
    """The ``clip_masks`` protocol of the pipeline's ``SkeletonCorrupt``
    (``'shared'`` unless it says otherwise; clean pipelines too)."""
    steps = [s for s in pipeline if s.get('type') == 'SkeletonCorrupt']
    return str(steps[0].get('clip_masks', 'shared')) if steps else 'shared'


def frozen_part(pipeline):
    """The steps of ``pipeline`` before the first :data:`STOP` type."""
    types = [step.get('type') for step in pipeline]
    end = next((i for i, t in enumerate(types) if t in STOP), len(types))
    return list(pipeline[:end])


def loader_dataset(cfg, split_loader, frozen):
    """The (resolved) dataset config of a loader, pipeline cut to the frozen
    part. ``frozen=True`` gives the pipeline that reads a frozen file."""
    cfg = copy.deepcopy(cfg)
    cfg.frozen = frozen
    recompose(cfg)
    dataset = cfg[f'{split_loader}_dataloader']['dataset']
    if 'pipeline' not in dataset:
        raise ValueError(f'{split_loader}_dataloader.dataset has no pipeline '
                         '(dataset wrappers are not supported)')
    dataset.pipeline = frozen_part(dataset.pipeline)
    return dataset


def pixel_coords(norm, img_shape, normalise):
    """Undo ``PreNormalize2D`` exactly.

    Args:
        norm (np.ndarray): float32 (M, T, V, C) normalised keypoints.
        img_shape (tuple[int, int]): (h, w).
        normalise (callable): the ``PreNormalize2D`` arithmetic.

    Returns:
        np.ndarray: float32 (M, T, V, C), ``x = x' * w/2 + w/2`` moved to the
        nearest float32 with ``normalise(x) == norm`` bit for bit.
    """
    h, w = img_shape
    half = np.array([w / 2, h / 2])
    pix = norm.copy()
    pix[..., :2] = norm[..., :2].astype(np.float64) * half + half
    up, down = np.float32(np.inf), np.float32(-np.inf)
    for _ in range(MAX_STEPS):
        back = normalise(pix)[..., :2]
        low, high = back < norm[..., :2], back > norm[..., :2]
        if not (low.any() or high.any()):
            return pix
        xy = pix[..., :2]
        pix[..., :2] = np.where(low, np.nextafter(xy, up),
                                np.where(high, np.nextafter(xy, down), xy))
    raise ValueError('no float32 pixel value normalises back to the '
                     'on-the-fly keypoints')


def freeze_sample(results, prenorm):
    """The frozen annotation of one sample from its pipeline results.

    Args:
        results (dict): output of the frozen part of the on-the-fly
            pipeline: keypoint (M, T, V, C) normalised, frame_mask (T, ), ...
        prenorm (PreNormalize2D, optional): the pipeline's normaliser.

    Returns:
        dict: the PoseDataset annotation.
    """
    name = str(results['frame_dir'])
    kp = np.asarray(results['keypoint'], dtype=np.float32)
    M, T, V, _ = kp.shape
    mask = np.asarray(results.get('frame_mask', np.ones(T, bool)), bool)
    visible = np.broadcast_to(mask[:, None], (T, V))
    if 'joint_mask' in results:
        visible = visible & np.asarray(results['joint_mask'], bool)
    img_shape = tuple(int(s) for s in results.get(
        'img_shape', prenorm.img_shape if prenorm else (1080, 1920)))
    if prenorm is not None:
        try:
            kp = pixel_coords(kp, img_shape, lambda x: prenorm.transform(
                dict(keypoint=x.copy(), img_shape=img_shape))['keypoint'])
        except ValueError as err:
            raise ValueError(f'sample {name!r}: {err}') from None
    anno = dict(
        frame_dir=name,
        label=results['label'],
        img_shape=img_shape,
        original_shape=tuple(results.get('original_shape', img_shape)),
        total_frames=T,
        keypoint=np.where(visible[None, :, :, None], kp,
                          0).astype(np.float32),
        frame_mask=mask.copy(),
        source_frame_inds=np.asarray(results['frame_inds'], np.int64),
        clip_len=int(results['clip_len']),
        num_clips=int(results.get('num_clips', 1) or 1))
    if 'keypoint_score' in results:
        anno['keypoint_score'] = np.where(
            visible[None], results['keypoint_score'], 0).astype(np.float32)
    if 'joint_mask' in results:
        anno['joint_mask'] = np.array(visible)
    if isinstance(anno['label'], np.integer):
        anno['label'] = int(anno['label'])
    return anno


def check_sample(anno, expected, frozen_pipeline):
    """Raise unless ``frozen_pipeline`` turns ``anno`` into ``expected``."""
    got = frozen_pipeline(copy.deepcopy(anno))
    for key in ('keypoint', 'keypoint_score', 'frame_mask', 'joint_mask'):
        if key in expected and not (
                got[key].dtype == expected[key].dtype
                and np.array_equal(got[key], expected[key])):
            raise RuntimeError(
                f'sample {anno["frame_dir"]!r}: the frozen pipeline does not '
                f'reproduce `{key}` bit for bit; not writing a frozen set')


def freeze(cfg, split_loader='test', progress=True):
    """Freeze the evaluation clips of ``cfg``.

    Returns:
        tuple: the PoseDataset dict (without ``frozen_meta``), the split name
        and the dataset config that was frozen.
    """
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    reference = loader_dataset(cfg, split_loader, frozen=False)
    types = [step['type'] for step in reference.pipeline]
    if 'UniformSampleFrames' not in types:
        raise ValueError(f'the {split_loader} pipeline has no '
                         f'UniformSampleFrames, nothing to freeze: {types}')
    frozen_pipeline = Compose(
        loader_dataset(cfg, split_loader, frozen=True).pipeline)
    dataset = DATASETS.build(reference)
    prenorm = next((t for t in dataset.pipeline.transforms
                    if type(t).__name__ == 'PreNormalize2D'), None)
    split = reference.get('split') or split_loader
    annotations = []
    for idx in range(len(dataset)):
        results = dataset[idx]
        anno = freeze_sample(results, prenorm)
        check_sample(anno, results, frozen_pipeline)
        annotations.append(anno)
        if progress:
            print(f'\rfreezing {split}: {idx + 1}/{len(dataset)}', end='',
                  file=sys.stderr, flush=True)
    if progress:
        print(file=sys.stderr)
    data = dict(split={split: [a['frame_dir'] for a in annotations]},
                annotations=annotations)
    return data, split, reference


def main(argv=None):
    args = parse_args(argv)
    out_dir = osp.dirname(osp.abspath(args.out))
    if not args.out.endswith('.pkl'):
        sys.exit(f'error: --out must end with .pkl (PoseDataset), got '
                 f'{args.out!r}')
    if not osp.isdir(out_dir):
        sys.exit(f'error: the directory of --out does not exist: {out_dir}')
    cfg = load_config(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if cfg.get('frozen', False):
        sys.exit('error: frozen=True reads a frozen set; freeze from the '
                 'original annotations')
    corruption = plain(cfg.get('corruption', None))
    if not (corruption or {}).get('level') and not (corruption
                                                     or {}).get('ratio'):
        print(f'warning: {args.config} has no corruption ({corruption!r}): '
              'the frozen set holds clean clips, every frame observed',
              file=sys.stderr)
    data, split, reference = freeze(cfg, args.split_loader)
    data['frozen_meta'] = dict(
        config=args.config,
        config_text=cfg.pretty_text,
        cfg_options=plain(args.cfg_options),
        split=split,
        split_loader=args.split_loader,
        source_ann_file=reference.get('ann_file'),
        pipeline=plain(reference.pipeline),
        corruption=corruption,
        clip_masks=clip_masks(reference.pipeline),
        seed=corruption.get('seed', 0) if corruption else None,
        num_samples=len(data['annotations']),
        created_by='finetec_mm',
        version=finetec_mm.__version__)
    tmp = args.out + '.tmp'
    with open(tmp, 'wb') as f:
        pickle.dump(data, f, protocol=4)
    os.replace(tmp, args.out)
    print(f'wrote {len(data["annotations"])} samples of split {split!r} to '
          f'{args.out}\nevaluate with: python tools/test.py {args.config} '
          f'CKPT --cfg-options test_dataloader.dataset.ann_file={args.out} '
          f'test_dataloader.dataset.split={split} frozen=True')


if __name__ == '__main__':
    sys.exit(run_main(main))
