"""Do the CUDA paths give the CPU's model inputs and numbers?

    python tools/analysis/gpu_consistency.py [--device cuda] [--json OUT]
        [--config CONFIG] [--num-samples 8]

On generated demo samples run through the config's *test* pipeline (10
clips, severe corruption), in test mode:

* the hosted completion + decomposition (``FineTecRecognizer.
  hosted_inputs``) on ``--device`` against the CPU: max |difference| of
  the model inputs, tolerance ``--atol`` (float32; TF32 is switched off so
  that matrix products are full float32 on both);
* the physics head and the whole model: max |difference| of the class
  scores, same tolerance;
* the counter-based random streams (``SequenceRandom``) of the
  decomposition, including keys near 2^64 (int64 wrap-around on the
  device): uniforms **bit-identical** on both devices (exact integer
  hashes); Box–Muller normals within ``--normal-atol`` (1e-5: float32
  ``log1p`` / ``cos`` / ``sin`` are not correctly rounded, so CPU and CUDA
  differ by a few ulps).

With ``--device cpu`` (the dry run CI exercises) the device is the CPU
itself, so every check must hold exactly; the script still runs every
step. Exit code 1 if a check fails; the JSON holds every figure.
"""
import argparse
import json
import os.path as osp
import sys
import tempfile

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import torch  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--device', default='cuda')
    parser.add_argument(
        '--config', default='configs/ablations/'
        'finetec_1xb32-u16-16e_demo-severe_paper-full.py',
        help='default: the paper\'s full method, so that completion, '
        'decomposition and physics all run on the device')
    parser.add_argument('--num-samples', type=int, default=8)
    parser.add_argument('--atol', type=float, default=1e-4)
    parser.add_argument(
        '--normal-atol', type=float, default=1e-5,
        help='tolerance of the Box-Muller normals between devices')
    parser.add_argument('--json', help='write the figures to this file')
    return parser.parse_args(argv)


def test_batch(cfg, num_samples, tmp_dir):
    """A collated test batch of generated demo samples through the config's
    test pipeline."""
    import pickle

    from mmengine.dataset import pseudo_collate

    from finetec_mm.datasets.demo_data import make_demo_annotations
    from mmaction.registry import DATASETS
    data = make_demo_annotations(0, 0, seed=7, num_per_class_test=1)
    data['split']['test'] = data['split']['test'][:num_samples]
    pkl = osp.join(tmp_dir, 'consistency.pkl')
    with open(pkl, 'wb') as f:
        pickle.dump(data, f)
    dataset_cfg = cfg.test_dataloader.dataset
    dataset_cfg.ann_file, dataset_cfg.split = pkl, 'test'
    dataset = DATASETS.build(dataset_cfg)
    return pseudo_collate([dataset[i] for i in range(len(dataset))])


def stream_checks(device, normal_atol: float) -> dict:
    """The random streams of the same keys on the CPU and ``device``.

    Uniforms are exact integer hashes scaled by 2^-24, so they must be
    bit-identical on every device. Normals go through float32 ``log1p`` /
    ``cos`` / ``sin`` (Box–Muller), which are not correctly rounded and
    differ by a few ulps between CPU and CUDA libraries: they must agree
    within ``normal_atol`` (the radius is at most sqrt(2·24·ln 2) ≈ 5.8,
    so a few ulps of float32 stay below 1e-5).
    """
    from finetec_mm.functional.sequence_random import \
        SequenceRandom
    keys = [0, 1, 2**31 - 1, 2**32 + 5, 2**63 + 11, 2**64 - 1]
    cpu, like = torch.zeros(1), torch.zeros(1, device=device)
    out = {}
    a = SequenceRandom(keys).uniform((257, ), cpu)
    b = SequenceRandom(keys).uniform((257, ), like).cpu()
    out['streams_uniform_identical'] = bool(torch.equal(a, b))
    ids = SequenceRandom.for_samples(['demo_a', 'demo_b'], 10, 1, 0)
    again = SequenceRandom.for_samples(['demo_a', 'demo_b'], 10, 1, 0)
    out['streams_for_samples_identical'] = bool(torch.equal(
        ids.uniform((64, ), cpu), again.uniform((64, ), like).cpu()))
    a = SequenceRandom(keys).normal((257, ), cpu)
    b = SequenceRandom(keys).normal((257, ), like).cpu()
    out['streams_normal_max_abs_diff'] = float((a - b).abs().max())
    out['streams_normal_differing'] = int((a != b).sum())
    out['streams_normal_atol'] = normal_atol
    out['streams_normal_within_atol'] = bool(
        out['streams_normal_max_abs_diff'] <= normal_atol)
    return out


def main(argv=None):
    args = parse_args(argv)
    import finetec_mm  # noqa: F401  (registers components)
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from mmaction.registry import MODELS
    if args.device.startswith('cuda') and not torch.cuda.is_available():
        raise SystemExit('error: --device cuda but torch sees no CUDA device')
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    init_default_scope('mmaction')
    cfg = Config.fromfile(osp.join(ROOT, args.config)
                          if not osp.isfile(args.config) else args.config)
    for key in ('completion', ):
        hosted = cfg.model.get(key)
        if hosted and hosted.get('checkpoint') and not osp.isabs(
                hosted['checkpoint']):
            hosted['checkpoint'] = osp.join(ROOT, hosted['checkpoint'])
    with tempfile.TemporaryDirectory() as tmp:
        batch = test_batch(cfg, args.num_samples, tmp)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).eval()
    result = dict(device=args.device, config=args.config,
                  num_samples=args.num_samples, atol=args.atol,
                  torch_version=torch.__version__,
                  device_name=(torch.cuda.get_device_name(args.device)
                               if args.device.startswith('cuda') else 'cpu'))
    outputs = {}
    for device in ('cpu', args.device):
        model = model.to(device)
        data = model.data_preprocessor(batch, False)
        with torch.no_grad():
            inputs = model.hosted_inputs(data['inputs'], data['data_samples'])
            preds = model(**data, mode='predict')
        scores = torch.stack([p.pred_scores.item for p in preds])
        outputs[device] = (inputs.cpu(), scores.cpu())
    (cpu_in, cpu_sc), (dev_in, dev_sc) = outputs['cpu'], outputs[args.device]
    result['inputs_shape'] = list(cpu_in.shape)
    result['inputs_max_abs_diff'] = float((cpu_in - dev_in).abs().max())
    result['scores_max_abs_diff'] = float((cpu_sc - dev_sc).abs().max())
    result['same_top1'] = bool(torch.equal(cpu_sc.argmax(1),
                                           dev_sc.argmax(1)))
    result.update(stream_checks(args.device, args.normal_atol))
    checks = dict(
        inputs=result['inputs_max_abs_diff'] <= args.atol,
        scores=result['scores_max_abs_diff'] <= args.atol,
        streams=(result['streams_uniform_identical']
                 and result['streams_for_samples_identical']
                 and result['streams_normal_within_atol']))
    result['checks'] = checks
    result['passed'] = all(checks.values())
    for name, ok in checks.items():
        print(f'{name:<8} {"ok" if ok else "FAILED"}')
    print(f"model inputs {tuple(cpu_in.shape)}: max |cpu - "
          f"{args.device}| = {result['inputs_max_abs_diff']:.3g}; class "
          f"scores: {result['scores_max_abs_diff']:.3g} (tolerance "
          f'{args.atol:g}); random streams: uniforms bit-identical '
          f"{result['streams_uniform_identical']}, normals max |diff| "
          f"{result['streams_normal_max_abs_diff']:.3g} (tolerance "
          f'{args.normal_atol:g})')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=2)
        print(f'wrote {args.json}')
    return 0 if result['passed'] else 1


if __name__ == '__main__':
    sys.exit(main())
