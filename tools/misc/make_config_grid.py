"""Write (or check) the config grids under configs/.

    python tools/misc/make_config_grid.py [--check]

* ``configs/baselines/``: GCN baselines, model × dataset × corruption. For
  each (model, dataset) a ``*-clean.py`` config composes one model piece,
  one dataset piece, a schedule and the runtime from configs/_base_; each
  corrupted variant inherits it and adds one corruption piece.
* ``configs/finetec/``: FineTec, dataset × level, composed the same way.
* Datasets in :data:`LONG_SCHEDULES` (the demo) also get FineTec at every
  level and the ST-GCN clean and interpolated on a longer schedule (32
  epochs, ``-32e_`` in the name), for the results tables.
* ``configs/ablations/``: ``paper-full`` (the paper's full method, which
  the defaults are not: :data:`PAPER_FULL`) and the paper's ablations of it
  (Tables 4, 5, 9 and the fusion comparison), each a FineTec config plus
  the keys it changes, and this implementation's own
  (:data:`EXTRA_ABLATIONS`: ``base-only`` at every level, ``with-marker``,
  ``with-decomposition``, ``with-physics``, ``no-marker`` and
  ``linear-fill`` on the demo and Bandai data at severe).

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
# dataset -> (schedule piece, epochs) of the longer schedule that the
# results tables use where the dataset's own leaves under-train (FineTec at
# every level, and the ST-GCN reference clean and on interpolated frames)
LONG_SCHEDULES = {'demo': ('sgd_cosine_demo_32e', 32)}
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


def config_name(model, dataset, corruption='clean', epochs=None):
    _, _, feat = MODELS[model]
    _, _, gpus_batch, clip, dataset_epochs = DATASETS[dataset]
    epochs = epochs or dataset_epochs
    arch = model.split('-')[0]
    tag = corruption.replace('_', '-')
    return f'{arch}_{gpus_batch}-{feat}-u{clip}-{epochs}e_{dataset}-{tag}.py'


LEVELS = ('minor', 'moderate', 'severe')


def model_override(keys):
    """``model = dict(...)`` text of a leaf that changes ``keys`` (name ->
    Python source of the value) of its base's model."""
    if not keys:
        return ''
    body = ',\n'.join(f'    {k}={v}' for k, v in keys.items())
    return f'model = dict(\n{body})\n'


# The defaults (configs/_base_/models/finetec_stgcn.py) are two-fill: the
# GCN on the completed S_base plus a second GCN on the linear fill, fused
# late. The observed channel, the decomposition-guided augmentation and the
# physics channels each measured below completion + GCN on real motion
# (docs/model.md). The paper's full method is one stream with all three on
# (`_delete_=True` where the defaults hold None, which mmengine does not
# merge a dict into):
PAPER_FULL = {
    'linear_stream': 'False',
    'completion': 'dict(observed_marker=True)',
    'decomposition': "dict(_delete_=True, regions='coco')",
    'streams': "('base', 'dyna', 'stat')",
    'stream_augment_prob': '0.5',
    'accel_head': "dict(\n        _delete_=True, type='LagrangianAccelHead',"
                  "\n        loss_target='lagrangian', pseudo_smoothing=2)",
}
WITH_DECOMPOSITION = {k: PAPER_FULL[k] for k in
                      ('decomposition', 'streams', 'stream_augment_prob')}
# Completion alone, one stream: the GCN on the completed S_base, nothing
# else (the defaults until 2026-12-05; the with-* ablations add to it)
COMPLETION_ALONE = {
    'linear_stream': 'False', 'decomposition': 'None',
    'streams': "('base', )", 'accel_head': 'None',
    'completion': 'dict(observed_marker=False)'}
# ablation -> (what it is, changes to the paper's full method): the paper's
# ablations (Tables 4, 5, 9, the fusion comparison) of the paper's model
ABLATIONS = {
    'paper-full': (
        "The paper's full method: observed channel, decomposition-guided "
        'augmentation and Lagrangian acceleration channels', {}),
    'no-completion': (
        'Table 4: the full method without context-aware completion '
        '(zero-filled S_corrupt is decomposed)', {'completion': 'None'}),
    'no-decomposition': (
        'Table 4: the full method without spatial decomposition (S_base '
        'only)', {'decomposition': 'None', 'streams': "('base', )"}),
    'no-physics': ('Table 4: the full method without Lagrangian '
                   'acceleration', {'accel_head': 'None'}),
    'dyna-only': ('Table 5: the full method with S_base + S_dyna (no '
                  'S_stat)', {'streams': "('base', 'dyna')"}),
    'stat-only': ('Table 5: the full method with S_base + S_stat (no '
                  'S_dyna)', {'streams': "('base', 'stat')"}),
    'mlp-fusion': ('Fusion comparison: the full method plus MLP fusion '
                   'channels', {'fusion': "dict(type='MLPFusion')"}),
    'multi-gcn': ('Multi-GCN: six parallel GCNs (S and a streams), late '
                  'fusion', {'type': "'FineTecMultiGCN'",
                             'stream_augment_prob': 'None'}),
}
ABLATION_RUNS = [('gym288', level) for level in LEVELS] + [
    ('demo', 'severe'), ('bandai', 'severe')]
SEVERE_RUNS = [('demo', 'severe'), ('bandai', 'severe')]
# ablation -> (what it is, changes, relative to, runs): this
# implementation's own, on fewer runs; 'paper' = changes to PAPER_FULL,
# 'alone' = changes to COMPLETION_ALONE
EXTRA_ABLATIONS = {
    'no-marker': (
        'The full method without the observed channel (restored frames '
        'keep their interpolated score)',
        {'completion': 'dict(observed_marker=False)'}, 'paper', SEVERE_RUNS),
    'linear-fill': (
        "The full method's front end on linearly interpolated frames "
        'instead of the completion network (no observed channel)',
        {'completion': 'None'}, 'paper', SEVERE_RUNS),
    'base-only': (
        "Completion alone: one GCN on the completed S_base (FineTec's "
        'completion stream without the linear stream; no decomposition, no '
        'physics, no observed channel), the reference FineTec must not fall '
        'below; the defaults until 2026-12-05', {}, 'alone',
        [(dataset, level) for dataset in ('demo', 'bandai')
         for level in LEVELS]),
    'with-marker': (
        'Completion alone (base-only) plus the 0/1 observed channel',
        {'completion': PAPER_FULL['completion']}, 'alone', SEVERE_RUNS),
    'with-decomposition': (
        'Completion alone (base-only) plus decomposition-guided augmentation '
        '(S_dyna / S_stat fed in place of S_base to half of the training '
        'clips)', WITH_DECOMPOSITION, 'alone', SEVERE_RUNS),
    'with-physics': (
        'Completion alone (base-only) plus the Lagrangian acceleration '
        'channels (fed without gradient: the physics head learns from L_Ac '
        'alone) and L_Ac',
        {'accel_head': PAPER_FULL['accel_head'], 'detach_accel': 'True'},
        'alone', SEVERE_RUNS),
}
# linear fill in place of the completion network (the corruption piece's
# fill), composed in the leaf
LINEAR_FILL = "corruption = dict(level='severe', fill='linear')\n" + \
    COMPOSE.replace('compose_loaders(\n    _base_)',
                    'compose_loaders(\n    _base_, corruption=corruption)'
                    ).replace('model = protocol.compose_model(_base_)\n',
                              '').replace(
        'default_hooks = protocol.checkpoint_hooks(_base_)\n', '')


def ablation_text(name, changes, relative_to):
    """Override text of an ablation leaf."""
    keys = dict(PAPER_FULL if relative_to == 'paper' else COMPLETION_ALONE)
    keys.update(changes)
    return (LINEAR_FILL if name == 'linear-fill' else '') + \
        model_override(keys)


def finetec_name(dataset, level, epochs=None):
    _, _, gpus_batch, clip, dataset_epochs = DATASETS[dataset]
    epochs = epochs or dataset_epochs
    return f'finetec_{gpus_batch}-u{clip}-{epochs}e_{dataset}-{level}.py'


def schedules_of(dataset):
    """(schedule piece, epochs) pairs of ``dataset``: its own schedule (epochs
    None: the dataset's) and the long one where it has one."""
    return [(DATASETS[dataset][1], None)] + (
        [LONG_SCHEDULES[dataset]] if dataset in LONG_SCHEDULES else [])


def finetec_grid():
    """FineTec for every dataset, level and schedule, and its ablations."""
    for dataset, (data_piece, *_) in DATASETS.items():
        for (schedule, epochs), level in [
                (sched, level) for sched in schedules_of(dataset)
                for level in LEVELS]:
            yield osp.join('finetec', finetec_name(dataset, level, epochs)), (
                '_base_ = [\n'
                "    '../_base_/models/finetec_stgcn.py',\n"
                f"    '../_base_/datasets/{data_piece}.py',\n"
                f"    '../_base_/corruption/{level}.py',\n"
                f"    '../_base_/schedules/{schedule}.py',\n"
                "    '../_base_/default_runtime.py'\n"
                ']\n' + COMPOSE)
    ablations = [(name, what, ablation_text(name, changes, 'paper'),
                  ABLATION_RUNS)
                 for name, (what, changes) in ABLATIONS.items()] + [
                     (name, what, ablation_text(name, changes, relative_to),
                      runs)
                     for name, (what, changes, relative_to, runs)
                     in EXTRA_ABLATIONS.items()]
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
        for dataset, (data_piece, *_) in DATASETS.items():
            if model not in BASELINE_MODELS.get(dataset, MODELS):
                continue
            yield from _baselines_of(model, folder, model_piece, dataset,
                                     data_piece)


def _baselines_of(model, folder, model_piece, dataset, data_piece):
    """One model's baselines on one dataset: on its own schedule, clean and
    at every corruption; on the long schedule (ST-GCN only), clean and on
    interpolated frames."""
    for schedule, epochs in schedules_of(dataset):
        if epochs and model != 'stgcn':
            continue
        corruptions = [c for c in CORRUPTIONS if not epochs or 'interp' in c]
        clean = config_name(model, dataset, epochs=epochs)
        yield osp.join('baselines', folder, clean), (
            '_base_ = [\n'
            f"    '../../_base_/models/{model_piece}.py',\n"
            f"    '../../_base_/datasets/{data_piece}.py',\n"
            f"    '../../_base_/schedules/{schedule}.py',\n"
            "    '../../_base_/default_runtime.py'\n"
            ']\n' + COMPOSE)
        for corruption in corruptions:
            yield osp.join('baselines', folder, config_name(
                model, dataset, corruption, epochs)), (
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
