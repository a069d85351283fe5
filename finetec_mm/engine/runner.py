"""The runner that configs name with ``runner_type = 'FineTecRunner'``."""
import copy

from mmengine.runner import Runner

from mmaction.registry import RUNNERS
from ..compat import adapt_config_to_host
from .protocol import resolve_protocol


@RUNNERS.register_module()
class FineTecRunner(Runner):
    """mmengine's Runner, built from a config after two resolution steps:

    1. :func:`~finetec_mm.engine.resolve_protocol` turns the config's
       ``corruption`` and ``num_classes`` into concrete pipeline and model
       entries;
    2. :func:`~finetec_mm.compat.adapt_config_to_host` makes distributed
       launchers work on hosts without CUDA (gloo, ``device_ids=None``).

    Everything else is mmengine's Runner unchanged.
    """

    @classmethod
    def from_cfg(cls, cfg) -> 'FineTecRunner':
        cfg = copy.deepcopy(cfg)
        resolve_protocol(cfg)
        adapt_config_to_host(cfg)
        return super().from_cfg(cfg)
