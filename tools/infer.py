"""Classify your own skeleton sequences with a trained checkpoint.

Example::

    python tools/infer.py configs/stgcn_demo_severe_interp.py \\
        work_dirs/stgcn_demo_severe_interp/epoch_16.pth clips.json \\
        --out predictions.json --topk 5

INPUT is a file or folder in one of the formats of ``docs/inference.md``:
our JSON / ``.pkl`` / ``.npy`` / ``.npz``, MMPose predictions (``.json``),
COCO keypoint results (``.json``) or an OpenPose ``--write_json`` folder.
In pose-estimator output with several people per frame, ``--person auto``
follows one person (the largest first, then by box overlap) and ``--person
N`` takes track id / candidate N; the chosen track is printed. Missing
frames (nobody, or scores all 0) are restored by the config's gap filling or
completion, as dropped frames are under the corruption protocol.

This is a command line over :mod:`finetec_mm.apis` (``init_recognizer``,
``load_input``, ``inference_skeletons``).
"""
import argparse
import json
import os
import os.path as osp
import sys

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
if ROOT not in sys.path:  # source checkout on sys.path, also when imported
    sys.path.insert(0, ROOT)


def parse_args(argv=None):
    from mmengine.config import DictAction

    from finetec_mm import cli
    parser = argparse.ArgumentParser(
        description='Classify skeleton sequences with a trained checkpoint')
    parser.add_argument('config', help='config the checkpoint was trained '
                        'with')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('input', help='skeletons: .json (ours, MMPose, COCO '
                        'results), .pkl, .npy, .npz or an OpenPose folder')
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
    parser.add_argument('--person', type=cli.person_choice, default='auto',
                        help="pose-estimator output: 'auto' (default) "
                        'follows the largest person by box overlap; N '
                        'takes track id N, or the N-th person of every '
                        'frame if the input has no track ids')
    parser.add_argument('--simulate-corruption', action='store_true',
                        help="also drop frames with the config's "
                        'corruption, as tools/test.py does')
    parser.add_argument('--allow-partial', action='store_true',
                        help='load a checkpoint that leaves model weights '
                        'unloaded (with a warning) instead of refusing it')
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


def show(record: dict) -> None:
    """Print one result (and the track of pose-estimator input)."""
    from finetec_mm.apis import Track
    listed = ', '.join(f'{n} ({s:.3f})' for n, s in zip(
        record['topk_names'], record['topk_scores']))
    truth = (f"   [label: {record['label_name']}]"
             if 'label' in record else '')
    print(f"{record['id']}: {listed}{truth}")
    if 'track' in record:
        print('  track: ' + Track.from_dict(record['track']).describe())


def load(args):
    """(cfg, label map path, annotations, model, pipeline); the errors of
    bad input, config or checkpoint as SystemExit('error: ...')."""
    from finetec_mm.apis import (graph_joints, inference_config,
                                 init_recognizer, load_config, load_input,
                                 resolve_label_map, test_pipeline_of)
    from finetec_mm.engine import CheckpointError
    try:
        cfg = load_config(args.config, args.cfg_options)
        if not osp.isfile(args.checkpoint):
            raise FileNotFoundError(f'checkpoint file {args.checkpoint!r} '
                                    'does not exist')
        label_path, names = resolve_label_map(cfg, args.label_map)
        annos = load_input(args.input, graph_joints(cfg), args.split,
                           cfg.get('num_classes', None), args.person)
        inference_config(cfg, args.simulate_corruption)  # fails early
        if args.img_shape is not None:
            for anno in annos:
                anno.setdefault('img_shape', tuple(args.img_shape))
        no_shape = [a['frame_dir'] for a in annos if 'img_shape' not in a]
        if no_shape:
            print(f'note: {len(no_shape)} sample(s) state no image size '
                  f'(first {no_shape[0]!r}); PreNormalize2D assumes 1080 x '
                  '1920. Give --img-shape H W if that is wrong.')
        model = init_recognizer(cfg, args.checkpoint, args.device,
                                args.allow_partial)
        pipeline = test_pipeline_of(model, args.simulate_corruption)
    except (CheckpointError, FileNotFoundError, ValueError) as err:
        raise SystemExit(f'error: {err}') from None
    return cfg, label_path, names, annos, model, pipeline


def main(argv=None):
    args = parse_args(argv)
    import finetec_mm  # noqa: F401  (registers components, applies compat)
    from finetec_mm.apis import inference_skeletons
    from finetec_mm.apis.readers.common import where
    cfg, label_path, names, annos, model, pipeline = load(args)
    try:
        results = inference_skeletons(
            model, annos, topk=args.topk, label_map=names,
            batch_size=args.batch_size, test_pipeline=pipeline)
    except ValueError as err:
        raise SystemExit(f'error: {where(args.input)}: {err}') from None
    for r in results:
        show(r)
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w', encoding='utf-8') as f:
            json.dump(dict(config=args.config, checkpoint=args.checkpoint,
                           input=args.input, label_map=label_path,
                           simulate_corruption=args.simulate_corruption,
                           topk=len(results[0]['topk_indices']),
                           results=results), f, indent=2)
        print(f'wrote {args.out}')
    return results


if __name__ == '__main__':
    main()
