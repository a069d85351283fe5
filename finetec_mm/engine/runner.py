"""The runner that configs name with ``runner_type = 'FineTecRunner'``."""
import copy

from mmengine.model import is_model_wrapper
from mmengine.runner import Runner
from mmengine.runner.checkpoint import (_load_checkpoint,
                                        _load_checkpoint_to_model)

from mmaction.registry import RUNNERS
from ..compat import adapt_config_to_host, prepare_deterministic
from .checkpoint_guard import check_checkpoint


@RUNNERS.register_module()
class FineTecRunner(Runner):
    """mmengine's Runner, adapted to the host before it is built, that
    refuses checkpoints which do not fit the model.

    Configs are complete as mmengine reads them (their pipelines and model
    are composed in the config files, see :mod:`finetec_mm.engine.protocol`),
    so MMAction2's own tools and a plain ``Runner.from_cfg`` run them the
    same way. Added here:

    * a host adaptation: :func:`~finetec_mm.compat.adapt_config_to_host`
      makes distributed launchers work on hosts without CUDA (gloo,
      ``device_ids=None``);
    * ``randomness.deterministic``: ``CUBLAS_WORKSPACE_CONFIG`` is set
      (:func:`~finetec_mm.compat.prepare_deterministic`), without which
      cuBLAS refuses deterministic matmuls;
    * checked loading: ``load_from`` (``tools/test.py``'s checkpoint) and
      ``resume`` go through
      :func:`~finetec_mm.engine.checkpoint_guard.check_checkpoint`, which
      raises a ``CheckpointError`` naming the file and the counts of
      missing / unexpected weights when any model weight would stay
      unloaded, unless the config sets ``allow_partial_checkpoint = True``
      (``tools/test.py --allow-partial``).
    """

    @classmethod
    def from_cfg(cls, cfg) -> 'FineTecRunner':
        cfg = copy.deepcopy(cfg)
        prepare_deterministic(cfg)
        adapt_config_to_host(cfg)
        return super().from_cfg(cfg)

    def load_checkpoint(self, filename, map_location='cpu', strict=False,
                        revise_keys=[(r'^module.', '')]):
        """mmengine's ``Runner.load_checkpoint`` with the fit check between
        reading the file and loading the weights."""
        checkpoint = _load_checkpoint(filename, map_location=map_location)
        self.call_hook('after_load_checkpoint', checkpoint=checkpoint)
        model = self.model.module if is_model_wrapper(
            self.model) else self.model
        check_checkpoint(
            model, checkpoint, filename,
            allow_partial=bool(self.cfg.get('allow_partial_checkpoint',
                                            False)),
            logger=self.logger)
        checkpoint = _load_checkpoint_to_model(
            model, checkpoint, strict, revise_keys=revise_keys)
        self._has_loaded = True
        self.logger.info(f'Load checkpoint from {filename}')
        return checkpoint
