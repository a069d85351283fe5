"""Every shipped config is complete as mmengine reads it and says what its
name says."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

from finetec_mm.engine import protocol
from finetec_mm.engine.protocol import pipeline_datasets
from tests.utils import ROOT, run_tool

CONFIGS = sorted(
    p for p in glob.glob(osp.join(ROOT, 'configs', '**', '*.py'),
                         recursive=True) if '_base_' not in p)
# dataset -> (file, train split, test split, classes, val split); the V2
# names first, so that 'gym99-v2' is not taken for 'gym99'
EXPECTED_DATA = {
    'gym99-v2': ('data/finegym_v2/Gym99-skeleton-V2.pkl', 'train', 'val', 99,
                 'val'),
    'gym288-v2': ('data/finegym_v2/Gym288-skeleton-V2.pkl', 'train', 'val',
                  288, 'val'),
    'demo': ('data/demo/finetec_demo.pkl', 'train', 'test', 24, 'val'),
    'gym99': ('data/gym/gym_2d.pkl', 'train', 'val', 99, 'val'),
    'gym288': ('data/gym288/gym288_skeleton.pkl', 'train', 'test', 288,
               'test'),
    'ntu60-xsub': ('data/skeleton/ntu60_2d.pkl', 'xsub_train', 'xsub_val', 60,
                   'xsub_val'),
    'ntu120-xsub': ('data/skeleton/ntu120_2d.pkl', 'xsub_train', 'xsub_val',
                    120, 'xsub_val'),
    'bandai': ('data/bandai/bandai_dev.pkl', 'xtake_train', 'xtake_val', 30,
               'xtake_val'),
}


BASELINES = [p for p in CONFIGS if '/baselines/' in p
             or osp.basename(p).startswith('stgcn_demo')]


@pytest.mark.parametrize('path', CONFIGS,
                         ids=lambda p: osp.relpath(p, ROOT))
def test_every_config_is_complete_as_mmengine_reads_it(path):
    """No placeholder reaches a dataset or the model: what
    ``Config.fromfile`` returns is what runs (MMAction2's tools build it
    as is), recomposing it changes nothing, and checkpoints are never
    selected on the split the config reports."""
    cfg = Config.fromfile(path)
    corruption = cfg.get('corruption') or {}
    if corruption.get('level') and 'pipeline' in str(cfg.test_dataloader):
        # print_config shows the concrete step, not only the template
        assert "type='SkeletonCorrupt'" in cfg.pretty_text
    before = {key: cfg.get(key) for key in protocol.LOADERS + ('model', )}
    for loader in protocol.LOADERS:
        if not cfg.get(loader):
            continue
        for dataset in pipeline_datasets(cfg[loader].dataset):
            types = [step['type'] for step in dataset.pipeline]
            assert 'CorruptionProtocol' not in types, (loader, types)
    assert 'num_classes=None' not in str(cfg.model)
    protocol.recompose(cfg)
    assert {key: cfg.get(key) for key in before} == before
    val, test = cfg.get('val_dataloader'), cfg.get('test_dataloader')
    if val and test and (val.dataset.get('split'), val.dataset.get(
            'ann_file')) == (test.dataset.get('split'),
                             test.dataset.get('ann_file')):
        assert cfg.default_hooks.checkpoint.get('save_best') is None


def pipelines(cfg):
    return {name: cfg[f'{name}_dataloader'].dataset.pipeline
            for name in ('train', 'val', 'test')}


def steps(pipeline, kind):
    return [step for step in pipeline if step['type'] == kind]


def test_grid_is_in_sync_with_its_generator():
    proc = run_tool('tools/misc/make_config_grid.py', '--check')
    assert proc.returncode == 0, proc.stdout


def test_grid_is_complete():
    names = [osp.basename(p) for p in CONFIGS if '/baselines/' in p]
    # 4 models x 5 datasets, plus ST-GCN on the two FineGym-skeleton V2
    # files and on Bandai; 7 corruption settings each; plus ST-GCN on the
    # demo's 32-epoch schedule, clean and interpolated at the three levels
    assert len(names) == 4 * 5 * 7 + 3 * 7 + 4
    assert sum('-32e_' in n for n in names) == 4
    assert sum('severe-interp' in n for n in names) == 24
    assert sum('_bandai-' in n for n in names) == 7
    assert sum('-v2-' in n and n.startswith('stgcn_') for n in names) == 14


LONG = [p for p in CONFIGS if '-32e_' in osp.basename(p)]


@pytest.mark.parametrize('path', LONG, ids=lambda p: osp.relpath(p, ROOT))
def test_long_schedule_config_changes_only_the_schedule(path):
    """A 32-epoch results config is its 16-epoch twin on a twice as long
    schedule: same model, data, corruption and loaders; warm-up as long,
    cosine to zero at the last epoch."""
    long_cfg = Config.fromfile(path).to_dict()
    short_cfg = Config.fromfile(path.replace('-32e_', '-16e_')).to_dict()
    schedule = {'train_cfg', 'param_scheduler', 'max_epochs',
                'warmup_epochs'}
    differing = {key for key in set(long_cfg) | set(short_cfg)
                 if long_cfg.get(key) != short_cfg.get(key)}
    assert differing <= schedule, differing - schedule
    assert long_cfg['train_cfg']['max_epochs'] == 32
    warmup, cosine = long_cfg['param_scheduler']
    assert warmup == short_cfg['param_scheduler'][0]
    assert (cosine['begin'], cosine['end'], cosine['T_max']) == (
        warmup['end'], 32, 32 - warmup['end'])


@pytest.mark.parametrize('path', BASELINES,
                         ids=lambda p: osp.relpath(p, ROOT))
def test_baseline_resolves_to_what_its_name_says(path):
    cfg = Config.fromfile(path)
    name = osp.basename(path)
    dataset = next(d for d in EXPECTED_DATA if f'_{d}-' in name
                   or f'_{d}_' in name or name.startswith(f'stgcn_{d}'))
    ann_file, train_split, test_split, num_classes, val_split = \
        EXPECTED_DATA[dataset]
    assert cfg.model.cls_head.num_classes == num_classes
    assert cfg.test_dataloader.dataset.ann_file == ann_file
    assert cfg.train_dataloader.dataset.split == train_split
    assert cfg.test_dataloader.dataset.split == test_split
    assert cfg.val_dataloader.dataset.split == val_split
    level = next((lv for lv in ('minor', 'moderate', 'severe') if lv in name),
                 None)
    for stage, pipeline in pipelines(cfg).items():
        assert not steps(pipeline, 'CorruptionProtocol')
        corrupt = steps(pipeline, 'SkeletonCorrupt')
        if level is None:
            assert not corrupt
        else:
            assert [c['level'] for c in corrupt] == [level]
            assert corrupt[0]['test_mode'] == (stage != 'train')
        fills = steps(pipeline, 'GapFill')
        assert bool(fills) == ('interp' in name)
        feats = steps(pipeline, 'GenSkeFeat')[0]['feats']
        assert feats == (['b'] if '-bone-' in name else ['j'])
        clip = steps(pipeline, 'UniformSampleFrames')[0]['clip_len']
        assert clip == (100 if 'ntu' in name else 16)


@pytest.mark.parametrize('model_piece', ['stgcn', 'stgcnpp', 'aagcn'])
def test_model_pieces_build_and_run(model_piece):
    import torch
    from mmaction.registry import MODELS
    from mmengine.registry import init_default_scope
    init_default_scope('mmaction')
    cfg = Config.fromfile(
        osp.join(ROOT, 'configs', '_base_', 'models', f'{model_piece}.py'))
    model = MODELS.build(protocol.compose_model(
        cfg, num_classes=5, num_person=1)).eval()
    with torch.no_grad():
        features = model(torch.randn(2, 1, 1, 16, 17, 3), mode='tensor')
        scores = model.cls_head(features)
    assert features.shape[:3] == (2, 1, 256) and scores.shape == (2, 5)


#: name parts of the configs of the paper's full method (the `paper-full`
#: ablation, the paper's ablations of it, this implementation's `no-marker`
#: and `linear-fill`, the `*_pipeline` variants)
PAPER_FAMILY = ('paper-full', 'no-completion', 'no-decomposition',
                'no-physics', 'dyna-only', 'stat-only', 'mlp-fusion',
                'multi-gcn', 'no-marker', 'linear-fill', '_pipeline')
FINETEC = [p for p in CONFIGS if '/finetec/' in p or '/ablations/' in p
           or osp.basename(p).startswith('finetec_')]


def test_finetec_grid_is_complete():
    names = [osp.basename(p) for p in FINETEC]
    # 8 datasets x 3 levels, and the demo's levels on the 32-epoch schedule
    assert sum('/finetec/' in p for p in FINETEC) == 8 * 3 + 3
    # paper-full and the paper's 7 ablations of it on 5 runs (Gym288 x 3
    # levels, demo and Bandai severe); no-marker, linear-fill, with-marker,
    # with-decomposition, with-physics on demo and Bandai severe; base-only
    # on demo and Bandai at every level
    assert sum('/ablations/' in p for p in FINETEC) == 5 * 8 + 5 * 2 + 6
    for ablation, count in (('paper-full', 5), ('no-marker', 2),
                            ('linear-fill', 2), ('base-only', 6),
                            ('with-marker', 2), ('with-decomposition', 2),
                            ('with-physics', 2)):
        assert sum(ablation in n for n in names) == count, ablation
    assert {'finetec_gym288_severe.py', 'finetec_demo_severe.py'} <= set(names)


@pytest.mark.parametrize('path', FINETEC, ids=lambda p: osp.relpath(p, ROOT))
def test_finetec_config_resolves_to_what_its_name_says(path):
    cfg = Config.fromfile(path)
    name = osp.basename(path)
    assert cfg.model.type == ('FineTecMultiGCN' if 'multi-gcn' in name
                              else 'FineTecRecognizer')
    level = next(lv for lv in ('minor', 'moderate', 'severe') if lv in name)
    dataset = next(d for d in EXPECTED_DATA if d in name)
    assert cfg.model.cls_head.num_classes == EXPECTED_DATA[dataset][3]
    # the paper's full method and its ablations, or the defaults (completion
    # + GCN) and the with-X configs that add one part
    paper = any(a in name for a in PAPER_FAMILY)
    on = dict(
        decomposition=('no-decomposition' not in name if paper
                       else 'with-decomposition' in name),
        physics='no-physics' not in name if paper else 'with-physics' in name,
        marker='no-marker' not in name if paper else 'with-marker' in name)
    streams = tuple(cfg.model.streams)
    expected_streams = {'dyna-only': ('base', 'dyna'),
                        'stat-only': ('base', 'stat')}
    ablation = next((a for a in expected_streams if a in name), None)
    assert streams == expected_streams.get(
        ablation, ('base', 'dyna', 'stat') if on['decomposition']
        else ('base', ))
    assert (cfg.model.accel_head is not None) == on['physics']
    # two-fill (a second GCN on the linear fill) is the defaults; the
    # ablations, base-only and the with-X configs measure one stream
    assert cfg.model.get('linear_stream', False) == (
        '/ablations/' not in path and not paper)
    if 'mlp-fusion' in name:
        assert cfg.model.fusion.type == 'MLPFusion'
    else:  # the identity path alone: no extra fusion channels
        assert cfg.model.get('fusion') is None
    assert cfg.model.get('stream_augment_prob') == (
        None if 'multi-gcn' in name else 0.5)
    if 'multi-gcn' not in name and cfg.model.accel_head is not None:
        assert cfg.model.accel_head.loss_target == 'lagrangian'
    hosted = 'pipeline' not in name
    completion_ckpt = cfg.model.get('completion') and \
        cfg.model.completion.checkpoint
    for stage, pipeline in pipelines(cfg).items():
        assert [c['level'] for c in steps(pipeline, 'SkeletonCorrupt')
                ] == [level]
        # linear fill only where the front end is measured without the
        # completion network
        assert len(steps(pipeline, 'GapFill')) == ('linear-fill' in name)
        completion = steps(pipeline, 'ICLCompletion')
        decomposition = steps(pipeline, 'DecompositionAugment')
        if hosted:
            # completion + decomposition run in the recognizer
            assert not completion and not decomposition
            assert steps(pipeline, 'GenSkeFeat')
            continue
        assert completion[0]['checkpoint'] == cfg.completion_checkpoint
        # the pipeline variants are of the paper's full method
        assert completion[0].get('observed_marker') is True
        assert decomposition and not steps(pipeline, 'GenSkeFeat')
        assert decomposition[0]['test_mode'] == (stage != 'train')
        assert tuple(decomposition[0].get('streams', streams)) == streams
    if not hosted:
        assert cfg.model.completion is None
        assert cfg.model.decomposition is None
    elif 'no-completion' in name or 'linear-fill' in name:
        assert cfg.model.completion is None
    else:
        assert completion_ckpt == cfg.completion_checkpoint
        # the dataset's own network, or the real-motion (CMU) default
        assert (dataset.split('-')[0] in completion_ckpt
                or 'icl_cmu_fallback-' in completion_ckpt), completion_ckpt
        assert cfg.model.completion.observed_marker is on['marker']
    assert (cfg.model.get('decomposition') is not None) == (
        on['decomposition'] and hosted)

DEMO_FINETEC = [p for p in FINETEC if 'demo' in osp.basename(p)]


@pytest.mark.parametrize('path', DEMO_FINETEC,
                         ids=lambda p: osp.relpath(p, ROOT))
def test_demo_finetec_configs_train_on_their_pipeline_outputs(
        path, tiny_demo_pkl, monkeypatch):
    """Model and pipeline of every demo FineTec config (the default, the
    `_pipeline` variant, each ablation) fit together: a training batch from
    the config's own training pipeline gives finite losses and gradients."""
    import torch
    from mmengine.dataset import pseudo_collate
    from mmengine.registry import init_default_scope

    from mmaction.registry import DATASETS, MODELS
    monkeypatch.chdir(ROOT)
    cfg = Config.fromfile(path)
    cfg.train_dataloader.dataset.ann_file = tiny_demo_pkl
    cfg.model.backbone.update(num_stages=2, inflate_stages=[],
                              down_stages=[])
    cfg.model.cls_head.in_channels = 64
    init_default_scope('mmaction')
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).train()
    batch = model.data_preprocessor(
        pseudo_collate([dataset[i] for i in range(4)]), True)
    losses = model(**batch, mode='loss')
    total = sum(v for k, v in losses.items() if k.startswith('loss'))
    assert torch.isfinite(total)
    total.backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0
               for p in model.backbone.parameters())
