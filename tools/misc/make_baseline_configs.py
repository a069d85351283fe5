"""Write (or check) the baseline config grid under configs/baselines/.

    python tools/misc/make_baseline_configs.py [--check]

Every leaf is a composition of one model piece, one dataset piece, one
schedule and one corruption piece from configs/_base_; nothing is repeated.
For each (model, dataset) pair a ``*-clean.py`` config composes model, data,
schedule and runtime; each corrupted variant inherits it and adds one
corruption piece. ``--check`` exits 1 if a file is missing or differs (the
test suite runs it), so the grid is edited here, not by hand.
"""
import argparse
import os
import os.path as osp
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
OUT = osp.join(ROOT, 'configs', 'baselines')

# name -> (folder, model piece, feature tag)
MODELS = {
    'stgcn': ('stgcn', 'stgcn', 'joint'),
    'stgcnpp': ('stgcnpp', 'stgcnpp', 'joint'),
    'stgcnpp-bone': ('stgcnpp', 'stgcnpp_bone', 'bone'),
    'aagcn': ('aagcn', 'aagcn', 'joint'),
}
# dataset -> (dataset piece, schedule piece, GPUs x batch, clip, epochs)
DATASETS = {
    'demo': ('demo', 'sgd_cosine_demo', '1xb32', 16, 16),
    'gym99': ('gym99', 'sgd_cosine_150e', '4xb16', 16, 150),
    'gym288': ('gym288', 'sgd_cosine_150e', '4xb16', 16, 150),
    'ntu60-xsub': ('ntu60_xsub', 'sgd_cosine_150e', '4xb16', 100, 150),
    'ntu120-xsub': ('ntu120_xsub', 'sgd_cosine_150e', '4xb16', 100, 150),
}
CORRUPTIONS = ('minor', 'moderate', 'severe', 'minor_interp',
               'moderate_interp', 'severe_interp')


def config_name(model, dataset, corruption='clean'):
    _, _, feat = MODELS[model]
    _, _, gpus_batch, clip, epochs = DATASETS[dataset]
    arch = model.split('-')[0]
    tag = corruption.replace('_', '-')
    return f'{arch}_{gpus_batch}-{feat}-u{clip}-{epochs}e_{dataset}-{tag}.py'


def grid():
    """Yield (relative path, file text) for every config of the grid."""
    for model, (folder, model_piece, _) in MODELS.items():
        for dataset, (data_piece, schedule, *_) in DATASETS.items():
            clean = config_name(model, dataset)
            yield osp.join(folder, clean), (
                '_base_ = [\n'
                f"    '../../_base_/models/{model_piece}.py',\n"
                f"    '../../_base_/datasets/{data_piece}.py',\n"
                f"    '../../_base_/schedules/{schedule}.py',\n"
                "    '../../_base_/default_runtime.py'\n"
                ']\n')
            for corruption in CORRUPTIONS:
                yield osp.join(folder, config_name(model, dataset,
                                                   corruption)), (
                    f"_base_ = ['./{clean}',\n"
                    f"          '../../_base_/corruption/{corruption}.py']\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--check', action='store_true',
                        help='only compare, write nothing')
    args = parser.parse_args()
    stale = []
    for rel, text in grid():
        path = osp.join(OUT, rel)
        current = open(path).read() if osp.isfile(path) else None
        if current == text:
            continue
        stale.append(rel)
        if not args.check:
            os.makedirs(osp.dirname(path), exist_ok=True)
            with open(path, 'w') as f:
                f.write(text)
    verb = 'out of date' if args.check else 'written'
    print(f'{len(stale)} config(s) {verb}' + ''.join(
        f'\n  {rel}' for rel in stale))
    sys.exit(1 if args.check and stale else 0)


if __name__ == '__main__':
    main()
