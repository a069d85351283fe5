"""Resolve the experiment protocol of a config into concrete components.

Configs are composed from orthogonal ``_base_`` pieces (dataset × model ×
corruption × schedule). Two facts cross those pieces, and mmengine forbids two
bases from defining the same key, so they are stated once at the top level and
resolved here, when the runner is built:

* ``corruption = dict(level=..., fill=..., **SkeletonCorrupt kwargs)``: every
  ``dict(type='CorruptionProtocol', test_mode=...)`` slot in a dataset pipeline
  is replaced by ``SkeletonCorrupt(...)`` and, if ``fill`` is set, by a
  ``GapFill(method=fill)`` after it. With ``level=None`` and no ``ratio`` the
  slot is removed (clean data); so is it when the config has no
  ``corruption`` key.
* ``num_classes`` and ``num_person`` (from the dataset piece): fill every
  ``num_classes=None`` / ``num_person=None`` inside ``model``.
* ``input_transforms`` (optional, set by model pieces): the model's own
  input features. They replace the ``GenSkeFeat`` step of every pipeline
  (e.g. bone features for ST-GCN++ bone; completion + decomposition for
  FineTec). Entries with ``test_mode=None`` get the mode of their loader
  (False for training, True for val/test), and ``ICLCompletion`` entries
  with ``checkpoint=None`` get the top-level ``completion_checkpoint``
  (dataset pieces name theirs); so does a hosted ``model.completion`` with
  ``checkpoint=None``.

* ``test_time_perturb`` (optional, e.g. ``dict(noise=0.03)`` or
  ``dict(drop=0.3)``; robustness evaluation, the paper's Table 6): a
  ``TestTimePerturb(**test_time_perturb)`` step is inserted into the *test*
  pipeline right after the corruption (``SkeletonCorrupt`` /
  ``ApplyFrozenMask``, else after ``PoseDecode``), before gap filling and
  completion (see
  :func:`finetec_mm.datasets.transforms.insert_perturbation`). Val and
  train pipelines are unchanged.

Frozen evaluation sets (``tools/data/freeze_eval_set.py``) store the sampled,
corrupted test clips. ``frozen=True`` (usually given on the command line with
the frozen file as ``test_dataloader.dataset.ann_file``) rewrites the val and
test pipelines to read them instead of re-corrupting: ``UniformSampleFrames``
becomes ``LoadFrozenClips`` and the ``CorruptionProtocol`` slot becomes
``ApplyFrozenMask`` (+ ``GapFill(method=corruption.fill)`` if ``fill`` is
set), which gives bit-identical model inputs. The train pipeline is kept.

Unresolved slots fail loudly (see
:class:`finetec_mm.datasets.transforms.CorruptionProtocol`), so a config can
never silently run without its corruption.
"""
import copy

SLOT = 'CorruptionProtocol'


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


def _with_test_mode(transforms: list, test_mode: bool,
                    completion_checkpoint=None) -> list:
    """Copies of ``transforms`` with ``test_mode=None`` and an unset
    completion checkpoint filled in."""
    filled = copy.deepcopy(list(transforms))
    for step in filled:
        if 'test_mode' in step and step['test_mode'] is None:
            step['test_mode'] = test_mode
        if step.get('type') == 'ICLCompletion' and step.get(
                'checkpoint') is None:
            step['checkpoint'] = completion_checkpoint
    return filled


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


def _fill_unset(node, key, value):
    """Set every ``key: None`` in the nested dicts/lists of ``node``."""
    if isinstance(node, dict):
        for name, child in node.items():
            if name == key and child is None:
                node[name] = value
            else:
                _fill_unset(child, key, value)
    elif isinstance(node, list):
        for child in node:
            _fill_unset(child, key, value)


def frozen_transforms(corruption: dict) -> list:
    """Transforms that replace the slot in a pipeline fed by a frozen file."""
    fill = dict(corruption or {}).get('fill', None)
    transforms = [dict(type='ApplyFrozenMask')]
    if fill is not None:
        transforms.append(dict(type='GapFill', method=fill))
    return transforms


def _freeze_pipeline(pipeline: list, corruption: dict) -> list:
    """Rewrite one val/test pipeline to read a frozen evaluation set."""
    types = [step.get('type') for step in pipeline]
    if 'LoadFrozenClips' in types:
        return pipeline  # already rewritten
    if 'UniformSampleFrames' not in types or SLOT not in types:
        raise ValueError(
            'frozen=True needs val/test pipelines with UniformSampleFrames '
            f'and a {SLOT} slot, got {types}')
    frozen = []
    for step in pipeline:
        if step.get('type') == 'UniformSampleFrames':
            frozen.append(dict(type='LoadFrozenClips'))
        elif step.get('type') == SLOT:
            frozen.extend(frozen_transforms(corruption))
        else:
            frozen.append(step)
    return frozen


def resolve_protocol(cfg) -> None:
    """Resolve ``cfg`` in place (idempotent)."""
    corruption = cfg.get('corruption', None)
    if cfg.get('frozen', False):
        for loader in ('val_dataloader', 'test_dataloader'):
            loader_cfg = cfg.get(loader, None) or {}
            for dataset in pipeline_datasets(loader_cfg.get('dataset')):
                dataset['pipeline'] = _freeze_pipeline(dataset['pipeline'],
                                                       corruption)
    input_transforms = cfg.get('input_transforms', None)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader_cfg = cfg.get(loader, None)
        if not loader_cfg:
            continue
        loader_test_mode = loader != 'train_dataloader'
        for dataset in pipeline_datasets(loader_cfg.get('dataset')):
            pipeline = []
            for step in dataset['pipeline']:
                if step.get('type') == SLOT:
                    pipeline.extend(corruption_transforms(
                        corruption, step.get('test_mode', False)))
                elif step.get('type') == 'GenSkeFeat' and input_transforms:
                    pipeline.extend(_with_test_mode(
                        input_transforms, loader_test_mode,
                        cfg.get('completion_checkpoint', None)))
                else:
                    pipeline.append(step)
            dataset['pipeline'] = copy.deepcopy(pipeline)
    perturb = cfg.get('test_time_perturb', None)
    if perturb is not None:
        from finetec_mm.datasets.transforms.test_time_perturb import \
            insert_perturbation
        loader_cfg = cfg.get('test_dataloader', None) or {}
        for dataset in pipeline_datasets(loader_cfg.get('dataset')):
            dataset['pipeline'] = insert_perturbation(
                dataset['pipeline'], perturb, 'the test pipeline')
    for key in ('num_classes', 'num_person'):
        if cfg.get(key, None) is not None and 'model' in cfg:
            _fill_unset(cfg.model, key, cfg[key])
    hosted = cfg.get('model', {}).get('completion', None)
    if isinstance(hosted, dict) and hosted.get('checkpoint') is None:
        hosted['checkpoint'] = cfg.get('completion_checkpoint', None)
