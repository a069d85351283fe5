"""Compose a config's pipelines and model from its ``_base_`` pieces.

Configs are composed from orthogonal ``_base_`` pieces (dataset × model ×
corruption × schedule). A few facts cross those pieces, and mmengine forbids
two bases from defining the same key, so each piece states its own and the
leaf config composes them, in the config file itself, with the functions of
this module::

    _base_ = ['../_base_/models/stgcn.py', '../_base_/datasets/demo.py',
              '../_base_/corruption/severe.py', ...]
    from finetec_mm.engine import protocol  # noqa: E402
    train_dataloader, val_dataloader, test_dataloader = \\
        protocol.compose_loaders(_base_)
    model = protocol.compose_model(_base_)
    default_hooks = protocol.checkpoint_hooks(_base_)

(mmengine runs a config file with ``_base_`` bound to the merged bases, and
drops imported modules from the result.) What mmengine reads is therefore
the complete experiment: ``Config.fromfile(...).pretty_text``, MMAction2's
own ``tools/train.py`` / ``tools/test.py`` and a plain
``Runner.from_cfg`` all see the concrete ``SkeletonCorrupt`` steps and
filled-in model, never a placeholder.

The composition inputs (:data:`COMPOSITION_KEYS`), all top-level keys:

* ``train_pipeline`` / ``val_pipeline`` / ``test_pipeline`` (dataset piece):
  templates in which ``dict(type='CorruptionProtocol', test_mode=...)``
  marks where the corruption goes (after clip sampling);
* ``corruption = dict(level=..., fill=..., **SkeletonCorrupt kwargs)``
  (corruption piece): the slot becomes ``SkeletonCorrupt(...)`` and, if
  ``fill`` is set, ``GapFill(method=fill)``; no ``corruption`` (or
  ``level=None`` and no ``ratio``) removes the slot (clean data);
* ``input_transforms`` (model piece, optional): the model's own input
  features, in place of the template's ``GenSkeFeat`` (bone features for
  ST-GCN++ bone; completion + decomposition for the ``*_pipeline`` FineTec
  configs). Entries with ``test_mode=None`` get their loader's mode, and
  ``ICLCompletion`` entries with ``checkpoint=None`` the top-level
  ``completion_checkpoint`` (dataset piece), which is also the checkpoint of
  a hosted ``model.completion``;
* ``num_classes`` / ``num_person`` (dataset piece): set every
  ``num_classes`` / ``num_person`` in ``model`` (model pieces leave them
  None);
* ``test_time_perturb`` (robustness, the paper's Table 6): a
  ``TestTimePerturb`` step in the test pipeline right after the corruption;
* ``frozen=True``: the val/test pipelines read a frozen evaluation set
  (``tools/data/freeze_eval_set.py``): ``UniformSampleFrames`` becomes
  ``LoadFrozenClips`` and the slot ``ApplyFrozenMask`` (+ ``GapFill``).

A config that sets a composition input itself (not in a base) passes it:
``protocol.compose_loaders(_base_, input_transforms=input_transforms)``.
Tools that change an input after loading (``--cfg-options
corruption.level=moderate``, the robustness and restoration tables) call
:func:`recompose` on the loaded config, which rebuilds exactly what the file
did.
"""
import copy

SLOT = 'CorruptionProtocol'
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
COMPOSITION_KEYS = ('corruption', 'input_transforms', 'completion_checkpoint',
                    'num_classes', 'num_person', 'test_time_perturb',
                    'frozen', 'train_pipeline', 'val_pipeline',
                    'test_pipeline')


def corruption_transforms(corruption: dict, test_mode: bool) -> list:
    """Transforms that implement ``corruption`` for one pipeline."""
    corruption = dict(corruption or {})
    fill = corruption.pop('fill', None)
    if corruption.get('level') is None and not corruption.get('ratio'):
        return []
    transforms = [dict(type='SkeletonCorrupt', test_mode=test_mode,
                       **corruption)]
    if fill is not None:
        transforms.append(dict(type='GapFill', method=fill))
    return transforms


def frozen_transforms(corruption: dict) -> list:
    """Transforms that replace the slot in a pipeline fed by a frozen file."""
    fill = dict(corruption or {}).get('fill', None)
    transforms = [dict(type='ApplyFrozenMask')]
    if fill is not None:
        transforms.append(dict(type='GapFill', method=fill))
    return transforms


def pipeline_datasets(dataset_cfg):
    """Yield the dataset configs that own a pipeline (unwrapping wrappers)."""
    if dataset_cfg is None:
        return
    if 'pipeline' in dataset_cfg:
        yield dataset_cfg
    if 'dataset' in dataset_cfg:
        yield from pipeline_datasets(dataset_cfg['dataset'])
    for child in dataset_cfg.get('datasets', []):
        yield from pipeline_datasets(child)


def _plain(node):
    """Deep copy of ``node`` with ConfigDicts as plain dicts."""
    if isinstance(node, dict):
        return {key: _plain(value) for key, value in node.items()}
    if isinstance(node, (list, tuple)):
        return type(node)(_plain(value) for value in node)
    return copy.deepcopy(node)


def _set_everywhere(node, key, value):
    """Set every ``key`` in the nested dicts/lists of ``node`` to ``value``
    (a model piece leaves them None; a composed model has the old value)."""
    if isinstance(node, dict):
        for name, child in node.items():
            if name == key:
                node[name] = value
            else:
                _set_everywhere(child, key, value)
    elif isinstance(node, list):
        for child in node:
            _set_everywhere(child, key, value)


def _input_steps(transforms: list, test_mode: bool, checkpoint) -> list:
    """Copies of ``transforms`` with ``test_mode=None`` and an unset
    completion checkpoint filled in."""
    steps = _plain(list(transforms))
    for step in steps:
        if 'test_mode' in step and step['test_mode'] is None:
            step['test_mode'] = test_mode
        if step.get('type') == 'ICLCompletion' and step.get(
                'checkpoint') is None:
            step['checkpoint'] = checkpoint
    return steps


def _freeze(template: list) -> list:
    """A val/test template that reads a frozen evaluation set."""
    types = [step.get('type') for step in template]
    if 'UniformSampleFrames' not in types or SLOT not in types:
        raise ValueError(
            'frozen=True needs val/test pipelines with UniformSampleFrames '
            f'and a {SLOT} slot, got {types}')
    return [dict(type='LoadFrozenClips')
            if step.get('type') == 'UniformSampleFrames' else step
            for step in template]


def compose_pipeline(template: list, inputs: dict, loader: str) -> list:
    """The concrete pipeline of ``loader`` from its template.

    Args:
        template (list[dict]): Steps, with at most one ``CorruptionProtocol``
            slot.
        inputs (dict): The composition inputs (:data:`COMPOSITION_KEYS`).
        loader (str): One of :data:`LOADERS`.
    """
    test_mode = loader != 'train_dataloader'
    frozen = test_mode and bool(inputs.get('frozen'))
    template = _freeze(template) if frozen else _plain(template)
    corruption = inputs.get('corruption')
    features = inputs.get('input_transforms')
    pipeline = []
    for step in template:
        kind = step.get('type')
        if kind == SLOT:
            pipeline.extend(frozen_transforms(corruption) if frozen else
                            corruption_transforms(
                                corruption, step.get('test_mode', False)))
        elif kind == 'GenSkeFeat' and features:
            pipeline.extend(_input_steps(
                features, test_mode, inputs.get('completion_checkpoint')))
        else:
            pipeline.append(step)
    perturb = inputs.get('test_time_perturb')
    if loader == 'test_dataloader' and perturb is not None:
        from finetec_mm.datasets.transforms.test_time_perturb import \
            insert_perturbation
        pipeline = insert_perturbation(pipeline, _plain(perturb),
                                       'the test pipeline')
    return pipeline


def _inputs(cfg, overrides: dict) -> dict:
    inputs = {key: cfg.get(key, None) for key in COMPOSITION_KEYS}
    unknown = set(overrides) - set(COMPOSITION_KEYS)
    if unknown:
        raise KeyError(f'not composition inputs: {sorted(unknown)}; '
                       f'expected some of {COMPOSITION_KEYS}')
    inputs.update(overrides)
    return inputs


def compose_loaders(cfg, **overrides) -> tuple:
    """``(train_dataloader, val_dataloader, test_dataloader)`` of ``cfg``
    (the ``_base_`` of a config file, or a loaded config), each with the
    pipeline composed from its template (``<split>_pipeline`` minus the
    ``_dataloader``: ``train_pipeline`` for ``train_dataloader`` ...).
    Loaders that ``cfg`` lacks come back as None; a loader whose datasets
    have no pipeline (e.g. a skeleton bank) keeps it that way.
    """
    inputs = _inputs(cfg, overrides)
    loaders = []
    for loader in LOADERS:
        loader_cfg = cfg.get(loader, None)
        if loader_cfg is None:
            loaders.append(None)
            continue
        loader_cfg = _plain(loader_cfg)
        template = inputs.get(loader.replace('_dataloader', '_pipeline'))
        for dataset in pipeline_datasets(loader_cfg.get('dataset')):
            source = template if template is not None else dataset['pipeline']
            dataset['pipeline'] = compose_pipeline(source, inputs, loader)
        loaders.append(loader_cfg)
    return tuple(loaders)


def compose_model(cfg, **overrides) -> dict:
    """``cfg.model`` with every ``num_classes`` / ``num_person`` set to the
    dataset's, and a hosted completion's checkpoint to
    ``completion_checkpoint`` (where those inputs are given)."""
    inputs = _inputs(cfg, overrides)
    model = _plain(cfg['model'])
    for key in ('num_classes', 'num_person'):
        if inputs.get(key) is not None:
            _set_everywhere(model, key, inputs[key])
    hosted = model.get('completion', None)
    checkpoint = inputs.get('completion_checkpoint')
    if isinstance(hosted, dict) and (checkpoint is not None
                                     or hosted.get('checkpoint') is None):
        hosted['checkpoint'] = checkpoint
    return model


def _same_data(a, b) -> bool:
    """Whether two loader configs read the same split of the same file."""
    da, db = (dict((x or {}).get('dataset') or {}) for x in (a, b))
    return (da.get('ann_file'), da.get('split')) == (db.get('ann_file'),
                                                     db.get('split'))


def checkpoint_hooks(cfg) -> dict:
    """``default_hooks`` entries that keep checkpoint selection off the
    reported split: where validation reads the same split as the test loop
    (datasets without a validation split, e.g. Gym288's train/test), no
    best checkpoint is kept (``save_best=None``). Otherwise nothing
    changes."""
    if _same_data(cfg.get('val_dataloader'), cfg.get('test_dataloader')):
        return dict(checkpoint=dict(save_best=None))
    return dict()


def recompose(cfg) -> None:
    """Rebuild the composed entries of a loaded config in place (after a
    composition input changed), exactly as its file did.

    Raises:
        ValueError: if a loader has a pipeline but the config has no
            template for it (``train_pipeline`` ...): the composed pipeline
            could not be rebuilt, and a changed input would be ignored.
    """
    for loader in LOADERS:
        loader_cfg = cfg.get(loader, None) or {}
        template = loader.replace('_dataloader', '_pipeline')
        if (cfg.get(template, None) is None
                and any(True for _ in pipeline_datasets(
                    loader_cfg.get('dataset')))):
            raise ValueError(
                f'cannot recompose {loader}: the config has no '
                f'`{template}` template to rebuild its pipeline from')
    for loader, value in zip(LOADERS, compose_loaders(cfg)):
        if value is not None:
            cfg[loader] = value
    if 'model' in cfg:
        cfg['model'] = compose_model(cfg)
    hooks = checkpoint_hooks(cfg)
    if hooks and cfg.get('default_hooks', None) is not None:
        cfg.default_hooks.checkpoint.save_best = None


def touches_composition(options) -> bool:
    """Whether ``--cfg-options`` keys change a composition input."""
    return any(str(key).split('.')[0] in COMPOSITION_KEYS
               for key in (options or {}))


def at_level(cfg, level: str):
    """A deep copy of ``cfg`` with its corruption protocol set to the named
    ``level`` (``minor`` / ``moderate`` / ``severe``; an explicit ``ratio``
    dropped) and its loaders and model recomposed."""
    cfg = copy.deepcopy(cfg)
    cfg.corruption = dict(cfg.get('corruption') or {}, level=level)
    cfg.corruption.pop('ratio', None)
    recompose(cfg)
    return cfg
