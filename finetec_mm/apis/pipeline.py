# Copyright (c) FineTec authors. All rights reserved.
"""The test pipeline of a config, adapted to real input."""
import copy

#: Joints per person of the GCN graph layouts MMAction2 knows.
LAYOUT_JOINTS = {'coco': 17, 'openpose': 18, 'nturgb+d': 25}


def graph_joints(cfg) -> int:
    """Joints per person of the model's graph (17 if it names none)."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            graph = node.get('graph_cfg')
            if isinstance(graph, dict) and graph.get('layout') in \
                    LAYOUT_JOINTS:
                found.append(LAYOUT_JOINTS[graph['layout']])
            for child in node.values():
                walk(child)
        elif isinstance(node, (list, tuple)):
            for child in node:
                walk(child)

    walk(cfg.get('model', {}))
    return found[0] if found else 17


def inference_config(cfg, simulate_corruption: bool = False):
    """A copy of ``cfg`` whose test pipeline reads real input.

    The config's test pipeline *template* (``test_pipeline``) is recomposed
    (as ``FineTecRunner`` composes it: ``input_transforms``,
    ``completion_checkpoint``, ``num_classes``, ``test_time_perturb``) with
    its ``CorruptionProtocol`` slot replaced by ``MarkMissingFrames``
    followed by the slot itself (``simulate_corruption``: the corruption is
    composed in as for testing) or by ``GapFill(method=corruption.fill)``
    (if the config fills gaps), because the frames missing in real input
    are the corruption.

    Raises:
        ValueError: no ``test_pipeline`` template, or
            ``simulate_corruption`` without a slot in it.
    """
    from finetec_mm.engine.protocol import SLOT, recompose
    cfg = copy.deepcopy(cfg)
    cfg.frozen = False  # real input is never a frozen evaluation set
    fill = dict(cfg.get('corruption', None) or {}).get('fill', None)
    template = cfg.get('test_pipeline', None)
    if not template:
        raise ValueError('the config has no test_pipeline template')
    types = [s.get('type') for s in template]
    if simulate_corruption and SLOT not in types:
        raise ValueError(f'cannot simulate the corruption: the test_pipeline '
                         f'template has no {SLOT} slot ({types})')
    steps = []
    for step in template:
        if step.get('type') != SLOT:
            steps.append(step)
            continue
        steps.append(dict(type='MarkMissingFrames'))
        if simulate_corruption:
            steps.append(step)
        elif fill is not None:
            steps.append(dict(type='GapFill', method=fill))
    if 'MarkMissingFrames' not in [s.get('type') for s in steps]:
        if 'PoseDecode' not in types:
            raise ValueError('the test pipeline has neither a '
                             f'{SLOT} slot nor PoseDecode: {types}')
        steps.insert(types.index('PoseDecode') + 1,
                     dict(type='MarkMissingFrames'))
    cfg.test_pipeline = steps
    recompose(cfg)
    return cfg


def build_pipeline(cfg, device: str = 'cpu'):
    """The composed test pipeline of a config from
    :func:`inference_config` (``ICLCompletion`` steps on ``device``)."""
    from mmengine.dataset import Compose

    from finetec_mm.engine.protocol import pipeline_datasets
    from mmaction.registry import TRANSFORMS
    dataset = next(pipeline_datasets(cfg.test_dataloader.dataset))
    steps = []
    for step in dataset['pipeline']:
        step = dict(step)
        if step.get('type') == 'ICLCompletion' and str(device) != 'cpu':
            step['device'] = str(device)
        steps.append(TRANSFORMS.build(step))
    return Compose(steps)
