from .predictions import (confusion_matrix, load_predictions,
                          per_class_accuracy)
from .restoration_metric import RestorationMetric

__all__ = [
    'RestorationMetric', 'load_predictions', 'per_class_accuracy',
    'confusion_matrix'
]
