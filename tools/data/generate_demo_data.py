"""Generate the FineTec demo dataset (procedural gymnastics-like skeletons).

Example (from the repository root)::

    python tools/data/generate_demo_data.py --out-dir data/demo

writes ``data/demo/finetec_demo.pkl`` (MMAction2 PoseDataset format) and
``data/demo/label_map.txt``.
"""
import argparse
import importlib.util
import os.path as osp
import sys
from collections import Counter

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def load_demo_data():
    """Import ``finetec_mm.datasets.demo_data``.

    Falls back to putting the repository root on ``sys.path`` and, if the
    package itself cannot be imported (e.g. a sibling subpackage is broken or
    a heavy dependency is missing), to loading the module file directly: it
    only needs numpy and scipy.
    """
    try:
        from finetec_mm.datasets import demo_data
        return demo_data
    except Exception:
        pass
    if REPO not in sys.path:
        sys.path.insert(0, REPO)
    try:
        from finetec_mm.datasets import demo_data
        return demo_data
    except Exception:
        path = osp.join(REPO, 'finetec_mm', 'datasets', 'demo_data.py')
        spec = importlib.util.spec_from_file_location('_finetec_demo_data',
                                                      path)
        mod = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = mod
        spec.loader.exec_module(mod)
        return mod


def parse_args(argv=None):
    ap = argparse.ArgumentParser(
        description='Generate the FineTec procedural demo dataset.')
    ap.add_argument('--out-dir', default='data/demo')
    ap.add_argument('--num-train-per-class', type=int, default=60)
    ap.add_argument('--num-val-per-class', type=int, default=20)
    ap.add_argument('--num-test-per-class', type=int, default=20)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--quiet', action='store_true', help='no progress line')
    return ap.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    dd = load_demo_data()
    pkl = dd.write_demo_dataset(args.out_dir,
                                num_per_class_train=args.num_train_per_class,
                                num_per_class_val=args.num_val_per_class,
                                seed=args.seed,
                                progress=not args.quiet,
                                num_per_class_test=args.num_test_per_class)
    import pickle
    with open(pkl, 'rb') as f:
        data = pickle.load(f)
    label_of = {a['frame_dir']: a['label'] for a in data['annotations']}
    counts = {s: Counter(label_of[fd] for fd in names)
              for s, names in data['split'].items()}
    print(f'wrote {pkl}')
    print(f'wrote {osp.join(osp.dirname(pkl), "label_map.txt")}')
    splits = list(counts)
    print(f'{"label":>5}  {"class":34s} {"family":16s} ' +
          ' '.join(f'{s:>6s}' for s in splits))
    for i, name in enumerate(dd.CLASS_NAMES):
        print(f'{i:5d}  {name:34s} {dd.CLASS_FAMILY[i]:16s} ' +
              ' '.join(f'{counts[s][i]:6d}' for s in splits))
    print(f'{"":5s}  {"total":34s} {"":16s} ' +
          ' '.join(f'{sum(counts[s].values()):6d}' for s in splits))
    return pkl


if __name__ == '__main__':
    main()
