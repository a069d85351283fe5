"""The pipeline slot where the config's corruption protocol goes."""
from mmcv.transforms import BaseTransform

from mmaction.registry import TRANSFORMS


@TRANSFORMS.register_module()
class CorruptionProtocol(BaseTransform):
    """Placeholder that :func:`finetec_mm.engine.resolve_protocol` replaces
    with ``SkeletonCorrupt`` (+ ``GapFill``) from the config's top-level
    ``corruption`` dict. Building it means the config was not resolved, which
    would silently drop the corruption, so it raises instead.

    Args:
        test_mode (bool): Whether the slot belongs to a val/test pipeline
            (then the corruption is a pure function of the sample).
    """

    def __init__(self, test_mode: bool = False) -> None:
        raise RuntimeError(
            'A pipeline contains an unresolved `CorruptionProtocol` slot. '
            "Build the runner with runner_type='FineTecRunner' (set in "
            "configs/_base_/default_runtime.py; finetec_mm's tools/train.py "
            'and tools/test.py do this) or call '
            '`finetec_mm.engine.resolve_protocol(cfg)` first.')

    def transform(self, results):  # pragma: no cover - never constructed
        return results
