
from .restoration_metric import RestorationMetric  # noqa: F401
