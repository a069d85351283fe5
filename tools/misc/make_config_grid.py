"""Write (or check) the config grids under configs/.

    python tools/misc/make_config_grid.py [--check]

* ``configs/baselines/``: GCN baselines, model × dataset × corruption. For
  each (model, dataset) a ``*-clean.py`` config composes one model piece,
  one dataset piece, a schedule and the runtime from configs/_base_; each
  corrupted variant inherits it and adds one corruption piece.
* ``configs/finetec/``: FineTec, dataset × level, composed the same way.
* ``configs/ablations/``: the paper's ablations (Tables 4, 5, 9 and the
  fusion comparison), each a FineTec config plus the few keys it changes,
  and this implementation's own (:data:`EXTRA_ABLATIONS`, demo severe
  only: ``no-marker``).

Every leaf is a list of pieces plus the lines that compose them
(:data:`COMPOSE`), or one override of a composed leaf.
``--check`` exits 1 if a file is missing or differs (the test suite runs
it), so the grids are edited here, not by hand.
"""
import argparse
import os
import os.path as osp
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
OUT = osp.join(ROOT, 'configs')

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
    # FineGym-skeleton V2 (docs/data_preparation.md)
    'gym99-v2': ('gym99_v2', 'sgd_cosine_150e', '4xb16', 16, 150),
    'gym288-v2': ('gym288_v2', 'sgd_cosine_150e', '4xb16', 16, 150),
    # Bandai-Namco dataset 2, real motion capture (docs/data_preparation.md)
    'bandai': ('bandai', 'sgd_cosine_demo', '1xb32', 16, 16),
}
# Baseline models per dataset where not all of MODELS: the V2 files and Bandai
# get the ST-GCN reference only.
BASELINE_MODELS = {'gym99-v2': ('stgcn', ), 'gym288-v2': ('stgcn', ),
                   'bandai': ('stgcn', )}
CORRUPTIONS = ('minor', 'moderate', 'severe', 'minor_interp',
               'moderate_interp', 'severe_interp')


# Every leaf that adds a piece composes its pipelines and model from the
# pieces, in the file (finetec_mm/engine/protocol.py): what mmengine reads is
# what runs.
COMPOSE = (
    'from finetec_mm.engine import protocol  # noqa: E402\n'
    'train_dataloader, val_dataloader, test_dataloader = '
    'protocol.compose_loaders(\n'
    '    _base_)\n'
    'model = protocol.compose_model(_base_)\n'
    'default_hooks = protocol.checkpoint_hooks(_base_)\n')


def config_name(model, dataset, corruption='clean'):
    _, _, feat = MODELS[model]
    _, _, gpus_batch, clip, epochs = DATASETS[dataset]
    arch = model.split('-')[0]
    tag = corruption.replace('_', '-')
    return f'{arch}_{gpus_batch}-{feat}-u{clip}-{epochs}e_{dataset}-{tag}.py'


LEVELS = ('minor', 'moderate', 'severe')
# ablation -> (what it removes, override text)
ABLATIONS = {
    'no-completion': (
        'Table 4: no context-aware completion (zero-filled S_corrupt is '
        'decomposed)', 'model = dict(completion=None)\n'),
    'no-decomposition': (
        'Table 4: no spatial decomposition (S_base only)',
        "model = dict(decomposition=None, streams=('base', ))\n"),
    'no-physics': ('Table 4: no Lagrangian acceleration',
                   'model = dict(accel_head=None)\n'),
    'dyna-only': ('Table 5: S_base + S_dyna (no S_stat)',
                  "model = dict(streams=('base', 'dyna'))\n"),
    'stat-only': ('Table 5: S_base + S_stat (no S_dyna)',
                  "model = dict(streams=('base', 'stat'))\n"),
    'mlp-fusion': ('Fusion comparison: MLP instead of cross-attention',
                   "model = dict(fusion=dict(type='MLPFusion'))\n"),
    'multi-gcn': ('Multi-GCN: six parallel GCNs (S and a streams), late '
                  'fusion', "model = dict(type='FineTecMultiGCN', stream_augment_prob=None)\n"),
}
ABLATION_RUNS = [('gym288', level) for level in LEVELS] + [
    ('demo', 'severe'), ('bandai', 'severe')]
# ablation -> (what it removes, override text, runs): ablations of this
# implementation, not of the paper, on fewer runs
EXTRA_ABLATIONS = {
    'no-marker': (
        'No observed marker: no 0/1 observed channel, restored frames keep '
        'their interpolated score',
        'model = dict(completion=dict(observed_marker=False))\n',
        [('demo', 'severe'), ('bandai', 'severe')]),
    'base-only': (
        'Completion alone: the plain GCN on the completed S_base (no '
        'decomposition, no physics, no observed channel), the reference '
        'FineTec must not fall below',
        "model = dict(decomposition=None, streams=('base', ), "
        'accel_head=None,\n'
        '             completion=dict(observed_marker=False))\n',
        [(dataset, level) for dataset in ('demo', 'bandai')
         for level in LEVELS]),
    'linear-fill': (
        'The FineTec front end on linearly interpolated frames instead of '
        'the completion network (no observed channel): what the front end '
        'adds over the interpolated GCN, whatever the completion does',
        "corruption = dict(level='severe', fill='linear')\n" + COMPOSE.replace(
            'compose_loaders(\n    _base_)',
            'compose_loaders(\n    _base_, corruption=corruption)').replace(
            'model = protocol.compose_model(_base_)\n', '').replace(
            'default_hooks = protocol.checkpoint_hooks(_base_)\n', '') +
        'model = dict(completion=None)\n',
        [('demo', 'severe'), ('bandai', 'severe')]),
}


def finetec_name(dataset, level):
    _, _, gpus_batch, clip, epochs = DATASETS[dataset]
    return f'finetec_{gpus_batch}-u{clip}-{epochs}e_{dataset}-{level}.py'


def finetec_grid():
    """FineTec for every dataset and level, and its ablations."""
    for dataset, (data_piece, schedule, *_) in DATASETS.items():
        for level in LEVELS:
            yield osp.join('finetec', finetec_name(dataset, level)), (
                '_base_ = [\n'
                "    '../_base_/models/finetec_stgcn.py',\n"
                f"    '../_base_/datasets/{data_piece}.py',\n"
                f"    '../_base_/corruption/{level}.py',\n"
                f"    '../_base_/schedules/{schedule}.py',\n"
                "    '../_base_/default_runtime.py'\n"
                ']\n' + COMPOSE)
    ablations = [(name, what, override, ABLATION_RUNS)
                 for name, (what, override) in ABLATIONS.items()] + [
                     (name, *spec)
                     for name, spec in EXTRA_ABLATIONS.items()]
    runs_of_any = list(dict.fromkeys(
        run for *_, runs in ablations for run in runs))
    for dataset, level in runs_of_any:
        source = finetec_name(dataset, level)
        for ablation, what, override, runs in ablations:
            if (dataset, level) not in runs:
                continue
            name = source.replace('.py', f'_{ablation}.py')
            yield osp.join('ablations', name), (
                f'# {what}.\n'
                f"_base_ = ['../finetec/{source}']\n" + override)


def baseline_grid():
    """GCN baselines: model x dataset x corruption."""
    for model, (folder, model_piece, _) in MODELS.items():
        for dataset, (data_piece, schedule, *_) in DATASETS.items():
            if model not in BASELINE_MODELS.get(dataset, MODELS):
                continue
            clean = config_name(model, dataset)
            yield osp.join('baselines', folder, clean), (
                '_base_ = [\n'
                f"    '../../_base_/models/{model_piece}.py',\n"
                f"    '../../_base_/datasets/{data_piece}.py',\n"
                f"    '../../_base_/schedules/{schedule}.py',\n"
                "    '../../_base_/default_runtime.py'\n"
                ']\n' + COMPOSE)
            for corruption in CORRUPTIONS:
                yield osp.join('baselines', folder,
                               config_name(model, dataset, corruption)), (
                    f"_base_ = ['./{clean}',\n"
                    f"          '../../_base_/corruption/{corruption}.py']\n"
                    + COMPOSE)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--check', action='store_true',
                        help='only compare, write nothing')
    args = parser.parse_args()
    stale = []
    for rel, text in list(baseline_grid()) + list(finetec_grid()):
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
