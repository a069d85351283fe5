"""The pipeline slot where the config's corruption protocol goes."""
from mmcv.transforms import BaseTransform

from mmaction.registry import TRANSFORMS


@TRANSFORMS.register_module()
class CorruptionProtocol(BaseTransform):
    """Placeholder in a pipeline *template* that
    :func:`finetec_mm.engine.protocol.compose_loaders` replaces with
    ``SkeletonCorrupt`` (+ ``GapFill``) from the config's top-level
    ``corruption`` dict. Building it means a template reached a dataset
    uncomposed, which would silently drop the corruption, so it raises.

    Args:
        test_mode (bool): Whether the slot belongs to a val/test pipeline
            (then the corruption is a pure function of the sample).
    """

    def __init__(self, test_mode: bool = False) -> None:
        raise RuntimeError(
            'A pipeline contains an uncomposed `CorruptionProtocol` slot: '
            'the config uses a pipeline template directly. Compose its '
            'loaders in the config file (`train_dataloader, val_dataloader, '
            'test_dataloader = protocol.compose_loaders(_base_)` with '
            '`from finetec_mm.engine import protocol`) or call '
            '`finetec_mm.engine.recompose(cfg)`.')

    def transform(self, results):  # pragma: no cover - never constructed
        return results
