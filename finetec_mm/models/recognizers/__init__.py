from .finetec_multi_gcn import FineTecMultiGCN
from .finetec_recognizer import FineTecRecognizer

__all__ = ['FineTecRecognizer', 'FineTecMultiGCN']
