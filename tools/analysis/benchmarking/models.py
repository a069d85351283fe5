"""Configs and models of the benchmark: composed configs, pipelines,
models, optimizers, parameter counts."""

import copy
import os.path as osp

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))


def load_config(path, args):
    """The config at ``path``, recomposed with the benchmark's
    number of classes, clip length and persons."""
    from mmengine.config import Config

    from finetec_mm.engine.protocol import pipeline_datasets, recompose
    if not osp.exists(path) and osp.exists(osp.join(ROOT, path)):
        path = osp.join(ROOT, path)
    cfg = Config.fromfile(path)
    cfg.num_classes = args.num_classes
    recompose(cfg)
    if 'cls_head' in cfg.model:
        cfg.model.cls_head.num_classes = args.num_classes
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        for dataset in pipeline_datasets((cfg.get(loader) or {}).get(
                'dataset')):
            dataset['pipeline'] = adapt_pipeline(dataset['pipeline'], args)
    _absolute_checkpoints(cfg)
    return cfg


def _absolute_checkpoints(cfg):
    """Completion checkpoints relative to the repository root work from any
    working directory."""
    def fix(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == 'checkpoint' and isinstance(value, str) and (
                        not osp.isabs(value) and not osp.exists(value)):
                    node[key] = osp.join(ROOT, value)
                else:
                    fix(value)
        elif isinstance(node, list):
            for child in node:
                fix(child)
    fix(cfg._cfg_dict)


def adapt_pipeline(pipeline, args):
    """Clip length and persons of the benchmark in a pipeline config."""
    out = copy.deepcopy(list(pipeline))
    for step in out:
        if step.get('type') == 'UniformSampleFrames':
            step['clip_len'] = args.clip_len
        elif step.get('type') == 'FormatGCNInput':
            step['num_person'] = args.num_person
    return out


def plain_pipeline(args):
    """MMAction2's skeleton training pipeline (its ST-GCN joint configs)."""
    return [
        dict(type='PreNormalize2D'),
        dict(type='GenSkeFeat', dataset='coco', feats=['j']),
        dict(type='UniformSampleFrames', clip_len=args.clip_len),
        dict(type='PoseDecode'),
        dict(type='FormatGCNInput', num_person=args.num_person),
        dict(type='PackActionInputs'),
    ]


def train_pipeline(cfg):
    from finetec_mm.engine.protocol import pipeline_datasets
    return next(pipeline_datasets(cfg.train_dataloader.dataset))['pipeline']


def build_model(cfg, device):
    from mmaction.registry import MODELS
    return MODELS.build(copy.deepcopy(cfg.model)).to(device)


def input_channels(model):
    """Channels per joint the model expects: (x, y, score) for plain GCNs and
    for FineTec with hosted completion/decomposition, else 2·streams + 1."""
    streams = getattr(model, 'streams', None)
    if streams is None or getattr(model, 'decomposition', None) is not None:
        return 3
    return 2 * len(streams) + 1


def is_hosted(model):
    return getattr(model, 'completion', None) is not None or getattr(
        model, 'decomposition', None) is not None


def hosted_clip_len(model):
    """Clip length the hosted completion network was trained for, None
    without one."""
    if getattr(model, 'completion', None) is not None:
        return model.completion.net.clip_len
    return None


def test_num_clips(cfg):
    """Clips per sample of the config's test pipeline (1 without
    ``UniformSampleFrames``)."""
    from finetec_mm.engine.protocol import pipeline_datasets
    dataset = next(pipeline_datasets(cfg.test_dataloader.dataset))
    for step in dataset['pipeline']:
        if step.get('type') == 'UniformSampleFrames':
            return int(step.get('num_clips', 1))
    return 1


def pipeline_clip_len(cfg):
    """Clip length of the training pipeline's completion network, None
    without ``ICLCompletion``."""
    for step in train_pipeline(cfg):
        if step.get('type') == 'ICLCompletion':
            from finetec_mm.datasets.transforms.icl_completion import \
                build_completion_model
            return build_completion_model(step['checkpoint'],
                                          step.get('model')).net.clip_len
    return None


def build_optim(model, cfg, amp):
    from mmengine.optim import build_optim_wrapper
    optimizer = copy.deepcopy((cfg.get('optim_wrapper') or {}).get(
        'optimizer', dict(type='SGD', lr=0.1, momentum=0.9,
                          weight_decay=5e-4, nesterov=True)))
    return build_optim_wrapper(
        model, dict(type='AmpOptimWrapper' if amp else 'OptimWrapper',
                    optimizer=optimizer))


def count_params(model):
    return sum(p.numel() for p in model.parameters())
