"""Convert Human3.6M 2D keypoints into a COCO-17 "skeleton bank" pickle.

The output is an MMAction2 ``PoseDataset`` file: one sample per sequence (and
camera), ``keypoint`` float32 (1, T, 17, 2) in pixels (COCO-17 order),
``keypoint_score`` ones (1, T, 17), ``label`` 0, split ``train`` (and
``val`` for ``--val-subjects``). Joints with NaN/inf input are set to 0 with
score 0 (a missing joint).

Inputs:

* VideoPose3D files (``data_2d_h36m_gt.npz``, ``data_2d_h36m_cpn_ft_h36m_dbb
  .npz``): ``positions_2d`` = {subject: {action: [(T, 17, 2) per camera]}} in
  pixels. Cameras are in VideoPose3D order 54138969, 55011271, 58860488,
  60457274; ``img_shape`` (h, w) is (1002, 1000) for 54138969 and 60457274,
  (1000, 1000) for the other two. If the file's ``metadata`` says
  ``layout_name='coco'`` the joints are taken as already COCO-ordered.
* A plain ``.npy`` / ``.npz`` array (every array of the npz) of shape
  (N, T, 17, 2) or (T, 17, 2) in H36M order (``--layout coco`` if not),
  with image size ``--img-shape``.

H36M joints: 0 hip, 1 r-hip, 2 r-knee, 3 r-ankle, 4 l-hip, 5 l-knee, 6
l-ankle, 7 spine, 8 thorax, 9 neck/nose, 10 head top, 11 l-shoulder, 12
l-elbow, 13 l-wrist, 14 r-shoulder, 15 r-elbow, 16 r-wrist.

Mapping (:func:`h36m_to_coco`): COCO 5-16 (shoulders, elbows, wrists, hips,
knees, ankles, left before right) <- H36M 11, 14, 12, 15, 13, 16, 4, 1, 5,
2, 6, 3. H36M has no face points, so COCO 0-4 are approximated from the neck
``n`` (9) and head top ``h`` (10) with ``d = h - n`` and ``s`` the component
of the shoulder vector (left - right) perpendicular to ``d``:
nose = n + 0.5 d; eyes = n + 0.6 d +- 0.1 s; ears = n + 0.55 d +- 0.22 s
(+ for the left side). All face points lie between neck and head top, the
eyes and ears symmetric about the neck-head line, and the face narrows with
the projected shoulders when the person turns sideways.

H36M is 50 fps: ``--downsample 2`` (default) gives 25 fps, close to the
25-30 fps of FineGym / NTU.
"""
import argparse
import os
import os.path as osp
import pickle
import sys

import numpy as np

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

#: COCO joints 5..16 taken from these H36M joints.
COCO_FROM_H36M = (11, 14, 12, 15, 13, 16, 4, 1, 5, 2, 6, 3)
H36M_NECK, H36M_HEAD, H36M_LSHO, H36M_RSHO = 9, 10, 11, 14
#: (fraction along neck->head, fraction of perpendicular shoulder width,
#: side) of COCO 0-4: nose, l-eye, r-eye, l-ear, r-ear.
FACE = ((0.5, 0.0, 0), (0.6, 0.1, 1), (0.6, 0.1, -1), (0.55, 0.22, 1),
        (0.55, 0.22, -1))
#: VideoPose3D camera order and image size (h, w).
H36M_CAMERAS = ('54138969', '55011271', '58860488', '60457274')
H36M_IMG_SHAPE = {
    '54138969': (1002, 1000),
    '55011271': (1000, 1000),
    '58860488': (1000, 1000),
    '60457274': (1002, 1000)
}


def h36m_to_coco(kp: np.ndarray) -> np.ndarray:
    """H36M-17 to COCO-17 keypoints (vectorised).

    Args:
        kp (np.ndarray): (..., 17, 2) in H36M joint order.

    Returns:
        np.ndarray: (..., 17, 2) in COCO order (float dtype of the input,
        else float32); face points approximated as in the module docstring.
    """
    kp = np.asarray(kp)
    if kp.shape[-2:] != (17, 2):
        raise ValueError(f'h36m_to_coco: expected (..., 17, 2), got '
                         f'{kp.shape}')
    dtype = kp.dtype if kp.dtype.kind == 'f' else np.float32
    kp = kp.astype(np.float64)
    out = np.empty_like(kp)
    out[..., 5:, :] = kp[..., COCO_FROM_H36M, :]

    neck, head = kp[..., H36M_NECK, :], kp[..., H36M_HEAD, :]
    d = head - neck
    norm = np.linalg.norm(d, axis=-1, keepdims=True)
    up = np.where(norm > 1e-6, d / np.maximum(norm, 1e-6), [0., -1.])
    perp = np.stack([-up[..., 1], up[..., 0]], axis=-1)
    shoulder = kp[..., H36M_LSHO, :] - kp[..., H36M_RSHO, :]
    side = (shoulder * perp).sum(-1, keepdims=True) * perp
    for j, (along, width, sign) in enumerate(FACE):
        out[..., j, :] = neck + along * d + sign * width * side
    return out.astype(dtype)


def _check_seq(arr, path, where):
    arr = np.asarray(arr)
    if arr.ndim != 3 or arr.shape[1] != 17 or arr.shape[2] < 2:
        raise ValueError(f'{path}: {where}: expected a (T, 17, 2) keypoint '
                         f'array, got shape {arr.shape}')
    return arr[..., :2]


def load_videopose3d(z, path, subjects=None):
    """Yield ``(name, subject, kp (T, 17, 2), img_shape)`` of a VideoPose3D
    npz (``z`` from ``np.load``); ``subjects`` None keeps all."""
    pos = z['positions_2d']
    pos = pos.item() if pos.dtype == object and pos.ndim == 0 else pos
    if not isinstance(pos, dict):
        raise ValueError(f'{path}: positions_2d is not a dict of subjects '
                         f'(got {type(pos).__name__})')
    missing = sorted(set(subjects or ()) - set(pos))
    if missing:
        raise ValueError(f'{path}: subjects {missing} not in file (has '
                         f'{sorted(pos)})')
    for subject in sorted(pos):
        if subjects is not None and subject not in subjects:
            continue
        for action in sorted(pos[subject]):
            cams = pos[subject][action]
            for c, arr in enumerate(cams):
                cam = H36M_CAMERAS[c] if len(cams) == 4 else str(c)
                kp = _check_seq(arr, path, f'{subject}/{action}/camera {c}')
                name = f'h36m_{subject}_{action}_{cam}'.replace(' ', '_')
                yield name, subject, kp, H36M_IMG_SHAPE.get(cam)


def load_plain(arrays, path, stem):
    """Yield ``(name, None, kp (T, 17, 2), None)`` of plain arrays
    ``{key: (N, T, 17, 2) or (T, 17, 2)}``."""
    for key, arr in arrays.items():
        arr = np.asarray(arr)
        if arr.dtype == object or arr.ndim not in (3, 4):
            raise ValueError(f'{path}: array {key!r} of shape {arr.shape} '
                             f'and dtype {arr.dtype} is not a recognised '
                             'H36M 2D format: expected (N, T, 17, 2), '
                             '(T, 17, 2) or a VideoPose3D npz '
                             '(positions_2d)')
        seqs = arr[None] if arr.ndim == 3 else arr
        prefix = stem if key is None else f'{stem}_{key}'
        for i, seq in enumerate(seqs):
            kp = _check_seq(seq, path, f'array {key!r} sequence {i}')
            yield f'{prefix}_{i:05d}', None, kp, None


def read_sequences(path, layout='auto', subjects=None):
    """Open ``path`` and return ``(sequences iterator, layout)``."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'input file {path!r} does not exist')
    stem = osp.splitext(osp.basename(path))[0]
    try:
        z = np.load(path, allow_pickle=True)
    except Exception as e:
        raise ValueError(f'{path}: not a numpy .npy/.npz file '
                         f'({type(e).__name__}: {e})') from e
    if isinstance(z, np.ndarray):
        if subjects is not None:
            raise ValueError(f'{path}: subjects apply only to VideoPose3D '
                             'files (positions_2d), not to a plain array')
        return load_plain({None: z}, path, stem), \
            ('h36m' if layout == 'auto' else layout)
    if 'positions_2d' not in z.files and subjects is not None:
        raise ValueError(f'{path}: subjects apply only to VideoPose3D files '
                         '(positions_2d); this one holds plain arrays')
    if 'positions_2d' in z.files:
        if layout == 'auto':
            layout = 'h36m'
            if 'metadata' in z.files:
                meta = z['metadata'].item()
                layout = meta.get('layout_name', 'h36m')
        return load_videopose3d(z, path, subjects), layout
    arrays = {k: z[k] for k in z.files}
    if not arrays:
        raise ValueError(f'{path}: empty npz')
    return load_plain(arrays, path, stem), \
        ('h36m' if layout == 'auto' else layout)


def make_sample(name, kp, img_shape, layout, downsample):
    """PoseDataset annotation of one (T, 17, 2) sequence."""
    kp = np.asarray(kp, dtype=np.float32)[::downsample]
    if layout == 'h36m':
        kp = h36m_to_coco(kp)
    elif layout != 'coco':
        raise ValueError(f'{name}: unknown joint layout {layout!r}')
    score = np.ones(kp.shape[:2], dtype=np.float32)
    bad = ~np.isfinite(kp).all(-1)
    kp[bad] = 0
    score[bad] = 0
    img_shape = tuple(int(s) for s in img_shape)
    return dict(frame_dir=name, label=0, img_shape=img_shape,
                original_shape=img_shape, total_frames=int(kp.shape[0]),
                keypoint=kp[None], keypoint_score=score[None]), int(bad.sum())


def convert(path, subjects=None, val_subjects=(), downsample=2,
            layout='auto', img_shape=(1000, 1000), progress=True):
    """Build the bank dict from ``path`` (see the module docstring)."""
    if downsample < 1:
        raise ValueError(f'--downsample must be >= 1, got {downsample}')
    # subjects None: every subject, those of val_subjects go to 'val'
    wanted = None if subjects is None else set(subjects) | set(val_subjects)
    seqs, layout = read_sequences(path, layout, wanted)
    annos, split = [], dict(train=[])
    if val_subjects:
        split['val'] = []
    n_bad = skipped = 0
    for i, (name, subject, kp, shape) in enumerate(seqs):
        if progress and (i + 1) % 20 == 0:
            sys.stderr.write(f'\rconverted {i + 1} sequences')
            sys.stderr.flush()
        if len(kp[::downsample]) == 0:
            skipped += 1
            continue
        anno, bad = make_sample(name, kp, shape or img_shape, layout,
                                downsample)
        n_bad += bad
        annos.append(anno)
        split['val' if subject in val_subjects else 'train'].append(name)
    if progress:
        sys.stderr.write(f'\rconverted {len(annos)} sequences '
                         f'({skipped} empty skipped, {n_bad} non-finite '
                         'joints set missing)\n')
    if not annos:
        raise ValueError(f'{path}: no sequence selected')
    return dict(split=split, annotations=annos)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('input', help='VideoPose3D data_2d_h36m_*.npz, or a '
                        'plain .npy/.npz of (N, T, 17, 2) / (T, 17, 2)')
    parser.add_argument('--out', required=True, help='output .pkl')
    parser.add_argument('--subjects', nargs='+', help='subjects for the '
                        'train split, e.g. S1 S5 S6 S7 S8 (default: all but '
                        '--val-subjects)')
    parser.add_argument('--val-subjects', nargs='+', default=[],
                        help='subjects for a "val" split, e.g. S9 S11')
    parser.add_argument('--downsample', type=int, default=2,
                        help='keep every K-th frame (H36M is 50 fps; '
                        'default 2 = 25 fps)')
    parser.add_argument('--layout', choices=('auto', 'h36m', 'coco'),
                        default='auto', help='joint order of the input '
                        '(auto: VideoPose3D metadata, else h36m)')
    parser.add_argument('--img-shape', type=int, nargs=2, default=[1000, 1000],
                        metavar=('H', 'W'), help='image size of plain '
                        'arrays (default 1000 1000)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        data = convert(args.input, args.subjects, tuple(args.val_subjects),
                       args.downsample, args.layout, tuple(args.img_shape))
    except (FileNotFoundError, ValueError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    from finetec_mm.datasets.validation import check_dataset, errors
    errs = errors(check_dataset(data, num_classes=1, file=args.out))
    if errs:
        print('\n'.join(['error: converted bank is invalid:'] +
                        [f'  {q}' for q in errs[:20]]), file=sys.stderr)
        return 1
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    with open(args.out, 'wb') as f:
        pickle.dump(data, f, protocol=pickle.HIGHEST_PROTOCOL)
    counts = ', '.join(f'{k} {len(v)}' for k, v in data['split'].items())
    frames = sum(a['total_frames'] for a in data['annotations'])
    print(f'wrote {args.out}: {counts} sequences, {frames} frames')
    return 0


if __name__ == '__main__':
    sys.exit(main())
