"""The runner that configs name with ``runner_type = 'FineTecRunner'``."""
import copy

from mmengine.runner import Runner

from mmaction.registry import RUNNERS
from ..compat import adapt_config_to_host


@RUNNERS.register_module()
class FineTecRunner(Runner):
    """mmengine's Runner, adapted to the host before it is built.

    Configs are complete as mmengine reads them (their pipelines and model
    are composed in the config files, see :mod:`finetec_mm.engine.protocol`),
    so MMAction2's own tools and a plain ``Runner.from_cfg`` run them the
    same way. The one thing added here is a host adaptation:
    :func:`~finetec_mm.compat.adapt_config_to_host` makes distributed
    launchers work on hosts without CUDA (gloo, ``device_ids=None``).
    """

    @classmethod
    def from_cfg(cls, cfg) -> 'FineTecRunner':
        cfg = copy.deepcopy(cfg)
        adapt_config_to_host(cfg)
        return super().from_cfg(cfg)
